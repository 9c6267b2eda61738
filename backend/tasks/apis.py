from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from auth_phone.serializers import PhoneField

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
        description="Answers only with the simulated sender and SMS_DEV_INBOX=true; "
        "404 otherwise, and 404 while no SMS has been delivered to the phone yet.",
        parameters=[OpenApiParameter("phone", str, required=True)],
        responses={
            200: DevInboxOutput,
            400: OpenApiResponse(description="Invalid phone."),
            404: OpenApiResponse(description="Inbox disabled or empty."),
        },
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
