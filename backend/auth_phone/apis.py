"""The API of the phone as a credential: login codes, login, tokens, and the profile update
that may start a change of number with its confirmation (it lives here, beside the code
flow it drives, since profiles never imports the phone login; the profile's own rules are
profiles.services.users.update_profile)."""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from core.http import ReleaseResponseMixin, client_ip, requested_language
from core.parsers import MultiPartParser
from profiles import selectors
from profiles.serializers import (
    ProfileOutput,
    ProfileUpdateInput,
)

from . import schema, tokens
from .serializers import (
    LoginInput,
    LogoutInput,
    PhoneChangeConfirmedOutput,
    PhoneChangeConfirmInput,
    PhoneChangePendingOutput,
    SessionOutput,
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
        tokens = sessions.issue_tokens(
            user=user,
            ip=BaseThrottle().get_ident(request),  # the address client_ip counts by, unmasked
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response(tokens)


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


@schema.jwks
class JwksApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        # Built from this process's keys: no query, no key parsed per request.
        response = Response(tokens.jwks())
        patch_cache_control(response, public=True, max_age=settings.JWKS_MAX_AGE)
        return response


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
            authenticated_at=sessions.auth_time(request.auth),
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
        current = sessions.session_of(request.auth)
        user = phone_change.confirm_phone_change(
            user=user,
            keep_session=current,
            client_ip=client_ip(request),
            **serializer.validated_data,
        )
        tokens = sessions.renew_session_tokens(
            user=user,
            session_id=current,
            ip=BaseThrottle().get_ident(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        profile = selectors.get_profile(user=user)
        body = {**ProfileOutput(profile, context={"request": request}).data, **tokens}
        return Response(PhoneChangeConfirmedOutput(body).data)

    def patch(self, request, pk):
        return self._confirm(request, pk)

    def put(self, request, pk):
        return self._confirm(request, pk)


@schema.sessions
class SessionListApi(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        current = sessions.session_of(request.auth)
        rows = sessions.live_sessions(user=request.user)[: sessions.SESSIONS_LISTED]
        data = [
            {
                "id": row.pk,
                "created_at": row.created_at,
                "last_used_at": row.last_used_at,
                "created_ip": row.created_ip,
                "user_agent": row.user_agent,
                "current": str(row.pk) == current,
            }
            for row in rows
        ]
        return Response(SessionOutput(data, many=True).data)


@schema.session_end
class SessionEndApi(APIView):
    permission_classes = [IsAuthenticated]

    def delete(self, request, session_id):
        sessions.end_session(user=request.user, session_id=session_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


@schema.logout_all
class LogoutAllApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        ended = sessions.end_other_sessions(
            user=request.user, keep=sessions.session_of(request.auth)
        )
        return Response({"detail": _("Other sessions ended."), "ended": ended})
