"""OpenAPI text of the login API, applied to the views with `extend_schema_view`."""

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from core.openapi import (
    ACCESS_TOKEN_REFUSED,
    BAD_REQUEST,
    BROKER_DOWN_EXAMPLE,
    CODE_ADDRESS_LIMIT_EXAMPLE,
    CODE_COOLDOWN_EXAMPLE,
    DATABASE_DOWN_EXAMPLE,
    MALFORMED_JSON_EXAMPLE,
    NOT_AN_OBJECT_EXAMPLE,
    RATE_LIMITED,
    REDIS_DOWN_EXAMPLE,
    RETRY_AFTER,
    ROUTE_SUSPENDED_EXAMPLE,
    UNAUTHORIZED,
    UNAVAILABLE,
    UNAVAILABLE_EXAMPLES,
    DetailOutput,
    ValidationErrorOutput,
    error_response,
    example,
)
from profiles.schema import ERROR_400, ERROR_404, PK_PARAMETER, PROFILE_EXAMPLE, TAGS
from profiles.serializers import ProfileOutput, ProfileUpdateInput

from .serializers import (
    JwksOutput,
    LoginInput,
    LoginOutput,
    LogoutAllOutput,
    LogoutInput,
    PhoneChangeConfirmedOutput,
    PhoneChangeConfirmInput,
    PhoneChangePendingOutput,
    SessionOutput,
    SmsCodeRequestInput,
    SmsCodeRequestOutput,
    TokenRefreshInput,
    TokenRefreshOutput,
)

# The code's length and attempts as this deployment has them (LOGIN_CODE_LENGTH,
# LOGIN_CODE_MAX_ATTEMPTS): the document describes the service that serves it.
DIGITS = settings.LOGIN_CODE_LENGTH
ATTEMPTS = settings.LOGIN_CODE_MAX_ATTEMPTS
EXAMPLE_CODE = "123456789"[:DIGITS]
CODE_FORMAT_TEXT = f"The code is {DIGITS} digits."
INVALID_CODE_TEXT = "Invalid or expired code. Check it, or request a new code."

# Shortened but well-formed tokens for the examples.
EXAMPLE_ACCESS = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwidXNlcl9pZCI6M30."
    "q1Vd0m0S4u3w0cJqJm2h7a1k2WmD7l3b7v0y3vY8F0Q"
)
EXAMPLE_REFRESH = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsInVzZXJfaWQiOjN9."
    "p0Xh2f6lR8m1J6kP2c9sQ4n7tB5wV3yZ8aE1dG0hK2M"
)
INVALID_TOKEN_BODY = {"detail": "Token is invalid", "code": "token_not_valid"}
BLACKLISTED_TOKEN_BODY = {"detail": "Token is blacklisted", "code": "token_not_valid"}
PHONE_ERROR_EXAMPLES = [
    example("Invalid phone", {"phone": ["Enter a valid phone number, e.g. +79111234567."]}, 400),
    example("Missing phone", {"phone": ["This field is required."]}, 400),
    example("Phone not a string (a JSON number)", {"phone": ["Not a valid string."]}, 400),
]

BUDGET_RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[503],
    description="Seconds until the hourly SMS budget is renewed; only on the 503 that says "
    "the budget is spent.",
)


