"""OpenAPI text of the profile API, applied to the views with `extend_schema_view`."""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from core.openapi import (
    ACCESS_TOKEN_REFUSED,
    DATABASE_DOWN_EXAMPLE,
    MALFORMED_JSON_EXAMPLE,
    DetailOutput,
    ValidationErrorOutput,
    error_response,
    example,
)

from .serializers import (
    ProfileOutput,
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
