"""The event payloads as OpenAPI 3.1 `webhooks` (SPECTACULAR_SETTINGS["WEBHOOKS"]), built
from events.EVENT_TYPES so that the schema and the events cannot drift apart."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from . import events
from .events import EVENT_TYPES

HEADERS = (
    "Headers: `X-Webhook-Id` (the event id), `X-Webhook-Event` (its type) and "
    '`X-Webhook-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; '
    "see docs/webhooks.md for verifying it. Any 2xx answer is success; anything else is "
    "retried with backoff, with the same event id."
)


def _field(name: str, value) -> serializers.Field:
    if isinstance(value, int):
        return serializers.IntegerField()
    if name.endswith("_at"):
        return serializers.DateTimeField()
    return serializers.CharField()


def _payload_serializer(event_type: str, example: dict) -> type[serializers.Serializer]:
    camel = "".join(part.title() for part in event_type.replace(".", "_").split("_"))
    data = type(
        f"{camel}EventData",
        (serializers.Serializer,),
        {name: _field(name, value) for name, value in example.items()},
    )
    return type(
        f"{camel}Event",
        (serializers.Serializer,),
        {
            "id": serializers.UUIDField(help_text="The same on every retry: de-duplicate on it."),
            "type": serializers.ChoiceField(choices=[event_type]),
            "created_at": serializers.DateTimeField(),
            "data": data(),
        },
    )


def _webhook(event_type: str) -> OpenApiWebhook:
    description, example = EVENT_TYPES[event_type]
    return OpenApiWebhook(
        name=event_type,
        decorator=extend_schema(
            summary=event_type,
            description=f"{description}\n\n{HEADERS}",
            tags=["webhooks"],
            request=_payload_serializer(event_type, example),
            examples=[
                OpenApiExample(
                    event_type,
                    value={
                        "id": "5b0c7f2e-3a43-4c39-a0d5-5f1c0f4d2b1e",
                        "type": event_type,
                        "created_at": "2026-01-31T12:00:00Z",
                        "data": example,
                    },
                    request_only=True,
                )
            ],
            responses={200: OpenApiResponse(description="Any 2xx: received.")},
        ),
    )


# Listed one by one in SPECTACULAR_SETTINGS["WEBHOOKS"] (import paths).
USER_CREATED = _webhook(events.USER_CREATED)
USER_LOGGED_IN = _webhook(events.USER_LOGGED_IN)
INVITE_ACTIVATED = _webhook(events.INVITE_ACTIVATED)
PHONE_CHANGED = _webhook(events.PHONE_CHANGED)
USER_DELETED = _webhook(events.USER_DELETED)
SMS_DELIVERED = _webhook(events.SMS_DELIVERED)
SMS_FAILED = _webhook(events.SMS_FAILED)
