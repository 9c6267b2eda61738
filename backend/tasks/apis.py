from datetime import datetime

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from auth_phone.serializers import PhoneField
from project.openapi import (
    BAD_REQUEST,
    BAD_TOKEN_EXAMPLE,
    DATABASE_DOWN_EXAMPLE,
    NOT_FOUND,
    REDIS_DOWN_EXAMPLE,
    UNAVAILABLE,
    ErrorOutput,
    TokenErrorOutput,
    example,
)

from . import selectors, sms


class DevInboxQuery(serializers.Serializer):
    phone = PhoneField()


class DevInboxOutput(serializers.Serializer):
    phone = serializers.CharField()
    text = serializers.CharField()
    code = serializers.CharField(
        allow_null=True,
        help_text="The one-time code found in `text` (4 to 8 digits), null if it has none.",
    )
    message_id = serializers.CharField()
    sent_at = serializers.DateTimeField()


class DevInboxApi(APIView):
    authentication_classes: list = []

    @extend_schema(
        tags=["development"],
        summary="Latest simulated SMS for a phone (development only)",
        description="Lets the Postman suite, the browser UI and people finish the login "
        "without a phone. Answers only with the simulated sender, SMS_DEV_INBOX=true and "
        "DJANGO_DEBUG=true, "
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
                    "code": "4821",
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
        # `sent_at` is ISO text in the cache (the browser UI compares it); as a datetime it
        # renders like every other timestamp of the API (`...Z`).
        message = {
            **message,
            "code": sms.code_in_text(message["text"]),
            "sent_at": datetime.fromisoformat(message["sent_at"]),
        }
        return Response(DevInboxOutput(message).data)


class TaskIdInput(serializers.Serializer):
    task_id = serializers.UUIDField(format="hex_verbose")


class TaskIdErrorOutput(serializers.Serializer):
    task_id = serializers.ListField(child=serializers.CharField())


class TaskStatusOutput(serializers.Serializer):
    task_id = serializers.CharField()
    status = serializers.CharField(
        help_text="Celery state: PENDING (queued), STARTED, RETRY, SUCCESS, FAILURE or REVOKED."
    )
    date_done = serializers.DateTimeField(
        allow_null=True, help_text="When the task finished; null while it is not finished."
    )


@extend_schema_serializer(component_name="TaskStatus")
class TaskStatusStaffOutput(TaskStatusOutput):
    """The public fields, and for staff only the four below (absent for everyone else)."""

    task_name = serializers.CharField(allow_null=True, required=False, help_text="Staff only.")
    result = serializers.JSONField(
        allow_null=True,
        required=False,
        help_text="Staff only. What the task returned: the delivery status (sent, failed, "
        "stale), never the code.",
    )
    error = serializers.CharField(
        allow_null=True, required=False, help_text="Staff only. The error of a failed attempt."
    )
    traceback = serializers.CharField(allow_null=True, required=False, help_text="Staff only.")


TASK_ID_EXAMPLE = "0b6a4f7e-3c1d-4e55-9a0e-3f1f2a9c8d11"


class TaskStatusApi(APIView):
    @extend_schema(
        tags=["tasks"],
        summary="State of an SMS delivery task",
        description="Anyone holding the task id (returned by POST /auth/sms/) sees its state "
        "and when it finished. Staff (a JWT of an is_staff user) also see the task's name, "
        "result, error and traceback. A queued task that no worker has started yet is "
        "PENDING; an id the service never issued answers 404.",
        parameters=[
            OpenApiParameter(
                "task_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Celery task id."
            )
        ],
        responses={
            200: TaskStatusStaffOutput,
            400: OpenApiResponse(TaskIdErrorOutput, description="The task id is not a UUID."),
            401: OpenApiResponse(
                TokenErrorOutput,
                description="An Authorization header was sent with an invalid or expired "
                "access token (without one, the public fields answer).",
            ),
            404: OpenApiResponse(ErrorOutput, description="No task with this id."),
            503: UNAVAILABLE,
        },
        examples=[
            OpenApiExample(
                "Delivered",
                value={
                    "task_id": TASK_ID_EXAMPLE,
                    "status": "SUCCESS",
                    "date_done": "2026-01-15T10:21:07.512Z",
                },
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Queued",
                value={"task_id": TASK_ID_EXAMPLE, "status": "PENDING", "date_done": None},
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Retried, as staff see it",
                value={
                    "task_id": TASK_ID_EXAMPLE,
                    "status": "RETRY",
                    "date_done": None,
                    "task_name": "tasks.tasks.deliver_login_code",
                    "result": None,
                    "error": "SmsTransientError: SMS Aero answered HTTP 503",
                    "traceback": "Traceback (most recent call last): ...",
                },
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Not a UUID",
                value={"task_id": ["Must be a valid UUID."]},
                response_only=True,
                status_codes=["400"],
            ),
            OpenApiExample(
                "Unknown id",
                value={"detail": "No task with this id."},
                response_only=True,
                status_codes=["404"],
            ),
            BAD_TOKEN_EXAMPLE,
            DATABASE_DOWN_EXAMPLE,
        ],
    )
    def get(self, request, task_id):
        query = TaskIdInput(data={"task_id": task_id})
        query.is_valid(raise_exception=True)
        task = selectors.get_task_status(task_id=str(query.validated_data["task_id"]))
        staff = bool(request.user and request.user.is_authenticated and request.user.is_staff)
        output = TaskStatusStaffOutput if staff else TaskStatusOutput
        return Response(output(task).data)
