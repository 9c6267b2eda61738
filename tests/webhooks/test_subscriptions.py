"""Which events have an endpoint: each process reads it at most every
WEBHOOK_ENDPOINT_CACHE_SECONDS, and at once after a change of its own, so that an event
nobody listens to costs no query; when somebody may listen, the endpoints are read as
before."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import WebhookEndpointFactory
from tests.phones import phone_number
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

SECRET = "whsec-test-secret-value"
EVENT = "user.created"
DATA = {"user_id": 1, "phone": phone_number(), "invite_code": "ABC123"}


@pytest.fixture(autouse=True)
def _clock(monkeypatch, settings):
    """A clock the test moves; the cache starts empty."""
    settings.WEBHOOK_ENDPOINT_CACHE_SECONDS = 5
    now = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(services, "_publish", lambda ids: None)
    services.subscriptions.clear()
    yield now
    services.subscriptions.clear()


def added_elsewhere(events=("*",), **fields) -> WebhookEndpoint:
    """An endpoint written by another process: no signal reaches this one."""
    (endpoint,) = WebhookEndpoint.objects.bulk_create(
        [
            WebhookEndpoint(
                url="https://hooks.example.com/x", secret=SECRET, events=list(events), **fields
            )
        ]
    )
    return endpoint


def emit():
    with CaptureQueriesContext(connection) as queries:
        event = services.emit_event(EVENT, DATA)
    return event, len(queries)


@pytest.mark.django_db
def test_an_event_nobody_listens_to_costs_one_query_per_period(_clock):
    assert emit() == (None, 1)
    assert emit() == (None, 0)
    _clock[0] += 4.9
    assert emit() == (None, 0)
    _clock[0] += 0.2
    assert emit() == (None, 1)
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_an_endpoint_added_by_another_process_is_seen_after_the_period(_clock):
    assert emit()[0] is None
    endpoint = added_elsewhere()
    assert emit()[0] is None  # within the period: not read yet
    _clock[0] += 5
    event, _ = emit()
    assert event is not None
    assert WebhookDelivery.objects.get(event=event).endpoint == endpoint


@pytest.mark.django_db
def test_with_no_period_every_event_reads_the_endpoints(settings):
    settings.WEBHOOK_ENDPOINT_CACHE_SECONDS = 0
    assert emit() == (None, 1)
    added_elsewhere()
    event, _ = emit()
    assert event is not None and WebhookDelivery.objects.filter(event=event).count() == 1


@pytest.mark.django_db
def test_an_endpoint_saved_by_this_process_counts_at_once():
    assert emit()[0] is None
    endpoint = WebhookEndpointFactory(
        url="https://hooks.example.com/x", secret=SECRET, events=[EVENT]
    )
    event, _ = emit()
    assert event is not None
    assert WebhookDelivery.objects.get(event=event).endpoint == endpoint


@pytest.mark.django_db
def test_enabling_an_endpoint_counts_at_once():
    endpoint = added_elsewhere(active=False)
    assert emit()[0] is None
    services.enable_endpoint(endpoint=endpoint)
    event, _ = emit()
    assert event is not None and WebhookDelivery.objects.get(event=event).endpoint == endpoint


@pytest.mark.django_db
def test_an_endpoint_removed_elsewhere_gets_nothing_while_still_remembered():
    added_elsewhere(events=[EVENT])
    assert emit()[0] is not None  # read now: the type has an endpoint
    with connection.cursor() as cursor:  # removed by another process: no signal here
        cursor.execute("DELETE FROM webhooks_webhookdelivery")
        cursor.execute("DELETE FROM webhooks_webhookevent")
        cursor.execute("DELETE FROM webhooks_webhookendpoint")
    event, queries = emit()
    assert (event, queries) == (None, 1)  # the endpoints were read again: none is left
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_a_type_no_endpoint_subscribes_to_is_skipped():
    added_elsewhere(events=["user.deleted"])
    assert emit() == (None, 1)
    assert emit() == (None, 0)
    assert not WebhookEvent.objects.exists()
