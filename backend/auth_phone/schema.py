"""OpenAPI text of the login API, applied to the views with `extend_schema_view`."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from core.openapi import (
    BAD_REQUEST,
    BROKER_DOWN_EXAMPLE,
    CODE_ADDRESS_LIMIT_EXAMPLE,
    CODE_COOLDOWN_EXAMPLE,
    DATABASE_DOWN_EXAMPLE,
    MALFORMED_JSON_EXAMPLE,
    NOT_AN_OBJECT_EXAMPLE,
    RATE_LIMITED,
    RETRY_AFTER,
    UNAUTHORIZED,
    UNAVAILABLE,
    UNAVAILABLE_EXAMPLES,
    DetailOutput,
    error_response,
    example,
)

from .serializers import (
    LoginInput,
    LoginOutput,
    LogoutInput,
    SmsCodeRequestInput,
    SmsCodeRequestOutput,
    TokenRefreshInput,
    TokenRefreshOutput,
)

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
        "a known phone answers 200). A new 4-digit code replaces any unused one and lives "
        "`expires_in` seconds; a worker sends the SMS 1-2 s later, the answer does not wait "
        "for it; `GET /tasks/{task_id}/` tells the state of its `task_id`. Limits: one code "
        "per phone per `resend_in` seconds (60), 5 per phone and 30 per client address per "
        "hour (IPv6: per /64) — over a limit 429 with `Retry-After`. "
        "A code goes only to a number in an allowed country (`SMS_ALLOWED_REGIONS`, "
        "default RU) that can receive an SMS: toll-free, premium-rate, shared-cost, UAN, "
        "voicemail and +882/+883 numbers answer 400 on `phone`, and with a real SMS "
        "provider only valid mobile numbers are accepted; such a refusal creates and counts "
        "nothing. Once the service has issued "
        "`SMS_HOURLY_BUDGET` codes (1000) in a clock hour, requests answer 503 with "
        "`Retry-After` until the hour ends.",
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
        "digits; anything else that is not 4 digits is a field error that costs nothing. A "
        "wrong code answers 400 with the attempts left; after 5 wrong tries the code is dead "
        "(even the right one fails) and a new one must be requested. Limits, each answering "
        "429 with `Retry-After`: more than 10 wrong guesses at a live code per phone per "
        "hour (a login for a number without a live code does not count here), and more than "
        "30 failed logins per client address per hour (IPv6: per /64), after which every "
        "login from that address is refused, whatever the phone. Access tokens live 15 min, "
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
            example("Request", {"phone": "+79111234567", "password": "1234"}),
            example("Request with the `code` alias", {"phone": "+79111234567", "code": "1234"}),
            example(
                "Logged in",
                {"refresh": EXAMPLE_REFRESH, "access": EXAMPLE_ACCESS, "user_id": 3},
                200,
            ),
            example(
                "Wrong code",
                {"detail": "Invalid code. 4 attempt(s) left.", "code": "wrong_code"},
                400,
            ),
            example(
                "Last attempt failed",
                {
                    "detail": "Invalid code. No attempts left: request a new code.",
                    "code": "code_attempts_exhausted",
                },
                400,
            ),
            example(
                "Code dead after 5 wrong tries",
                {
                    "detail": "Too many wrong attempts for this code. Request a new code.",
                    "code": "code_attempts_exhausted",
                },
                400,
            ),
            example(
                "Code expired",
                {"detail": "The code has expired. Request a new code.", "code": "code_expired"},
                400,
            ),
            example(
                "No code requested or already used",
                {
                    "detail": "No active code for this number. Request a new code.",
                    "code": "no_active_code",
                },
                400,
            ),
            example("Code not 4 digits", {"password": ["The code is 4 digits."]}, 400),
            example("Code missing", {"password": ["This field is required."]}, 400),
            example("Code (the alias) not 4 digits", {"code": ["The code is 4 digits."]}, 400),
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
        summary="Log out: blacklist the refresh token",
        description="Blacklists the given refresh token and ends its login: no refresh token "
        "of the same login can be refreshed any more. "
        "Access tokens already issued stay valid until they expire (15 min).",
        request=LogoutInput,
        responses={
            200: DetailOutput,
            400: BAD_REQUEST,
            401: error_response("The refresh token is invalid, expired or already blacklisted."),
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
        "sent is blacklisted, so each one works once, and of concurrent refreshes of one "
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