code_request = extend_schema_view(
    post=extend_schema(
        tags=["auth"],
        summary="Request a one-time login code by SMS",
        description="Normalises the phone to E.164 and creates the user on first use (201; "
        f"a known phone answers 200). A new {DIGITS}-digit code (`LOGIN_CODE_LENGTH`) "
        "replaces any unused one and lives "
        "`expires_in` seconds; a worker sends the SMS 1-2 s later, the answer does not wait "
        "for it; `GET /tasks/{task_id}/` tells the state of its `task_id`. Limits: one code "
        "per phone per `resend_in` seconds (60), 5 per phone and 30 per client address per "
        "hour (IPv6: per /64, and 60 per /56 and 120 per /48 as well) — over a limit 429 "
        "with `Retry-After`. A deactivated account answers exactly as any known phone (200, "
        "after the same limits, with a `task_id` that answers like any other) but gets no "
        "SMS and no code that could log in. "
        "A code goes only to a number in an allowed country (`SMS_ALLOWED_REGIONS`, "
        "default RU) that can receive an SMS: toll-free, premium-rate, shared-cost, UAN, "
        "voicemail and +882/+883 numbers answer 400 on `phone`, and with a real SMS "
        "provider only valid mobile numbers are accepted; such a refusal creates and counts "
        "nothing. Once the service has issued "
        "`SMS_HOURLY_BUDGET` codes (1000) in a clock hour, requests answer 503 with "
        "`Retry-After` until the hour ends. Once 100 codes (`SMS_ROUTE_GUARD_MIN_REQUESTS`) "
        "went to one country calling code within the last hour and fewer than 20 % of them "
        "were used to log in (`SMS_ROUTE_GUARD_MIN_CONVERSION`), that calling code is "
        "suspended: its requests answer 429 `sms_route_suspended` with `Retry-After` for "
        "up to an hour (`SMS_ROUTE_SUSPEND_SECONDS`) or until an operator lifts it; codes "
        "already sent still log in.",
        request=SmsCodeRequestInput,
        responses={
            201: OpenApiResponse(SmsCodeRequestOutput, description="New user; SMS queued."),
            200: OpenApiResponse(SmsCodeRequestOutput, description="Known user; SMS queued."),
            400: BAD_REQUEST,
            429: RATE_LIMITED,
            503: UNAVAILABLE,
        },
        parameters=[RETRY_AFTER, BUDGET_RETRY_AFTER],
        examples=[
            example("Request", {"phone": "+79111234567"}),
            example("Request, national format", {"phone": "8 (911) 123-45-67"}),
            example(
                "New user",
                {
                    "detail": "User created and SMS sent.",
                    "phone": "+79111234567",
                    "task_id": "0b6a4f7e-3c1d-4e55-9a0e-3f1f2a9c8d11",
                    "expires_in": 300,
                    "resend_in": 60,
                },
                201,
            ),
            example(
                "Known user",
                {
                    "detail": "SMS sent to existing user.",
                    "phone": "+79111234567",
                    "task_id": "5d2c8e41-7f0a-4b6e-8c3d-2a9b1e7f4c60",
                    "expires_in": 300,
                    "resend_in": 60,
                },
                200,
            ),
            *PHONE_ERROR_EXAMPLES,
            example(
                "Number that cannot get a code (toll-free, premium-rate, ...)",
                {
                    "phone": ["A login code cannot be sent to this number."],
                    "code": "phone_not_deliverable",
                },
                400,
            ),
            example(
                "Number of a country codes are not sent to",
                {
                    "phone": ["Login codes are not sent to numbers of this country."],
                    "code": "phone_not_deliverable",
                },
                400,
            ),
            MALFORMED_JSON_EXAMPLE,
            NOT_AN_OBJECT_EXAMPLE,
            CODE_COOLDOWN_EXAMPLE,
            example(
                "Too many codes for the phone",
                {
                    "detail": "Too many codes requested for this number. "
                    "Try again in 3412 seconds.",
                    "code": "rate_limited",
                },
                429,
            ),
            CODE_ADDRESS_LIMIT_EXAMPLE,
            ROUTE_SUSPENDED_EXAMPLE,
            *UNAVAILABLE_EXAMPLES,
            BROKER_DOWN_EXAMPLE,
            example(
                "Hourly SMS budget spent",
                {
                    "detail": "The service has sent as many login codes this hour as it may. "
                    "Try again in 1260 seconds.",
                    "code": "sms_budget_exhausted",
                },
                503,
            ),
        ],
    )
)

