from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from core.http import client_ip

from . import schema, services
from .serializers import (
    LoginInput,
    LogoutInput,
    SmsCodeRequestInput,
    TokenRefreshInput,
    TokenRefreshOutput,
)


@schema.code_request
class SmsCodeRequestApi(APIView):
    authentication_classes: list = []

    def post(self, request):
        serializer = SmsCodeRequestInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        phone = serializer.validated_data["phone"]
        result = services.request_login_code(phone=phone, client_ip=client_ip(request))
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
        user = services.verify_login_code(**serializer.validated_data, client_ip=client_ip(request))
        # issue_tokens answers LoginOutput's fields already (the schema's; its test holds
        # the two together): serialising them again only cost a login CPU.
        return Response(services.issue_tokens(user=user))


@schema.logout
class LogoutApi(APIView):
    authentication_classes: list = []

    def post(self, request):
        serializer = LogoutInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.logout(refresh=serializer.validated_data["refresh"])
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
            tokens = services.rotate_refresh_token(refresh=serializer.validated_data["refresh"])
        except TokenError as exc:  # simplejwt's own answer: {"detail", "code": "token_not_valid"}
            raise InvalidToken(exc.args[0]) from exc
        return Response(TokenRefreshOutput(tokens).data)
