"""The API that changes a profile, phone number included: `PUT|PATCH /users/update/<pk>/`
saves the profile's fields through profiles' services and starts a change of number,
`PUT|PATCH /users/update/sms/<pk>/` confirms it with the code. They live here, beside the
code flow they drive, so that profiles never imports the phone login; their OpenAPI text
is in profiles/schema.py with the rest of /users/."""

from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import ReleaseResponseMixin, client_ip
from core.parsers import MultiPartParser
from profiles import schema, selectors
from profiles.serializers import (
    PhoneChangeConfirmInput,
    PhoneChangePendingOutput,
    ProfileOutput,
    ProfileUpdateInput,
)

from . import phone_change


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
