"""OpenAPI text of the tasks API, applied to the views with `extend_schema_view`."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from core.openapi import (
    BAD_REQUEST,
    BAD_TOKEN_EXAMPLE,
    DATABASE_DOWN_EXAMPLE,
    NOT_FOUND,
    REDIS_DOWN_EXAMPLE,
    UNAVAILABLE,
    TokenErrorOutput,
    error_response,
    example,
)

from .serializers import DevInboxOutput, TaskIdErrorOutput, TaskStatusStaffOutput

TASK_ID_EXAMPLE = "0b6a4f7e-3c1d-4e55-9a0e-3f1f2a9c8d11"

dev_inbox = extend_schema_view(
    get=extend_schema(
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
            example(
                "Inbox disabled, or no SMS yet", {"detail": "Not found.", "code": "not_found"}, 404
            ),
            REDIS_DOWN_EXAMPLE,
        ],
    )
)

task_status = extend_schema_view(
    get=extend_schema(
        tags=["tasks"],
        summary="State of an SMS delivery task",
        description="Anyone holding the task id (returned by POST /auth/sms/) sees its state "
        "and when it finished. Staff (a JWT of an is_staff user) also see the task's name, "
        "result (the delivery status: sent, failed or stale — never the code), error and "
        "traceback. States: PENDING (queued, no worker has started it), STARTED, RETRY (a "
        "transient provider error; another attempt is scheduled), SUCCESS (the task ran and "
        "recorded the outcome: the SMS was sent, failed for good, or was stale) and FAILURE "
        "(an unexpected error). An id the service never issued answers 404, not PENDING.",
        parameters=[
            OpenApiParameter(
                "task_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Celery task id."
            )
        ],
        responses={
            200: TaskStatusStaffOutput,
            400: error_response("The task id is not a UUID.", TaskIdErrorOutput),
            401: error_response(
                "An Authorization header was sent with an invalid or expired "
                "access token (without one, the public fields answer).",
                TokenErrorOutput,
            ),
            404: error_response("No task with this id."),
            503: UNAVAILABLE,
        },
        examples=[
            example(
                "Delivered",
                {
                    "task_id": TASK_ID_EXAMPLE,
                    "status": "SUCCESS",
                    "date_done": "2026-01-15T10:21:07.512Z",
                },
                200,
            ),
            example(
                "Queued",
                {"task_id": TASK_ID_EXAMPLE, "status": "PENDING", "date_done": None},
                200,
            ),
            example(
                "Retried, as staff see it",
                {
                    "task_id": TASK_ID_EXAMPLE,
                    "status": "RETRY",
                    "date_done": None,
                    "task_name": "auth_phone.deliver_login_code",
                    "result": None,
                    "error": "SmsTransientError: SMS Aero answered HTTP 503",
                    "traceback": "Traceback (most recent call last): ...",
                },
                200,
            ),
            example("Not a UUID", {"task_id": ["Must be a valid UUID."]}, 400),
            example(
                "Unknown id", {"detail": "No task with this id.", "code": "task_not_found"}, 404
            ),
            BAD_TOKEN_EXAMPLE,
            DATABASE_DOWN_EXAMPLE,
        ],
    )
)
