"""Prometheus metrics: what the service counts, and GET /metrics that exposes them.

prometheus-client rather than django-prometheus: the service needs a handful of domain
counters and one request histogram, and django-prometheus adds two middlewares plus
wrapped database and cache backends to every request. One timing middleware here costs a
clock read and one histogram update per request.

The web tier runs several gunicorn processes: with PROMETHEUS_MULTIPROC_DIR set (the
compose stack sets it), every process writes its values to files there and /metrics adds
them up. The Celery worker is one process (threads pool); it serves its own counters on
WORKER_METRICS_PORT (see project/celery.py).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from time import perf_counter

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Histogram(
    "http_request_duration_seconds",
    "Time to answer a request, by view, method and status (its _count counts requests).",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CODES_REQUESTED = Counter(
    "login_codes_requested_total", "Login codes issued (SMS queued), by new or known user.",
    ["new_user"],
)  # fmt: skip
SMS = Counter(
    "sms_deliveries_total",
    "SMS delivery attempts by sender backend and outcome (sent, failed, retried, stale, "
    "skipped: a test number's).",
    ["backend", "outcome"],
)
SMS_PROVIDER_ERRORS = Counter(
    "sms_provider_errors_total",
    "SMS provider trouble by provider and kind (transient, garbage, no_id, unknown_status, "
    "circuit_opened).",
    ["provider", "kind"],
)
SMS_RECEIPTS = Counter(
    "sms_receipts_total",
    "Final states of sent SMS (delivered, undelivered, rejected, expired), by provider and "
    "the number's country.",
    ["provider", "country", "state"],
)
LOGINS = Counter(
    "logins_total", "Code logins: outcome is `success` or the reason of the failure.", ["outcome"]
)
TEST_NUMBER_USES = Counter(
    "sms_test_number_uses_total",
    "Uses of the fixed test numbers (SMS_TEST_NUMBERS): code_request, login, wrong_code.",
    ["use"],
)
RATE_LIMITED = Counter("rate_limit_refusals_total", "Requests refused by a rate limit.", ["limit"])
SMS_ROUTE_SUSPENSIONS = Counter(
    "sms_route_suspensions_total",
    "Country calling codes suspended by the conversion guard (too few of their codes used), "
    "by calling code.",
    ["calling_code"],
)
INVITES_ACTIVATED = Counter("invite_activations_total", "Invite codes activated.")

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    """Times every request into REQUESTS, labelled by the URL pattern's name (bounded, unlike
    the path) so that one series exists per view.

    It also answers GET /metrics itself, before host validation and the HTTPS redirect (as
    the health probes are): a scraper calls `web:8000` over plain HTTP on the internal
    network, a host name nobody lists in DJANGO_ALLOWED_HOSTS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/metrics":
            return metrics_view(request)
        start = perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        REQUESTS.labels(
            match.view_name if match else "unmatched",
            request.method if request.method in _METHODS else "other",
            str(response.status_code),
        ).observe(perf_counter() - start)
        return response


def _allowed_networks() -> tuple:
    return tuple(
        ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS
    )


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    # The peer address, never X-Forwarded-For: the proxy refuses /metrics from outside,
    # so a scraper on the internal network is the only direct caller.
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _allowed_networks())


def registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return REGISTRY


def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics: the Prometheus text format, for the internal network or a token."""
    if not _allowed(request):
        return JsonResponse(
            {"detail": "Metrics are available on the internal network only."}, status=403
        )
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
