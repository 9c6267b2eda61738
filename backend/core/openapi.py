"""OpenAPI building blocks every API shares: the error bodies and the standard error answers.

The bodies match what `core.errors.api_exception_handler` and DRF actually send:
- `ErrorOutput` — `{"detail": "...", "code": "..."}`: domain errors, 404, 429, 503,
  malformed JSON;
- `ValidationErrorOutput` — `{"field": ["message", ...]}` (or `detail` / `non_field_errors`),
  plus a top-level `code` when the error is a domain rule reported against one field;
- `TokenErrorOutput` — simplejwt's 401 body, `{"detail", "code", "messages"?}`.
"""

from __future__ import annotations

import kombu.exceptions
import redis.exceptions
from django.db import OperationalError
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers

from .errors import (
    NOT_STORED_CODE,
    SERVER_ERROR_CODE,
    UNAVAILABLE_CODE,
    DomainError,
    unavailable_component,
    unavailable_detail,
)

CODE_HELP = (
    "Stable, machine-readable reason: switch on this, never on the wording, which follows "
    "`Accept-Language`."
)


def error_codes() -> list[str]:
    """Every `code` an error body can carry: the domain errors' (collected when their
    modules are imported, which the URL conf does), the exception handler's own and DRF's."""
    framework = {
        cls.default_code
        for cls in (
            exceptions.AuthenticationFailed,
            exceptions.MethodNotAllowed,
            exceptions.NotAcceptable,
            exceptions.NotAuthenticated,
            exceptions.NotFound,
            exceptions.ParseError,
            exceptions.PermissionDenied,
            exceptions.UnsupportedMediaType,
        )
    }
    own = {UNAVAILABLE_CODE, NOT_STORED_CODE, SERVER_ERROR_CODE}
    return sorted(DomainError.codes | own | framework | {"no_active_account"})


def _code_schema() -> dict:
    return {"type": "string", "enum": error_codes(), "description": CODE_HELP}


class AutoSchema(SpectacularAutoSchema):
    """Request bodies advertise what a client ought to send: `application/json`, plus
    `multipart/form-data` where the body has a file (the avatar). The form parsers still
    accept what they always did; a generated client just has no reason to pick them."""

    def map_parsers(self) -> list[str]:
        media_types = super().map_parsers()
        advertised = ["application/json"]
        if "multipart/form-data" in media_types and self._uploads_a_file():
            advertised.append("multipart/form-data")
        return [t for t in media_types if t in advertised] or media_types

    def _get_request_body(self, direction="request"):
        """The multipart body gets a component of its own (same fields): generators tell
        the two bodies apart by type, and with one shared component they would send JSON
        bodies as multipart."""
        body = super()._get_request_body(direction)
        multipart = (body or {}).get("content", {}).get("multipart/form-data")
        ref = (multipart or {}).get("schema", {}).get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            original = self.registry[(name, ResolvedComponent.SCHEMA)]
            component = ResolvedComponent(
                name=f"{name.removesuffix('Request')}MultipartRequest",
                type=ResolvedComponent.SCHEMA,
                schema=original.schema,
                object=original.object,
            )
            self.registry.register_on_missing(component)
            multipart["schema"] = component.ref
        return body

    def get_auth(self) -> list[dict]:
        """No `security` at all where no credentials are taken: `[{}]` says the same, but
        generators read any `security` as "needs an authenticated client"."""
        auth = super().get_auth()
        return [] if auth == [{}] else auth

    def _uploads_a_file(self) -> bool:
        serializer = force_instance(self.get_request_serializer())
        fields = serializer.fields if isinstance(serializer, serializers.Serializer) else {}
        return any(isinstance(field, serializers.FileField) for field in fields.values())


class DetailOutput(serializers.Serializer):
    detail = serializers.CharField()


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words for a person.")
    code = serializers.CharField(help_text=CODE_HELP)


class ErrorOutputExtension(OpenApiSerializerExtension):
    """The shared error body, with `code` listing every value (known only once the apps
    have loaded, so it is filled in when the schema is generated)."""

    target_class = ErrorOutput

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "properties": {
                "detail": {"type": "string", "description": "What went wrong, in words."},
                "code": _code_schema(),
            },
            "required": ["detail", "code"],
        }


class TokenErrorOutput(serializers.Serializer):
    detail = serializers.CharField(help_text="What is wrong with the token.")
    code = serializers.CharField(
        required=False, help_text="Machine-readable reason, e.g. `token_not_valid`."
    )
    messages = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        required=False,
        help_text="Per token type, why it was refused (access tokens only).",
    )


class ValidationErrorOutput(serializers.Serializer):
    """Field name → list of messages; `detail` when the error is about the whole request."""


