"""The API of the phone as a credential: login codes, login, tokens, and the profile update
that may start a change of number with its confirmation (it lives here, beside the code
flow it drives, since profiles never imports the phone login; the profile's own rules are
profiles.services.users.update_profile)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from core.http import ReleaseResponseMixin, client_ip, requested_language
from core.parsers import MultiPartParser
from profiles import selectors
from profiles.serializers import (
    ProfileOutput,
    ProfileUpdateInput,
)

from . import schema
from .serializers import (
    LoginInput,
    LogoutInput,
    PhoneChangeConfirmInput,
    PhoneChangePendingOutput,
    SmsCodeRequestInput,
    TokenRefreshInput,
    TokenRefreshOutput,
)
from .services import codes, phone_change, sessions


@schema.code_request
class SmsCodeRequestApi(APIView):
    authentication_classes: list = []

    def post(self, request):
        serializer = SmsCodeRequestInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        phone = serializer.validated_data["phone"]
        result = codes.request_login_code(
            phone=phone, client_ip=client_ip(request), language=requested_language(request)
        )
        # SmsCodeRequestOutput's fields, already in their types (the OpenAPI document is
        # built from that serializer, and schemathesis checks answers against it): passing
        # them through it again only cost CPU.
        body = {
            "detail": _("User created and SMS sent.")
            if result.created
            else _("SMS sent to existing user."),
            "phone": phone,
            "task_id": result.task_id,
            "expires_in": result.expires_in,
            "resend_in": result.resend_in,
        }
        return Response(body, status=status.HTTP_201_CREATED if result.created else 200)


@schema.login
class LoginApi(APIView):
    authentication_classes: list = []

    def post(self, request):
        serializer = LoginInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = codes.verify_login_code(**serializer.validated_data, client_ip=client_ip(request))
        # issue_tokens answers LoginOutput's fields already (the schema's; its test holds
        # the two together): serialising them again only cost a login CPU.
        return Response(sessions.issue_tokens(user=user))


@schema.logout
class LogoutApi(APIView):
    authentication_classes: list = []

    def post(self, request):
        serializer = LogoutInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        sessions.logout(refresh=serializer.validated_data["refresh"])
        return Response({"detail": _("Logged out.")})


@schema.token_refresh
class TokenRefreshApi(APIView):
    authentication_classes: list = []

    def get_authenticate_header(self, request) -> str:
        # As simplejwt's own view: a refused token answers 401 with this challenge, not 403.
        return 'Bearer realm="api"'

    def post(self, request):
        serializer = TokenRefreshInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            tokens = sessions.rotate_refresh_token(refresh=serializer.validated_data["refresh"])
        except TokenError as exc:  # simplejwt's own answer: {"detail", "code": "token_not_valid"}
            raise InvalidToken(exc.args[0]) from exc
        return Response(TokenRefreshOutput(tokens).data)


@schema.update
class ProfileUpdateApi(ReleaseResponseMixin, APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def _update(self, request, pk):
        user = selectors.get_own_user(user=request.user, pk=pk)
        serializer = ProfileUpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user, pending = phone_change.update_profile(
            user=user,
            client_ip=client_ip(request),
            language=requested_language(request),
            **serializer.validated_data,
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
