from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.fields import PhoneField


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
    """The public fields, and for staff only the ones below (absent for everyone else)."""

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
    provider = serializers.CharField(
        allow_null=True, required=False, help_text="Staff only. The provider that took the SMS."
    )
    receipt = serializers.ChoiceField(
        choices=["delivered", "undelivered", "rejected", "expired"],
        allow_null=True,
        required=False,
        help_text="Staff only. The SMS's final state as the provider reported it (delivery "
        "receipt); null while it is not known.",
    )
    receipt_at = serializers.DateTimeField(
        allow_null=True, required=False, help_text="Staff only. When the receipt was recorded."
    )
