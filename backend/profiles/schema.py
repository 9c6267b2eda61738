"""OpenAPI text of the profile API, applied to the views with `extend_schema_view`."""

from typing import Any

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from core.openapi import (
    ACCESS_TOKEN_REFUSED,
    BROKER_DOWN_EXAMPLE,
    CODE_ADDRESS_LIMIT_EXAMPLE,
    CODE_COOLDOWN_EXAMPLE,
    DATABASE_DOWN_EXAMPLE,
    MALFORMED_JSON_EXAMPLE,
    RATE_LIMITED,
    REDIS_DOWN_EXAMPLE,
    RETRY_AFTER,
    DetailOutput,
    ValidationErrorOutput,
    error_response,
    example,
)

from .serializers import (
    PhoneChangeConfirmInput,
    PhoneChangePendingOutput,
    ProfileOutput,
    ProfileUpdateInput,
    ReferralOutput,
)

TAGS = ["profile"]
# The URL's `pk`; drf-spectacular names it `id` in the schema.
PK_PARAMETER = OpenApiParameter(
    "id",
    # "me" or a user id: anything else answers 404, and the bound keeps generated clients
    # (and fuzzers) from sending a request line over the server's limit.
    {"type": "string", "pattern": "^(me|[0-9]{1,19})$", "maxLength": 19},
    OpenApiParameter.PATH,
    description='Your own user id, or "me". Any other id answers 404.',
    examples=[OpenApiExample("me", value="me"), OpenApiExample("id", value="3")],
)

PROFILE_EXAMPLE = {
    "id": 3,
    "phone": "+71111111112",
    "email": None,
    "first_name": None,
    "last_name": None,
    "avatar": None,
    "self_referral": "A7K2Q9",
    "user_referral": None,
    "users_list": ["+71111111113"],
    "referrals_count": 1,
}

ERROR_404 = error_response(
    '`pk` is neither yours nor "me" (another user\'s id answers the same).',
    examples=[example("Not yours", {"detail": "Not found.", "code": "not_found"}, 404)],
)
ERROR_503 = error_response(
    "The database cannot be reached; nothing was changed.",
    examples=[DATABASE_DOWN_EXAMPLE],
)
ERROR_400 = error_response(
    "Invalid input: a list of messages per field, or a `detail` for a body that is not valid JSON.",
    ValidationErrorOutput,
    examples=[
        example(
            "Unknown code",
            {
                "user_referral": ["Object with referral=222222 does not exist."],
                "code": "invite_not_found",
            },
            400,
        ),
        example(
            "Already activated",
            {"user_referral": ["Referral already input."], "code": "invite_already_activated"},
            400,
        ),
        example(
            "Own code",
            {
                "user_referral": ["You cannot activate your own invite code."],
                "code": "own_invite_code",
            },
            400,
        ),
        example(
            "Code of a user you invited",
            {
                "user_referral": [
                    "You cannot activate the code of a user who joined with your invite "
                    "code, directly or through other users."
                ],
                "code": "invite_cycle",
            },
            400,
        ),
        example(
            "Malformed code",
            {
                "user_referral": ["An invite code is 6 characters: digits and letters A-Z."],
                "code": "invite_code_invalid",
            },
            400,
        ),
        example(
            "New phone taken",
            {"phone": ["This number already belongs to another account."], "code": "phone_taken"},
            400,
        ),
        example(
            "Invalid phone", {"phone": ["Enter a valid phone number, e.g. +79111234567."]}, 400
        ),
        example(
            "Bad avatar",
            {"avatar": ["Upload a valid image: JPEG, PNG, WebP or GIF."], "code": "avatar_invalid"},
            400,
        ),
        example(
            "Avatar with too many pixels",
            {
                "avatar": [
                    "The image is too large: at most 16,777,216 pixels (this one is 8000 x 6000)."
                ],
                "code": "avatar_too_large",
            },
            400,
        ),
        example(
            "Avatar over AVATAR_MAX_BYTES",
            {
                "avatar": ["The image is too large: the limit is 2 MiB."],
                "code": "avatar_too_large",
            },
            400,
        ),
        example("Bad e-mail", {"email": ["Enter a valid email address."]}, 400),
        example("Wrong type", {"first_name": ["Not a valid string."]}, 400),
        example(
            "Too long", {"first_name": ["Ensure this field has no more than 150 characters."]}, 400
        ),
        MALFORMED_JSON_EXAMPLE,
    ],
)


profile = extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="Your profile",
        description="Your data, your own invite code (`self_referral`: 6 characters, digits "
        "and A-Z), the code you activated (`user_referral`, still shown after its owner "
        "deleted their account) and the phones of the users who activated yours, oldest "
        "first, with their number in `referrals_count`.",
        parameters=[PK_PARAMETER],
        responses={
            200: OpenApiResponse(
                ProfileOutput,
                examples=[example("Profile", PROFILE_EXAMPLE, 200)],
            ),
            401: ACCESS_TOKEN_REFUSED,
            503: ERROR_503,
            404: ERROR_404,
        },
    )
)