login = extend_schema_view(
    post=extend_schema(
        tags=["auth"],
        summary="Log in with the SMS code",
        description="Exchanges the right, unexpired, unused code (`password`, or its alias "
        "`code`) for JWT tokens; the code is consumed and the first login marks the phone "
        "verified. Digits of any script (fullwidth, Arabic-Indic ...) are read as ASCII "
        f"digits; anything else that is not {DIGITS} digits is a field error that costs "
        "nothing. A wrong, expired or used-up code, a number without a live code, and any "
        "code for a deactivated account all answer the same 400 `invalid_code`, so the "
        "answer never tells whether a number "
        f"has a live code; after {ATTEMPTS} wrong tries the code is dead "
        "(even the right one fails) and a new one must be requested. Limits, each answering "
        "429 with `Retry-After`: more than 10 wrong guesses at a live code per phone per "
        "hour (a login for a number without a live code does not count here), and more than "
        "30 failed logins per client address per hour (IPv6: per /64, and 60 per /56 and "
        "120 per /48 as well), after which every login from that network is refused, "
        "whatever the phone; and a service-wide breaker: past 1000 failed logins in a "
        "minute, every login waits for the minute to end. Access tokens live 15 min, "
        "refresh tokens 7 days.",
        request=LoginInput,
        responses={
            200: LoginOutput,
            400: BAD_REQUEST,
            429: RATE_LIMITED,
            503: UNAVAILABLE,
        },
        parameters=[RETRY_AFTER],
        examples=[
            example("Request", {"phone": "+79111234567", "password": EXAMPLE_CODE}),
            example(
                "Request with the `code` alias", {"phone": "+79111234567", "code": EXAMPLE_CODE}
            ),
            example(
                "Logged in",
                {"refresh": EXAMPLE_REFRESH, "access": EXAMPLE_ACCESS, "user_id": 3},
                200,
            ),
            example(
                "Wrong, expired or used-up code, or none live for this number",
                {"detail": INVALID_CODE_TEXT, "code": "invalid_code"},
                400,
            ),
            example(f"Code not {DIGITS} digits", {"password": [CODE_FORMAT_TEXT]}, 400),
            example("Code missing", {"password": ["This field is required."]}, 400),
            example(f"Code (the alias) not {DIGITS} digits", {"code": [CODE_FORMAT_TEXT]}, 400),
            *PHONE_ERROR_EXAMPLES,
            MALFORMED_JSON_EXAMPLE,
            example(
                "Too many wrong codes",
                {
                    "detail": "Too many wrong codes for this number. Try again in 2710 seconds.",
                    "code": "rate_limited",
                },
                429,
            ),
            example(
                "Too many failed logins from the address",
                {
                    "detail": "Too many failed logins from your address. "
                    "Try again in 1975 seconds.",
                    "code": "rate_limited",
                },
                429,
            ),
            *UNAVAILABLE_EXAMPLES,
        ],
    )
)

logout = extend_schema_view(
    post=extend_schema(
        tags=["auth"],
        summary="Log out: end the refresh token's login",
        description="Ends the login of the given refresh token: no refresh token of the "
        "same login can be refreshed any more. Only a token that could still refresh logs "
        "out; any other (invalid, expired, rotated out, or of a login already ended) answers "
        "401, and a rotated-out one ends its login too, as a reuse does at the refresh. "
        "Access tokens already issued stay valid until they expire (15 min).",
        request=LogoutInput,
        responses={
            200: DetailOutput,
            400: BAD_REQUEST,
            401: error_response(
                "The refresh token is invalid, expired, rotated out or of an ended login."
            ),
            503: UNAVAILABLE,
        },
        examples=[
            example("Request", {"refresh": EXAMPLE_REFRESH}),
            example("Logged out", {"detail": "Logged out."}, 200),
            example("Refresh token missing", {"refresh": ["This field is required."]}, 400),
            MALFORMED_JSON_EXAMPLE,
            example(
                "Invalid, expired or already logged out",
                {"detail": "Token is invalid or expired.", "code": "token_not_valid"},
                401,
            ),
            DATABASE_DOWN_EXAMPLE,
        ],
    )
)