class ValidationErrorOutputExtension(OpenApiSerializerExtension):
    target_class = ValidationErrorOutput

    def map_serializer(self, auto_schema, direction):
        messages = {"type": "array", "items": {"type": "string"}}
        return {
            "type": "object",
            "description": "Either `detail` (one message about the whole request) or, per "
            "input field, a list of messages; `non_field_errors` when the body is not an "
            "object. `code` names the rule when a domain rule was broken (a wrong login "
            "code, an unknown invite code, an image too large ...); plain input validation "
            "has none, each field has its own messages. (On login, a list under `code` is "
            "the messages of the input field of that name.)",
            "properties": {
                "detail": {"type": "string"},
                "code": {"oneOf": [_code_schema(), messages]},
                "non_field_errors": messages,
            },
            "additionalProperties": messages,
        }


def example(name: str, value, status: int | None = None, **kwargs) -> OpenApiExample:
    """A response example for `status`, or a request example when `status` is None."""
    if status is None:
        return OpenApiExample(name, value=value, request_only=True, **kwargs)
    return OpenApiExample(
        name, value=value, response_only=True, status_codes=[str(status)], **kwargs
    )


def error_response(
    description: str, serializer=ErrorOutput, examples: list[OpenApiExample] | None = None
) -> OpenApiResponse:
    """An error answer: its body (`ErrorOutput` unless said otherwise), what it means and,
    optionally, examples of it (made with `example`)."""
    return OpenApiResponse(serializer, description=description, examples=examples or [])


BAD_REQUEST = error_response(
    "Invalid input: field errors, or a `detail` about the whole request.",
    ValidationErrorOutput,
)
UNAUTHORIZED = error_response(
    "No token, or an invalid, expired or blacklisted one.", TokenErrorOutput
)
NOT_FOUND = error_response("Not found — also what another user's object answers.")
RATE_LIMITED = error_response(
    "Rate limit hit. `Retry-After` (seconds) and `detail` say when to try again; the "
    "refused request counted nothing."
)
UNAVAILABLE = error_response(
    "The database, Redis or the message broker cannot be reached; nothing was done."
)

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    required=True,
    response=[429],
    description="Seconds to wait before the next attempt.",
)

MALFORMED_JSON_EXAMPLE = example(
    "Malformed JSON",
    {
        "detail": "JSON parse error - Expecting value: line 1 column 1 (char 0)",
        "code": "parse_error",
    },
    400,
)
NOT_AN_OBJECT_EXAMPLE = example(
    "Body is not an object",
    {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
    400,
)


def _outage_body(exc: Exception) -> dict:
    """The body the exception handler answers for this outage, so examples never drift."""
    component = unavailable_component(exc)
    assert component is not None, exc
    return {"detail": unavailable_detail(component), "code": UNAVAILABLE_CODE}


DATABASE_DOWN_EXAMPLE = example("Database down", _outage_body(OperationalError()), 503)
REDIS_DOWN_EXAMPLE = example("Redis down", _outage_body(redis.exceptions.ConnectionError()), 503)
BROKER_DOWN_EXAMPLE = example(
    "Message broker down", _outage_body(kombu.exceptions.OperationalError()), 503
)
UNAVAILABLE_EXAMPLES = [DATABASE_DOWN_EXAMPLE, REDIS_DOWN_EXAMPLE]
NO_TOKEN_EXAMPLE = example(
    "No token",
    {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"},
    401,
)


def _access_token_refused(name: str, message: str) -> OpenApiExample:
    """simplejwt's 401 for an access token it refused with `message`."""
    detail = "Given token not valid for any token type"
    refusal = {"token_class": "AccessToken", "token_type": "access", "message": message}
    return example(name, {"detail": detail, "code": "token_not_valid", "messages": [refusal]}, 401)


BAD_TOKEN_EXAMPLE = _access_token_refused("Invalid or expired token", "Token is invalid")
EXPIRED_TOKEN_EXAMPLE = _access_token_refused("Expired or revoked token", "Token is expired")

# The 401 of an endpoint that needs an access token.
ACCESS_TOKEN_REFUSED = error_response(
    "No, invalid or expired access token (or the account was deleted).",
    TokenErrorOutput,
    examples=[NO_TOKEN_EXAMPLE, EXPIRED_TOKEN_EXAMPLE],
)

# The refusals of a code request that a change of number meets as well.
CODE_COOLDOWN_EXAMPLE = example(
    "Asked again within a minute",
    {
        "detail": "A code was sent to this number moments ago. Try again in 58 seconds.",
        "code": "rate_limited",
    },
    429,
)
CODE_ADDRESS_LIMIT_EXAMPLE = example(
    "Too many codes from the address",
    {
        "detail": "Too many codes requested from your address. Try again in 1975 seconds.",
        "code": "rate_limited",
    },
    429,
)
ROUTE_SUSPENDED_EXAMPLE = example(
    "Codes to the number's country paused",
    {
        "detail": "Sending login codes to numbers of this country is paused for now. "
        "Try again in 2940 seconds.",
        "code": "sms_route_suspended",
    },
    429,
)