referrals = extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="Users who activated your code, paginated",
        description="The users of `users_list`, with the time each one activated your code: "
        "oldest activation first, 50 per page (`?page=2`).",
        parameters=[PK_PARAMETER],
        responses={
            200: ReferralOutput(many=True),
            400: OpenApiResponse(
                DetailOutput,
                description="The request line (path and query) is longer than the server "
                "takes (4094 bytes); the server refuses it before the API reads it.",
                examples=[
                    example(
                        "Query too long",
                        {
                            "detail": "Request Line is too large (5109 > 4094)",
                            "code": "bad_request",
                        },
                        400,
                    )
                ],
            ),
            401: ACCESS_TOKEN_REFUSED,
            503: ERROR_503,
            404: OpenApiResponse(
                DetailOutput,
                description="`pk` is not yours, or the page does not exist.",
                examples=[
                    example("Not yours", {"detail": "Not found.", "code": "not_found"}, 404),
                    example("No such page", {"detail": "Invalid page.", "code": "not_found"}, 404),
                ],
            ),
        },
        examples=[
            example(
                "Referrals",
                {
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [
                        {"phone": "+71111111113", "referred_at": "2026-11-27T16:40:00.123456Z"}
                    ],
                },
                200,
            )
        ],
    )
)

delete = extend_schema_view(
    delete=extend_schema(
        tags=TAGS,
        summary="Delete your account",
        description="Your tokens stop working at once: access tokens answer 401 and refresh "
        "tokens are revoked (a refresh answers 401 `Token is blacklisted`). Users who "
        "activated your code keep their accounts and still see the code they activated. The "
        "phone number can sign up again later, as a new user with a new invite code.",
        parameters=[PK_PARAMETER],
        request=None,
        responses={
            204: OpenApiResponse(description="Deleted."),
            401: ACCESS_TOKEN_REFUSED,
            503: ERROR_503,
            404: ERROR_404,
        },
    )
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
    "change: the other fields are saved, a 4-digit code goes by SMS to the new number "
    "(same lifetime, attempts and rate limits as a login code: the new number's and your "
    "address's) and the answer is 202 with the profile, still with the old phone, plus "
    "`pending_phone`, `task_id`, `expires_in` and `resend_in`. Confirm with "
    "`PUT|PATCH /users/update/sms/<pk>/`. A new request replaces a pending change; your own "
    "number leaves a pending change alone (200). The SMS says that it confirms a number for "
    "an account, not that it logs in. A number that already belongs to an account is "
    "refused (400) and no SMS is sent. With a new `phone`, a 429 or a 503 for the database "
    "or Redis saves nothing of the request; a message broker that is down answers 503 "
    "after the other fields were saved, with the limits given back, so the change can be "
    "asked again at once.\n\n"
    "Unknown invite codes are limited per user: beyond INVITE_FAILURES_HOURLY_LIMIT (20) in "
    "a clock hour every activation answers 429 with `Retry-After` until the hour ends.",
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
        429: error_response(
            RATE_LIMITED.description + " Only a new `phone` and unknown invite "
            "codes are rate-limited; nothing of the request was saved.",
            examples=[
                CODE_COOLDOWN_EXAMPLE,
                CODE_ADDRESS_LIMIT_EXAMPLE,
                example(
                    "Too many unknown invite codes",
                    {
                        "detail": "Too many unknown invite codes. Try again in 1820 seconds.",
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
    "and referrals stay. A wrong code answers 400 with the attempts left; after "
    "LOGIN_CODE_MAX_ATTEMPTS wrong tries the code is dead, and wrong codes count towards "
    "the new number's LOGIN_FAILURES_HOURLY_LIMIT, as at login (429 with `Retry-After`). "
    "Digits of any script are read as ASCII digits. A change code never logs in, and a "
    "login code never confirms a change. After the change, login codes sent to the old "
    "number and not used yet are dead, and a code request for the old number creates a "
    "new user (201). Another user's `pk` answers 404 and counts nothing. Of two accounts "
    "confirming the same number at once, one gets 200 and the other 400 `phone_taken`.",
    "parameters": [PK_PARAMETER, RETRY_AFTER],
    "request": PhoneChangeConfirmInput,
    "responses": {
        200: OpenApiResponse(
            ProfileOutput,
            description="The number is changed.",
            examples=[
                example(
                    "Phone changed",
                    {**PROFILE_EXAMPLE, "phone": "+79219876543"},
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
                    "Wrong code",
                    {"sms_code": ["Invalid code. 4 attempt(s) left."], "code": "wrong_code"},
                    400,
                ),
                example(
                    "Last attempt failed",
                    {
                        "sms_code": ["Invalid code. No attempts left: request a new code."],
                        "code": "code_attempts_exhausted",
                    },
                    400,
                ),
                example(
                    "Code dead",
                    {
                        "sms_code": ["Too many wrong attempts for this code. Request a new code."],
                        "code": "code_attempts_exhausted",
                    },
                    400,
                ),
                example(
                    "Code expired",
                    {
                        "sms_code": ["The code has expired. Request a new code."],
                        "code": "code_expired",
                    },
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
                example("Code not 4 digits", {"sms_code": ["The code is 4 digits."]}, 400),
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
                )
            ],
        ),
        503: error_response(
            "The database or Redis cannot be reached; nothing was changed.",
            examples=[DATABASE_DOWN_EXAMPLE, REDIS_DOWN_EXAMPLE],
        ),
    },
    "examples": [
        example("Confirm", {"phone": "+79219876543", "sms_code": "1234"}),
        example("Confirm with the `code` alias", {"phone": "+79219876543", "code": "1234"}),
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
