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
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from project.http import ReleaseResponseMixin
from project.openapi import (
    DATABASE_DOWN_EXAMPLE,
    DetailOutput,
    ErrorOutput,
    TokenErrorOutput,
)

from . import selectors, services
from .serializers import ProfileOutput, ReferralOutput

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