token_refresh = extend_schema_view(
    post=extend_schema(
        tags=["auth"],
        summary="Rotate the refresh token",
        description="Returns a new access token and a new refresh token; the refresh token "
        "sent stops working, so each one works once, and of concurrent refreshes of one "
        "token exactly one succeeds. A refresh token that comes back after it was rotated "
        "out (reuse, RFC 9700 4.14.2) answers 401 and revokes every refresh token of the "
        "same login, so its live successor answers 401 too and the client must log in "
        "again. Refresh tokens live 7 days.",
        request=TokenRefreshInput,
        responses={
            200: TokenRefreshOutput,
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            503: UNAVAILABLE,
        },
        examples=[
            example("Request", {"refresh": EXAMPLE_REFRESH}),
            example("Rotated", {"access": EXAMPLE_ACCESS, "refresh": EXAMPLE_REFRESH}, 200),
            example("Refresh token missing", {"refresh": ["This field is required."]}, 400),
            MALFORMED_JSON_EXAMPLE,
            example("Invalid or expired token", INVALID_TOKEN_BODY, 401),
            example("Already used or logged out", BLACKLISTED_TOKEN_BODY, 401),
            example(
                "Successor of a reused token (the whole login is revoked)",
                BLACKLISTED_TOKEN_BODY,
                401,
            ),
            example(
                "Account deleted",
                {
                    "detail": "No active account found for the given token.",
                    "code": "no_active_account",
                },
                401,
            ),
            DATABASE_DOWN_EXAMPLE,
        ],
    )
)


# --- Profile update that may start a phone change, and its confirmation ----------------
REAUTH_EXAMPLE = example(
    "Login too old to change the number",
    {
        "detail": "Log in again with a code sent to your current number, then change it.",
        "code": "reauthentication_required",
    },
    403,
)
UPDATE_SUMMARY = "Update your profile, activate an invite code or change your number"
UPDATE_SCHEMA: dict[str, Any] = {
    "tags": TAGS,
    "description": "Edit `email`, `first_name`, `last_name` and `avatar` (multipart image "
    "upload, JPEG/PNG/WebP/GIF, at most AVATAR_MAX_BYTES; null clears a field) and activate "
    "an invite code with `user_referral` (once; any case; spaces ignored). Names take up to "
    "150 characters and `email` up to 254; null or an empty string clears them. Fields "
    "that are absent stay as they are, with PUT as with PATCH; other keys (`id`, "
    "`self_referral`, `users_list` ...) are ignored, so the body of a GET can be sent back "
    "(without `user_referral` once a code is activated: sending it again answers "
    "`invite_already_activated`). The request is applied entirely or not at all: if the "
    "activation is refused, none of the other fields are saved. Answers the whole profile "
    "(200); 404 also when the account is deleted while the request runs. One user's "
    "concurrent requests activate at most one code, and no chain of activations can loop "
    "back, not even two users activating each other's codes at the same moment.\n\n"
    "`phone`: your own number (any spelling) changes nothing. Another number starts a "
    f"change: the other fields are saved, a {DIGITS}-digit code goes by SMS to the new number "
    "(same lifetime, attempts and rate limits as a login code: the new number's and your "
    "address's) and the answer is 202 with the profile, still with the old phone, plus "
    "`pending_phone`, `task_id`, `expires_in` and `resend_in`. Confirm with "
    "`PUT|PATCH /users/update/sms/<pk>/`. A new request replaces a pending change; your own "
    "number leaves a pending change alone (200). The SMS says that it confirms a number for "
    "an account, not that it logs in. A number that already belongs to another account "
    "answers exactly as a free one (202, after the same limits, with a `task_id` that "
    "answers like any other), so the answer tells nobody who is registered; it gets no "
    "SMS and its change can never be confirmed. With a new `phone`, a 429 or a 503 for "
    "the database or Redis saves nothing of the request; a message broker that is down answers 503 "
    "after the other fields were saved, with the limits given back, so the change can be "
    "asked again at once.\n\n"
    "A change of number needs a recent login: the access token's `auth_time` (the time "
    "of the login with a code, kept by refreshes) must be at most "
    "PHONE_CHANGE_REAUTH_SECONDS (300) old, else 403 `reauthentication_required` and "
    "nothing of the request is saved: log in again with a code sent to the current "
    "number, then ask for the change with the new tokens.\n\n"
    "Unknown invite codes are limited per user: beyond INVITE_FAILURES_HOURLY_LIMIT (20) in "
    "a clock hour every activation answers 429 with `Retry-After` until the hour ends.\n\n"
    "Avatars are limited per user: each upload counts (also when the request fails after "
    "the image was decoded), and beyond AVATAR_UPLOADS_HOURLY_LIMIT (10) per "
    "RATE_LIMIT_WINDOW (an hour) an upload answers 429 with `Retry-After` and nothing of "
    "the request is saved. An avatar is stored decoded and encoded again: no EXIF, XMP, "
    "comments, text chunks or colour profile, first frame only. A picture of more than "
    "AVATAR_MAX_PIXELS pixels (read from its header, before decoding) answers 400 "
    "`avatar_too_large`.",
    "request": {
        "application/json": ProfileUpdateInput,
        "multipart/form-data": ProfileUpdateInput,
    },
    "responses": {
        200: OpenApiResponse(
            ProfileOutput,
            examples=[
                example(
                    "Updated profile",
                    {
                        **PROFILE_EXAMPLE,
                        "first_name": "Anna",
                        "user_referral": "Q4ZT1B",
                    },
                    200,
                )
            ],
        ),
        202: OpenApiResponse(
            PhoneChangePendingOutput,
            description="A new phone: the other fields are saved, a code was sent to the "
            "new number; the phone changes once the code is confirmed.",
            examples=[
                example(
                    "Phone change pending",
                    {
                        **PROFILE_EXAMPLE,
                        "pending_phone": "+79219876543",
                        "task_id": "7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
                        "expires_in": 300,
                        "resend_in": 60,
                    },
                    202,
                )
            ],
        ),
        400: ERROR_400,
        401: ACCESS_TOKEN_REFUSED,
        403: error_response(
            "A new `phone` with an access token whose login is older than "
            "PHONE_CHANGE_REAUTH_SECONDS; nothing was saved.",
            examples=[REAUTH_EXAMPLE],
        ),
        429: error_response(
            RATE_LIMITED.description + " Only a new `phone`, unknown invite "
            "codes and avatar uploads are rate-limited; nothing of the request was saved.",
            examples=[
                CODE_COOLDOWN_EXAMPLE,
                CODE_ADDRESS_LIMIT_EXAMPLE,
                ROUTE_SUSPENDED_EXAMPLE,
                example(
                    "Too many unknown invite codes",
                    {
                        "detail": "Too many unknown invite codes. Try again in 1820 seconds.",
                        "code": "rate_limited",
                    },
                    429,
                ),
                example(
                    "Too many avatar uploads",
                    {
                        "detail": "Too many avatar uploads. Try again in 2140 seconds.",
                        "code": "rate_limited",
                    },
                    429,
                ),
            ],
        ),
        503: error_response(
            "The database, Redis or the message broker cannot be reached.",
            examples=[DATABASE_DOWN_EXAMPLE, REDIS_DOWN_EXAMPLE, BROKER_DOWN_EXAMPLE],
        ),
        404: ERROR_404,
    },
    "parameters": [PK_PARAMETER, RETRY_AFTER],
    "examples": [
        example("Change the phone", {"phone": "+7 921 987-65-43"}),
        example("Activate a code", {"user_referral": "q4zt1b"}),
        example(
            "Edit names",
            {"first_name": "Anna", "last_name": "Petrova", "email": "anna@example.com"},
        ),
    ],
}

