"""Health endpoints for probes and operators.

- `GET /livez`: the process answers; touches nothing (container liveness).
- `GET /healthz`: the database and Redis answer (readiness); 503 names what is down.

Probes call with an IP address as Host and over plain HTTP, so `HealthCheckMiddleware`
serves both paths before host validation and the HTTPS redirect; they reveal nothing
that depends on the host.
"""

from __future__ import annotations

import logging

import redis.exceptions
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

logger = logging.getLogger(__name__)

OK = "ok"
UNAVAILABLE = "unavailable"
NOT_CONFIGURED = "not configured"


def check_database() -> str:
    try:
        # Any table of a migrated database answers; no literal SQL for it.
        ContentType.objects.exists()
    except DatabaseError as exc:
        logger.warning("health: database unavailable (%s)", type(exc).__name__)
        return UNAVAILABLE
    return OK


def check_redis() -> str:
    """Ping Redis through the cache's own connection pool; without REDIS_URL there is none."""
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    from django_redis import get_redis_connection

    try:
        get_redis_connection("default").ping()
    except redis.exceptions.RedisError as exc:
        logger.warning("health: Redis unavailable (%s)", type(exc).__name__)
        return UNAVAILABLE
    return OK


class LivenessOutput(serializers.Serializer):
    status = serializers.CharField()


class HealthOutput(serializers.Serializer):
    # One enum per field would repeat the same choice set; plain strings, values listed.
    status = serializers.CharField(help_text='"ok" or "unavailable".')
    database = serializers.CharField(help_text='"ok" or "unavailable".')
    redis = serializers.CharField(help_text='"ok", "unavailable" or "not configured".')
    detail = serializers.CharField(required=False, help_text="What is down (503 only).")


class LivenessApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        tags=["operations"],
        summary="Liveness: the process answers",
        description="Checks nothing else, so a database or Redis outage never restarts "
        "the web container. Answers whatever the Host header and scheme.",
        responses={200: LivenessOutput},
        examples=[OpenApiExample("Alive", value={"status": "ok"}, response_only=True)],
    )
    def get(self, request):
        return Response({"status": OK}, headers={"Cache-Control": "no-store"})


class HealthApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        tags=["operations"],
        summary="Readiness: the database and Redis answer",
        description="200 when PostgreSQL answers a query and Redis a PING; 503 naming "
        'what is down. Without REDIS_URL, Redis is "not configured" and does not fail '
        "the check.",
        responses={
            200: HealthOutput,
            503: OpenApiResponse(HealthOutput, description="The database or Redis is down."),
        },
        examples=[
            OpenApiExample(
                "Healthy",
                value={"status": "ok", "database": "ok", "redis": "ok"},
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Redis down",
                value={
                    "status": "unavailable",
                    "database": "ok",
                    "redis": "unavailable",
                    "detail": "Not answering: redis.",
                },
                response_only=True,
                status_codes=["503"],
            ),
        ],
    )
    def get(self, request):
        checks = {"database": check_database(), "redis": check_redis()}
        down = [name for name, state in checks.items() if state == UNAVAILABLE]
        body = {"status": UNAVAILABLE if down else OK, **checks}
        if down:
            body["detail"] = f"Not answering: {', '.join(down)}."
        return Response(body, status=503 if down else 200, headers={"Cache-Control": "no-store"})


class HealthCheckMiddleware:
    """Serves the health paths ahead of the other middleware (keep it first)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.views = {"/livez": LivenessApi.as_view(), "/healthz": HealthApi.as_view()}

    def __call__(self, request):
        view = self.views.get(request.path_info)
        if view is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        response = view(request)
        response.render()
        return response
