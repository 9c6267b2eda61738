"""Domain errors and the one place that turns them (and outages) into HTTP answers.

Services raise `DomainError` subclasses and import nothing from DRF; the API exception
handler below and the template views translate them.
"""

from __future__ import annotations

import logging
import math

import kombu.exceptions
import redis.exceptions
from django.db import DatabaseError, InterfaceError, OperationalError
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the product was broken; `status` is the HTTP status it maps to."""

    status = 400
    message = "Request could not be processed."
    field: str | None = None  # set to report the error against one input field

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.message
        if field is not None:
            self.field = field
        super().__init__(self.message)

    def as_body(self) -> dict:
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message}


class RateLimited(DomainError):
    status = 429
    message = "Too many requests."

    def __init__(self, retry_after: float, what: str) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(f"{what} Try again in {self.retry_after} seconds.")


class NotFound(DomainError):
    status = 404
    message = "Not found."


# Outages of the services we depend on; they answer 503, never a 500 page.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)


def unavailable_component(exc: BaseException) -> str | None:
    """Name the dependency an exception says is down, or None if it is not an outage."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return "the database"
    if isinstance(exc, kombu.exceptions.OperationalError):
        return "the message broker"
    if isinstance(exc, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
        return "Redis"
    return None


def unavailable_detail(component: str) -> str:
    return f"Service temporarily unavailable: {component} cannot be reached. Try again later."


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        response = Response(exc.as_body(), status=exc.status)
        retry_after = getattr(exc, "retry_after", None)  # RateLimited, an exhausted budget
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response
    component = unavailable_component(exc)
    if component is not None:
        logger.error("dependency unavailable: %s (%s)", component, type(exc).__name__)
        return Response({"detail": unavailable_detail(component)}, status=503)
    if isinstance(exc, DatabaseError):  # e.g. a value the database refuses: never a 500
        logger.exception("database error")
        return Response({"detail": "The request could not be stored."}, status=400)
    return exception_handler(exc, context)