update = extend_schema_view(
    patch=extend_schema(
        summary=UPDATE_SUMMARY,
        **UPDATE_SCHEMA,
    ),
    put=extend_schema(summary=f"{UPDATE_SUMMARY} (same as PATCH)", **UPDATE_SCHEMA),
)

CONFIRM_SCHEMA: dict[str, Any] = {
    "tags": TAGS,
    "description": "Confirms a change of number started at `/users/update/<pk>/` with the "
    "code sent to the new number (`sms_code`, or its alias `code`). The right code moves "
    "the account to the new number (200, the whole profile): the new number logs in to "
    "it, the old one no longer does and gets a short notice SMS; invite code, activation "
    "and referrals stay. Every other login of the account ends (their refresh tokens "
    "answer 401), and the answer adds new `access` and `refresh` tokens of this login: "
    "the refresh token held before no longer refreshes (a token of an earlier release, "
    "without a login of its own, gets a new login whose tokens carry no `auth_time`). "
    "A wrong, expired or used-up code answers 400 `invalid_code` on `sms_code`; after "
    "LOGIN_CODE_MAX_ATTEMPTS wrong tries the code is dead, and wrong codes count as failed "
    "logins, towards the new number's LOGIN_FAILURES_HOURLY_LIMIT and the client "
    "address's LOGIN_FAILURES_IP_HOURLY_LIMIT (429 with `Retry-After`; the address's count "
    "spans every account it confirms for and its logins). The notice to the old number "
    "takes a unit of the SMS budget and of that number's hourly code limits; when one is "
    "spent the notice is skipped and the change still succeeds. "
    "Digits of any script are read as ASCII digits. A change code never logs in, and a "
    "login code never confirms a change. After the change, login codes sent to the old "
    "number and not used yet are dead, and a code request for the old number creates a "
    "new user (201). Another user's `pk` answers 404 and counts nothing. Of two accounts "
    "confirming the same number at once, one gets 200 and the other 400 `phone_taken`.",
    "parameters": [PK_PARAMETER, RETRY_AFTER],
    "request": PhoneChangeConfirmInput,
    "responses": {
        200: OpenApiResponse(
            PhoneChangeConfirmedOutput,
            description="The number is changed; the other logins are ended.",
            examples=[
                example(
                    "Phone changed",
                    {
                        **PROFILE_EXAMPLE,
                        "phone": "+79219876543",
                        "access": EXAMPLE_ACCESS,
                        "refresh": EXAMPLE_REFRESH,
                    },
                    200,
                )
            ],
        ),
        400: error_response(
            "Wrong, expired or dead code, no change waiting for this number, "
            "or the number was taken meanwhile; nothing was changed.",
            ValidationErrorOutput,
            examples=[
                example(
                    "Wrong, expired or used-up code",
                    {"sms_code": [INVALID_CODE_TEXT], "code": "invalid_code"},
                    400,
                ),
                example(
                    "No change waiting",
                    {
                        "phone": [
                            "No change of number is waiting for a code. Ask for the change again."
                        ],
                        "code": "no_pending_phone_change",
                    },
                    400,
                ),
                example(
                    "Not the pending number",
                    {
                        "phone": ["This is not the number you asked to change to."],
                        "code": "not_pending_phone",
                    },
                    400,
                ),
                example(
                    "Number taken meanwhile",
                    {
                        "phone": ["This number already belongs to another account."],
                        "code": "phone_taken",
                    },
                    400,
                ),
                example(f"Code not {DIGITS} digits", {"sms_code": [CODE_FORMAT_TEXT]}, 400),
                example("Code missing", {"sms_code": ["This field is required."]}, 400),
                example("Phone missing", {"phone": ["This field is required."]}, 400),
                MALFORMED_JSON_EXAMPLE,
            ],
        ),
        401: ACCESS_TOKEN_REFUSED,
        404: ERROR_404,
        429: error_response(
            str(RATE_LIMITED.description),
            examples=[
                example(
                    "Too many wrong codes",
                    {
                        "detail": "Too many wrong codes for this number. "
                        "Try again in 2710 seconds.",
                        "code": "rate_limited",
                    },
                    429,
                ),
                example(
                    "Too many wrong codes from this address",
                    {
                        "detail": "Too many failed logins from your address. "
                        "Try again in 1930 seconds.",
                        "code": "rate_limited",
                    },
                    429,
                ),
            ],
        ),
        503: error_response(
            "The database or Redis cannot be reached; nothing was changed.",
            examples=[DATABASE_DOWN_EXAMPLE, REDIS_DOWN_EXAMPLE],
        ),
    },
    "examples": [
        example("Confirm", {"phone": "+79219876543", "sms_code": EXAMPLE_CODE}),
        example("Confirm with the `code` alias", {"phone": "+79219876543", "code": EXAMPLE_CODE}),
    ],
}


