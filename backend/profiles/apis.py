"""Profile API: every view works on the caller's own account only (`pk` is its id or "me")."""

from typing import cast

from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import ReleaseResponseMixin

from . import schema, selectors
from .models import User
from .serializers import ProfileOutput, ReferralOutput
from .services import users


@schema.profile
class ProfileApi(ReleaseResponseMixin, APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, pk):
        user = selectors.get_own_user(user=request.user, pk=pk)
        profile = selectors.get_profile(user=user)
        return Response(ProfileOutput(profile, context={"request": request}).data)


@schema.referrals
class ReferralListApi(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ReferralOutput

    def get_queryset(self):
        owner = cast(User, self.request.user)  # IsAuthenticated let only a User through
        user = selectors.get_own_user(user=owner, pk=self.kwargs["pk"])
        return selectors.list_referrals(user=user)


@schema.delete
class ProfileDeleteApi(APIView):
    permission_classes = [IsAuthenticated]

    def delete(self, request, pk):
        user = selectors.get_own_user(user=request.user, pk=pk)
        users.delete_user(user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
