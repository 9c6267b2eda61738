from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from auth_phone.serializers import PhoneField
from project.openapi import BAD_REQUEST, NOT_FOUND, REDIS_DOWN_EXAMPLE, UNAVAILABLE, example

from . import sms


class DevInboxQuery(serializers.Serializer):
    phone = PhoneField()


class DevInboxOutput(serializers.Serializer):
    phone = serializers.CharField()
    text = serializers.CharField()
    message_id = serializers.CharField()
    sent_at = serializers.DateTimeField()


class DevInboxApi(APIView):
    authentication_classes: list = []

    @extend_schema(
        tags=["development"],
        summary="Latest simulated SMS for a phone (development only)",
        description="Lets the Postman suite, the browser UI and people finish the login "
        "without a phone. Answers only with the simulated sender and SMS_DEV_INBOX=true, "
        "404 otherwise (the default outside development), and 404 until the worker has "
        "delivered an SMS to the phone (1-2 s after POST /auth/sms/: poll). The message "
        "stays for the code's lifetime.",
        parameters=[
            OpenApiParameter(
                "phone",
                str,
                required=True,
                description="Phone number in any usual spelling; normalised to E.164.",
                examples=[OpenApiExample("E.164", value="+79111234567")],
            )
        ],
        responses={
            200: OpenApiResponse(DevInboxOutput, description="The latest simulated SMS."),
            400: BAD_REQUEST,
            404: NOT_FOUND,
            503: UNAVAILABLE,
        },
        examples=[
            example(
                "Latest SMS",
                {
                    "phone": "+79111234567",
                    "text": "Your login code: 4821. It expires in 5 min. Do not share it.",
                    "message_id": "sim-8f14e45f-ceea-467f-a0e6-1d2f3c4b5a69",
                    "sent_at": "2026-11-27T12:00:01.532000Z",
                },
                200,
            ),
            example(
                "Invalid phone", {"phone": ["Enter a valid phone number, e.g. +79111234567."]}, 400
            ),
            example("Missing phone", {"phone": ["This field is required."]}, 400),
            example("Inbox disabled, or no SMS yet", {"detail": "Not found."}, 404),
            REDIS_DOWN_EXAMPLE,
        ],
    )
    def get(self, request):
        if not sms.dev_inbox_enabled():
            raise Http404
        query = DevInboxQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        message = sms.read_dev_inbox(query.validated_data["phone"])
        if message is None:
            raise Http404
        return Response(DevInboxOutput(message).data)