confirm_phone_change = extend_schema_view(
    patch=extend_schema(
        summary="Confirm a change of phone number with the SMS code", **CONFIRM_SCHEMA
    ),
    put=extend_schema(
        summary="Confirm a change of phone number with the SMS code (same as PATCH)",
        **CONFIRM_SCHEMA,
    ),
)


# --- Sessions: the account's logins -------------------------------------------------------
SESSION_ID_PARAMETER = OpenApiParameter(
    "session_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="A session's `id`."
)
SESSIONS_DOWN = error_response(
    "The database cannot be reached; nothing was changed.", examples=[DATABASE_DOWN_EXAMPLE]
)
SESSION_EXAMPLE = {
    "id": "3f0b8c2e-5d4a-4e1b-9c7f-2a6d8e0b1c34",
    "created_at": "2026-03-01T09:15:02.113Z",
    "last_used_at": "2026-03-01T09:31:40.502Z",
    "ip": "203.0.113.7",
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)",
    "current": True,
}

sessions = extend_schema_view(
    get=extend_schema(
        tags=["auth"],
        summary="List your live logins",
        description="The account's logins whose refresh token can still refresh, newest "
        "first (at most 100): when each began, when its tokens were last refreshed, the "
        "client address and user agent it began with, and which one is the login of this "
        "request's token (`current`). Logins ended (logout, `DELETE`, a change of number, "
        "refresh-token reuse) or expired are not listed.",
        responses={200: SessionOutput(many=True), 401: ACCESS_TOKEN_REFUSED, 503: SESSIONS_DOWN},
        examples=[
            example(
                "Two logins",
                [
                    SESSION_EXAMPLE,
                    {
                        **SESSION_EXAMPLE,
                        "id": "9a1d4c6b-2e8f-4b3a-8d5c-7e0f1a2b3c4d",
                        "created_at": "2026-02-27T18:02:11.904Z",
                        "last_used_at": None,
                        "ip": "2001:db8::5",
                        "user_agent": "okhttp/4.12.0",
                        "current": False,
                    },
                ],
                200,
            ),
        ],
    )
)

