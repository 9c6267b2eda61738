"""Failures around a delivery: a broker that refuses the publish does not fail the change,
a receiver that is slow or not there is a failed attempt, and signatures that are
malformed (non-ASCII too), altered or old do not verify."""

import socket
import time

import kombu.exceptions
import pytest
from django.core.management import call_command

from tests.factories import WebhookEndpointFactory
from tests.phones import phone_number
from tests.webhooks.receiver import Receiver
from webhooks import services, signing
from webhooks.models import WebhookAttempt, WebhookDelivery
from webhooks.tasks import deliver_webhook

SECRET = "whsec-test"


@pytest.fixture(autouse=True)
def _private_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True


def test_a_refused_publish_leaves_the_delivery_for_the_sweep(api, monkeypatch, caplog):
    def broker_down(*args, **kwargs):
        raise kombu.exceptions.OperationalError("connection refused")

    WebhookEndpointFactory(url="http://127.0.0.1:9/x", secret=SECRET, events=["*"])
    monkeypatch.setattr(deliver_webhook, "apply_async", broker_down)
    from auth_phone.tasks import deliver_login_code

    monkeypatch.setattr(deliver_login_code, "apply_async", lambda *a, **k: None)
    response = api.post("/auth/sms/", {"phone": phone_number()}, format="json")

    assert response.status_code == 201  # the user exists; the event waits
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "queued" and delivery.attempts == 0
    assert "not published (OperationalError)" in caplog.text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_a_receiver_that_is_not_there_is_a_failed_attempt(monkeypatch):
    monkeypatch.setattr(services, "_publish", lambda ids: None)
    WebhookEndpointFactory(url=f"http://127.0.0.1:{free_port()}/x", secret=SECRET, events=["*"])
    services.emit_event("user.created", {"user_id": 1})
    delivery = WebhookDelivery.objects.get()
    assert services.deliver(delivery_id=delivery.pk) == "retrying"
    attempt = WebhookAttempt.objects.get()
    assert attempt.error.startswith("ConnectionError: ") and attempt.status_code is None


@pytest.mark.django_db
def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(monkeypatch, settings):
    settings.WEBHOOK_TIMEOUT = 0.2
    monkeypatch.setattr(services, "_publish", lambda ids: None)
    with Receiver([200]) as receiver:
        original = receiver.server.RequestHandlerClass.do_POST

        def slow(handler):
            time.sleep(1)
            original(handler)

        monkeypatch.setattr(receiver.server.RequestHandlerClass, "do_POST", slow)
        WebhookEndpointFactory(url=receiver.url, secret=SECRET, events=["*"])
        services.emit_event("user.created", {"user_id": 1})
        delivery = WebhookDelivery.objects.get()
        assert services.deliver(delivery_id=delivery.pk) == "retrying"
    assert WebhookAttempt.objects.get().error == "No answer within 0.2 s."


@pytest.mark.parametrize(
    "header",
    ["", "v1=abc", "t=notanumber,v1=abc", "garbage"],
)
def test_a_malformed_signature_header_does_not_verify(header):
    assert not signing.verify(secret=SECRET, body=b"{}", header=header)


def valid_signature(t: str) -> str:
    return signing.sign(secret=SECRET, body=b"{}", timestamp=int(t)).split("v1=", 1)[1]


@pytest.mark.parametrize(
    "header",
    [
        lambda t: f"t={t},v1=é…",
        lambda t: f"t={t},v1={valid_signature(t)}é",
        lambda t: f"t={t}é,v1={valid_signature(t)}",
        lambda t: f"t=é,v1={valid_signature(t)}",
        # The same number in Arabic-Indic digits: int() reads it, but it is not what was signed.
        lambda t: f"t={t.translate(str.maketrans('0123456789', '٠١٢٣٤٥٦٧٨٩'))},"
        f"v1={valid_signature(t)}",
    ],
    ids=[
        "non-ascii-v1",
        "valid-v1-then-non-ascii",
        "non-ascii-after-t",
        "non-ascii-t",
        "other-digits-t",
    ],
)
def test_a_signature_with_non_ascii_characters_does_not_verify(header):
    t = str(int(time.time()))
    assert not signing.verify(secret=SECRET, body=b"{}", header=header(t))
    assert signing.verify(secret=SECRET, body=b"{}", header=f"t={t},v1={valid_signature(t)}")


def test_an_old_signature_does_not_verify():
    old = signing.sign(secret=SECRET, body=b"{}", timestamp=int(time.time()) - 301)
    assert not signing.verify(secret=SECRET, body=b"{}", header=old)
    fresh = signing.sign(secret=SECRET, body=b"{}")
    assert signing.verify(secret=SECRET, body=b"{}", header=fresh)


@pytest.mark.django_db
def test_the_command_lists_why_an_endpoint_is_disabled(capsys):
    WebhookEndpointFactory(
        url="https://hooks.example.com/x", secret=SECRET, events=["*"], active=False,
        disabled_reason="Disabled automatically after 50 failed attempts in a row",
    )  # fmt: skip
    call_command("webhook_endpoint", "list")
    assert "disabled: Disabled automatically after 50" in capsys.readouterr().out
