"""Domain errors and the one place that turns them (and outages) into HTTP answers.

Services raise `DomainError` subclasses and import nothing from DRF; the API exception
handler below and the template views translate them. Every error has a stable `code` that
clients switch on, and a message marked for translation whose parameters are kept on the
error, so it is worded in the language of the request that shows it (`Accept-Language`).
"""

from __future__ import annotations

import logging
import math
from typing import Any, ClassVar

import kombu.exceptions
import redis.exceptions
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

logger = logging.getLogger(__name__)

Message = str | Promise


class DomainError(Exception):
    """A rule of the product was broken; `status` is the HTTP status it maps to, `code`
    the stable name clients switch on, `message` the words for a person (translated when
    shown, with `params` filled in then)."""

    status = 400
    code = "bad_request"
    message: Message = _("Request could not be processed.")
    field: str | None = None  # set to report the error against one input field
    codes: ClassVar[set[str]] = set()  # every code of every subclass (see the OpenAPI schema)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        DomainError.codes.add(cls.code)

    def __init__(
        self, message: Message | None = None, *, field: str | None = None, **params: Any
    ) -> None:
        if message is not None:
            self.message = message
        if field is not None:
            self.field = field
        self.params = params
        super().__init__(self.message)

    @property
    def text(self) -> str:
        """The message in the active language."""
        return str(self.message % self.params) if self.params else str(self.message)

    def __str__(self) -> str:
        return self.text

    def as_body(self) -> dict[str, Any]:
        if self.field:
            return {self.field: [self.text], "code": self.code}
        return {"detail": self.text, "code": self.code}


DomainError.codes.add(DomainError.code)


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    message = _("Too many requests.")

    def __init__(self, retry_after: float, reason: Message | None = None) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(reason)

    @property
    def text(self) -> str:
        wait = ngettext(
            "Try again in %(n)d seconds.", "Try again in %(n)d seconds.", self.retry_after
        ) % {"n": self.retry_after}
        return f"{self.message} {wait}"


class SmsBudgetExhausted(RateLimited):
    """The service has sent as many codes this hour as SMS_HOURLY_BUDGET allows.

    Worded like RateLimited (the reason, then the wait) and carries `retry_after`."""

    status = 503
    code = "sms_budget_exhausted"
    message = _("The service has sent as many login codes this hour as it may.")


class SmsRouteSuspended(RateLimited):
    """Codes to the numbers of one country calling code wait: the conversion guard
    (core.ratelimit, "code.route") found too few of the codes sent there used.

    Worded like RateLimited and carries `retry_after`; `calling_code` names the route, and
    `trip` holds (codes requested, codes used) on the one refusal that suspended it."""

    code = "sms_route_suspended"
    message = _("Sending login codes to numbers of this country is paused for now.")

    def __init__(
        self,
        retry_after: float,
        reason: Message | None = None,
        *,
        calling_code: int = 0,
        trip: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(retry_after, reason)
        self.calling_code = calling_code
        self.trip = trip


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = _("Not found.")


# Outages of the services we depend on; they answer 503, never a 500 page.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)


UNAVAILABLE_CODE = "service_unavailable"
NOT_STORED_CODE = "not_stored"
SERVER_ERROR_CODE = "server_error"


def unavailable_component(exc: BaseException) -> str | None:
    """Name the dependency an exception says is down (in English, as logs have it), or
    None if it is not an outage."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return gettext_noop("the database")
    if isinstance(exc, kombu.exceptions.OperationalError):
        return gettext_noop("the message broker")
    if isinstance(exc, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
        return "Redis"
    return None


def unavailable_detail(component: str) -> str:
    """What to tell a client about an outage of `component`, in the active language."""
    return gettext(
        "Service temporarily unavailable: %(component)s cannot be reached. Try again later."
    ) % {"component": gettext(component)}


def _domain_code(exc: ValidationError) -> str | None:
    """The domain code a field error carries when a serializer checked a domain rule
    (`ValidationError(exc.text, code=exc.code)`), so the body names it as a service would."""
    todo: list[Any] = [exc.detail]
    while todo:
        item = todo.pop(0)
        if isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
        elif getattr(item, "code", None) in DomainError.codes:
            return item.code
    return None


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        response = Response(exc.as_body(), status=exc.status)
        retry_after = getattr(exc, "retry_after", None)  # RateLimited, an exhausted budget
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response
    component = unavailable_component(exc)
    if component is not None:
        logger.error("dependency unavailable: %s (%s)", component, type(exc).__name__)
        return Response(
            {"detail": unavailable_detail(component), "code": UNAVAILABLE_CODE}, status=503
        )
    if isinstance(exc, DatabaseError):  # e.g. a value the database refuses: never a 500
        logger.exception("database error")
        return Response(
            {"detail": gettext("The request could not be stored."), "code": NOT_STORED_CODE},
            status=400,
        )
    if isinstance(exc, Http404):  # as DRF's handler does, so the code is DRF's `not_found`
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    answer = exception_handler(exc, context)
    if answer is not None and isinstance(answer.data, dict) and "code" not in answer.data:
        code = _framework_code(exc)
        if code is not None:
            answer.data["code"] = code
    return answer


def _framework_code(exc: Exception) -> str | None:
    """The code of an error DRF raised: its own (`not_found`, `parse_error`,
    `not_authenticated` ...) for a `detail` body; for field errors, only the code of a
    domain rule a serializer checked, since each field has messages of its own."""
    if isinstance(exc, ValidationError):
        return _domain_code(exc)
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        return codes if isinstance(codes, str) else None
    return None


def _is_api_path(request: HttpRequest) -> bool:
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return False
    view_class = getattr(view, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """`handler500`: a JSON body for API paths (clients parse every answer), Django's HTML
    page for everything else. The traceback is logged by Django, never sent."""
    if _is_api_path(request):
        return JsonResponse(
            {"detail": gettext("Server error."), "code": SERVER_ERROR_CODE}, status=500
        )
    return defaults.server_error(request, template_name)