session_end = extend_schema_view(
    delete=extend_schema(
        tags=["auth"],
        summary="End one of your logins",
        description="Ends the login: its refresh token answers 401 from now on (access "
        "tokens already issued live out their 15 minutes). A login that is not one of "
        "yours, or is already ended, answers 404.",
        parameters=[SESSION_ID_PARAMETER],
        responses={
            204: OpenApiResponse(description="Ended."),
            401: ACCESS_TOKEN_REFUSED,
            404: error_response(
                "Not a live login of yours (another account's answers the same).",
                examples=[example("Not yours", {"detail": "Not found.", "code": "not_found"}, 404)],
            ),
            503: SESSIONS_DOWN,
        },
    )
)

logout_all = extend_schema_view(
    post=extend_schema(
        tags=["auth"],
        summary="Log out everywhere else",
        description="Ends every login of the account but the one of this request's token: "
        "their refresh tokens answer 401 from now on. `ended` says how many were ended.",
        request=None,
        responses={
            200: LogoutAllOutput,
            401: ACCESS_TOKEN_REFUSED,
            503: SESSIONS_DOWN,
        },
        examples=[example("Ended", {"detail": "Other sessions ended.", "ended": 2}, 200)],
    )
)

JWKS_EXAMPLE = {
    "keys": [
        {
            "kid": "0BeFPXebvCskGRKeanhnvG34VrWgCQ3bMHLVQBrCmFc",
            "kty": "EC",
            "crv": "P-256",
            "x": "tph09zjKq3VLmoagtPQ11DRyvTILaVNdbPzFZb6O4Q4",
            "y": "K4lzxtiAo_e-JTWJFzCljQUJ9oSeEnpgRR7eEYvCwcQ",
            "alg": "ES256",
            "use": "sig",
        }
    ]
}

jwks = extend_schema_view(
    get=extend_schema(
        tags=["auth"],
        summary="Public keys that check the tokens (JWK Set)",
        description="The public keys of the current signing key and of the retired ones "
        "that still check live tokens (RFC 7517). A token names its key in the `kid` "
        "header; another service checks a token's signature, `exp`, `iss` and `aud` with "
        "these keys alone (docs/integration.md). Cacheable: `Cache-Control: max-age` "
        "(300 s) is far shorter than the time a retired key stays listed (a refresh "
        "token's lifetime). A `kid` missing from a cached copy means a rotation: fetch "
        "again. Never holds a private part.",
        auth=[],
        responses={200: OpenApiResponse(JwksOutput, description="The JWK Set."), 503: UNAVAILABLE},
        examples=[example("JWK Set", JWKS_EXAMPLE, 200), DATABASE_DOWN_EXAMPLE],
    )
)
