"""Profile API: every view works on the caller's own account only (`pk` is its id or "me")."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from auth_phone.serializers import DetailOutput
from project.http import ReleaseResponseMixin
from project.openapi import (
    DATABASE_DOWN_EXAMPLE,
    RETRY_AFTER,
    ErrorOutput,
    TokenErrorOutput,
    ValidationErrorOutput,
)
from project.parsers import MultiPartParser

from . import selectors, services
from .serializers import ProfileOutput, ProfileUpdateInput, ReferralOutput

TAGS = ["profile"]
# The URL's `pk`; drf-spectacular names it `id` in the schema.
PK_PARAMETER = OpenApiParameter(
    "id",
    OpenApiTypes.STR,
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

ERROR_401 = OpenApiResponse(
    TokenErrorOutput,
    description="No, invalid or expired access token (or the account was deleted).",
    examples=[
        OpenApiExample(
            "No token",
            value={"detail": "Authentication credentials were not provided."},
            status_codes=["401"],
        ),
        OpenApiExample(
            "Expired or revoked token",
            value={
                "detail": "Given token not valid for any token type",
                "code": "token_not_valid",
                "messages": [
                    {
                        "token_class": "AccessToken",
                        "token_type": "access",
                        "message": "Token is expired",
                    }
                ],
            },
            status_codes=["401"],
        ),
    ],
)
ERROR_404 = OpenApiResponse(
    ErrorOutput,
    description='`pk` is neither yours nor "me" (another user\'s id answers the same).',
    examples=[OpenApiExample("Not yours", value={"detail": "Not found."}, status_codes=["404"])],
)
ERROR_503 = OpenApiResponse(
    ErrorOutput,
    description="The database cannot be reached; nothing was changed.",
    examples=[DATABASE_DOWN_EXAMPLE],
)
ERROR_400 = OpenApiResponse(
    ValidationErrorOutput,
    description="Invalid input: a list of messages per field, or a `detail` for a body "
    "that is not valid JSON.",
    examples=[
        OpenApiExample(
            "Unknown code",
            value={"user_referral": ["Object with referral=222222 does not exist."]},
            status_codes=["400"],
        ),
        OpenApiExample(
            "Already activated",
            value={"user_referral": ["Referral already input."]},
            status_codes=["400"],
        ),
        OpenApiExample(
            "Own code",
            value={"user_referral": ["You cannot activate your own invite code."]},
            status_codes=["400"],
        ),
        OpenApiExample(
            "Code of a user you invited",
            value={
                "user_referral": [
                    "You cannot activate the code of a user who joined with your invite "
                    "code, directly or through other users."
                ]
            },
            status_codes=["400"],
        ),
        OpenApiExample(
            "Malformed code",
            value={"user_referral": ["An invite code is 6 characters: digits and letters A-Z."]},
            status_codes=["400"],
        ),
        OpenApiExample(
            "Another phone",
            value={"phone": ["The phone number cannot be changed."]},
            status_codes=["400"],
        ),
        OpenApiExample(
            "Bad avatar",
            value={"avatar": ["Upload a valid image: JPEG, PNG, WebP or GIF."]},
            status_codes=["400"],
        ),
        OpenApiExample(
            "Avatar with too many pixels",
            value={
                "avatar": [
                    "The image is too large: at most 16,777,216 pixels (this one is 8000 x 6000)."
                ]
            },
            status_codes=["400"],
        ),
        OpenApiExample(
            "Bad e-mail",
            value={"email": ["Enter a valid email address."]},
            status_codes=["400"],
        ),
    ],
)


class ProfileApi(ReleaseResponseMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Your profile",
        description="Your data, your own invite code (`self_referral`), the code you "
        "activated (`user_referral`) and the phones of the users who activated yours, "
        "oldest first.",
        parameters=[PK_PARAMETER],
        responses={
            200: OpenApiResponse(
                ProfileOutput,
                examples=[OpenApiExample("Profile", value=PROFILE_EXAMPLE)],
            ),
            401: ERROR_401,
            503: ERROR_503,
            404: ERROR_404,
        },
    )
    def get(self, request, pk):
        user = selectors.get_own_user(user=request.user, pk=pk)
        profile = selectors.get_profile(user=user)
        return Response(ProfileOutput(profile, context={"request": request}).data)


class ReferralListApi(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ReferralOutput

    def get_queryset(self):
        user = selectors.get_own_user(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.list_referrals(user=user)

    @extend_schema(
        tags=TAGS,
        summary="Users who activated your code, paginated",
        description="Oldest activation first, 50 per page (`?page=2`).",
        parameters=[PK_PARAMETER],
        responses={
            200: ReferralOutput(many=True),
            401: ERROR_401,
            503: ERROR_503,
            404: OpenApiResponse(
                DetailOutput,
                description="`pk` is not yours, or the page does not exist.",
                examples=[
                    OpenApiExample("Not yours", value={"detail": "Not found."}),
                    OpenApiExample("No such page", value={"detail": "Invalid page."}),
                ],
            ),
        },
        examples=[
            OpenApiExample(
                "Referrals",
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [
                        {"phone": "+71111111113", "referred_at": "2026-11-27T16:40:00.123456Z"}
                    ],
                },
                response_only=True,
                status_codes=["200"],
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


UPDATE_SCHEMA = {
    "tags": TAGS,
    "description": "Edit `email`, `first_name`, `last_name` and `avatar` (multipart image "
    "upload, JPEG/PNG/WebP/GIF, at most AVATAR_MAX_BYTES; null clears a field) and activate "
    "an invite code with `user_referral` (once; any case; spaces ignored). `phone` is "
    "read-only: the current number is accepted, another one is refused. Fields that are "
    "absent stay as they are, with PUT as with PATCH. The request is applied entirely or "
    "not at all. Answers the whole profile. Unknown invite codes are limited per user: "
    "beyond INVITE_FAILURES_HOURLY_LIMIT (20) in a clock hour every activation answers 429 "
    "with `Retry-After` until the hour ends.",
    "parameters": [PK_PARAMETER, RETRY_AFTER],
    "request": {
        "application/json": ProfileUpdateInput,
        "multipart/form-data": ProfileUpdateInput,
    },
    "responses": {
        200: OpenApiResponse(
            ProfileOutput,
            examples=[
                OpenApiExample(
                    "Updated profile",
                    value={
                        **PROFILE_EXAMPLE,
                        "first_name": "Anna",
                        "user_referral": "Q4ZT1B",
                    },
                )
            ],
        ),
        400: ERROR_400,
        401: ERROR_401,
        429: OpenApiResponse(
            ErrorOutput,
            description="Too many unknown invite codes this hour; `Retry-After` says when "
            "to try again. Nothing was changed.",
            examples=[
                OpenApiExample(
                    "Too many unknown invite codes",
                    value={"detail": "Too many unknown invite codes. Try again in 1820 seconds."},
                    status_codes=["429"],
                )
            ],
        ),
        503: ERROR_503,
        404: ERROR_404,
    },
    "examples": [
        OpenApiExample(
            "Activate a code",
            value={"user_referral": "q4zt1b"},
            request_only=True,
        ),
        OpenApiExample(
            "Edit names",
            value={"first_name": "Anna", "last_name": "Petrova", "email": "anna@example.com"},
            request_only=True,
        ),
    ],
}


class ProfileUpdateApi(ReleaseResponseMixin, APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def _update(self, request, pk):
        user = selectors.get_own_user(user=request.user, pk=pk)
        serializer = ProfileUpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.update_profile(user=user, **serializer.validated_data)
        profile = selectors.get_profile(user=user)
        return Response(ProfileOutput(profile, context={"request": request}).data)

    @extend_schema(summary="Update your profile or activate an invite code", **UPDATE_SCHEMA)
    def patch(self, request, pk):
        return self._update(request, pk)

    @extend_schema(
        summary="Update your profile or activate an invite code (same as PATCH)",
        **UPDATE_SCHEMA,
    )
    def put(self, request, pk):
        return self._update(request, pk)


class ProfileDeleteApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Delete your account",
        description="Your tokens stop working at once. Users who activated your code keep "
        "their accounts and still see the code they activated.",
        parameters=[PK_PARAMETER],
        request=None,
        responses={
            204: OpenApiResponse(description="Deleted."),
            401: ERROR_401,
            503: ERROR_503,
            404: ERROR_404,
        },
    )
    def delete(self, request, pk):
        user = selectors.get_own_user(user=request.user, pk=pk)
        services.delete_user(user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
