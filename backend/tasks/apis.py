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

from auth_phone.serializers import DetailOutput, PhoneField

from . import selectors, sms


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
            401: OpenApiResponse(DetailOutput, description="Invalid or expired access token."),
            404: OpenApiResponse(DetailOutput, description="No task with this id."),
            503: OpenApiResponse(DetailOutput, description="Database unreachable."),
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
        ],
    )
    def get(self, request, task_id):
        query = TaskIdInput(data={"task_id": task_id})
        query.is_valid(raise_exception=True)
        task = selectors.get_task_status(task_id=str(query.validated_data["task_id"]))
        staff = bool(request.user and request.user.is_authenticated and request.user.is_staff)
        output = TaskStatusStaffOutput if staff else TaskStatusOutput
        return Response(output(task).data)
