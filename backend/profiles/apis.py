"""Profile API: every view works on the caller's own account only (`pk` is its id or "me")."""

from typing import cast

from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from project.http import ReleaseResponseMixin, client_ip
from project.parsers import MultiPartParser

from . import phone_change, schema, selectors, services
from .models import User
from .serializers import (
    PhoneChangeConfirmInput,
    PhoneChangePendingOutput,
    ProfileOutput,
    ProfileUpdateInput,
    ReferralOutput,
)


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


@schema.update
class ProfileUpdateApi(ReleaseResponseMixin, APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def _update(self, request, pk):
        user = selectors.get_own_user(user=request.user, pk=pk)
        serializer = ProfileUpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user, pending = phone_change.update_profile(
            user=user, client_ip=client_ip(request), **serializer.validated_data
        )
        profile = selectors.get_profile(user=user)
        context = {"request": request}
        if pending is None:
            return Response(ProfileOutput(profile, context=context).data)
        body = PhoneChangePendingOutput(
            {
                **ProfileOutput(profile, context=context).data,
                "pending_phone": pending.phone,
                "task_id": pending.task_id,
                "expires_in": pending.expires_in,
                "resend_in": pending.resend_in,
            }
        ).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

    def patch(self, request, pk):
        return self._update(request, pk)

    def put(self, request, pk):
        return self._update(request, pk)


@schema.delete
class ProfileDeleteApi(APIView):
    permission_classes = [IsAuthenticated]

    def delete(self, request, pk):
        user = selectors.get_own_user(user=request.user, pk=pk)
        services.delete_user(user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@schema.confirm_phone_change
class PhoneChangeConfirmApi(ReleaseResponseMixin, APIView):
    permission_classes = [IsAuthenticated]

    def _confirm(self, request, pk):
        user = selectors.get_own_user(user=request.user, pk=pk)
        serializer = PhoneChangeConfirmInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = phone_change.confirm_phone_change(user=user, **serializer.validated_data)
        profile = selectors.get_profile(user=user)
        return Response(ProfileOutput(profile, context={"request": request}).data)

    def patch(self, request, pk):
        return self._confirm(request, pk)

    def put(self, request, pk):
        return self._confirm(request, pk)
