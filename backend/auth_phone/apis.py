from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView

from project.http import client_ip

from . import services
from .serializers import (
    DetailOutput,
    LoginInput,
    LoginOutput,
    LogoutInput,
    SmsCodeRequestInput,
    SmsCodeRequestOutput,
)

ERROR_400 = OpenApiResponse(DetailOutput, description="Invalid input or code.")
ERROR_429 = OpenApiResponse(
    DetailOutput, description="Rate limit hit; the Retry-After header says when to retry."
)
ERROR_503 = OpenApiResponse(DetailOutput, description="Database or broker unreachable.")


class SmsCodeRequestApi(APIView):
    authentication_classes: list = []

    @extend_schema(
        tags=["auth"],
        summary="Request a one-time login code by SMS",
        description="Creates the user on first use. The SMS is sent by a worker; the "
        "answer comes at once. One code per phone per minute, 5 per phone and 30 per "
        "client address per hour.",
        request=SmsCodeRequestInput,
        responses={
            201: SmsCodeRequestOutput,
            200: SmsCodeRequestOutput,
            400: ERROR_400,
            429: ERROR_429,
            503: ERROR_503,
        },
        examples=[
            OpenApiExample("Request", value={"phone": "+79111234567"}, request_only=True),
            OpenApiExample(
                "New user",
                value={
                    "detail": "User created and SMS sent.",
                    "phone": "+79111234567",
                    "task_id": "0b6a4f7e-3c1d-4e55-9a0e-3f1f2a9c8d11",
                    "expires_in": 300,
                    "resend_in": 60,
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request):
        serializer = SmsCodeRequestInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        phone = serializer.validated_data["phone"]
        result = services.request_login_code(phone=phone, client_ip=client_ip(request))
        body = SmsCodeRequestOutput(
            {
                "detail": "User created and SMS sent."
                if result.created
                else "SMS sent to existing user.",
                "phone": phone,
                "task_id": result.task_id,
                "expires_in": result.expires_in,
                "resend_in": result.resend_in,
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else 200)


class LoginApi(APIView):
    authentication_classes: list = []

    @extend_schema(
        tags=["auth"],
        summary="Log in with the SMS code",
        description="Exchanges the right, unexpired, unused code for JWT tokens. A code "
        "dies after 5 wrong tries; more than 10 wrong tries per phone per hour answer 429.",
        request=LoginInput,
        responses={200: LoginOutput, 400: ERROR_400, 429: ERROR_429, 503: ERROR_503},
        examples=[
            OpenApiExample(
                "Request", value={"phone": "+79111234567", "password": "1234"}, request_only=True
            ),
            OpenApiExample(
                "Wrong code",
                value={"detail": "Invalid code. 4 attempt(s) left."},
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    def post(self, request):
        serializer = LoginInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.verify_login_code(**serializer.validated_data)
        return Response(LoginOutput(services.issue_tokens(user=user)).data)


class LogoutApi(APIView):
    authentication_classes: list = []

    @extend_schema(
        tags=["auth"],
        summary="Log out: blacklist the refresh token",
        request=LogoutInput,
        responses={200: DetailOutput, 400: ERROR_400, 401: DetailOutput},
    )
    def post(self, request):
        serializer = LogoutInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.logout(refresh=serializer.validated_data["refresh"])
        return Response({"detail": "Logged out."})


@extend_schema(
    tags=["auth"],
    summary="Rotate the refresh token",
    description="Returns a new access token and a new refresh token; the old refresh "
    "token is blacklisted.",
)
class TokenRefreshApi(TokenRefreshView):
    pass
