"""Where webhooks may go: public https only, checked after DNS on every delivery and on the
connected socket; private addresses only with WEBHOOK_ALLOW_PRIVATE; no redirects."""

import socket

import pytest
from django.core.management import CommandError, call_command

from tests.factories import WebhookEndpointFactory
from tests.phones import phone_number
from tests.webhooks.receiver import Receiver
from webhooks import safety, services
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

SECRET = "whsec-test"


@pytest.mark.parametrize(
    "address, allowed",
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
    ],
)
def test_only_public_addresses_are_allowed(address, allowed):
    assert safety.address_allowed(address) is allowed


def fake_dns(monkeypatch, address):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(safety.socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://hooks.example.com/x", "Only https:// URLs are allowed."),
        ("ftp://hooks.example.com/x", "Only https:// URLs are allowed."),
        ("https://user:pw@hooks.example.com/x", "Credentials in the URL are not allowed"),
        ("https:///x", "The URL has no host."),
        ("https://hooks.example.com:99999/x", "Not a valid URL"),
    ],
)
def test_malformed_or_plain_http_urls_are_refused(settings, url, message):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(safety.UrlRefused, match=message):
        safety.check_url(url)


def test_a_name_resolving_to_a_private_address_is_refused(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    fake_dns(monkeypatch, "10.0.0.5")
    with pytest.raises(safety.UrlRefused, match="resolves to 10.0.0.5"):
        safety.check_url("https://hooks.example.com/x")
    fake_dns(monkeypatch, "93.184.216.34")
    safety.check_url("https://hooks.example.com/x")


def test_an_unresolvable_name_is_refused(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(safety.UrlRefused, match="cannot be resolved"):
        safety.check_url("https://no-such-host.invalid/x")


def test_allow_private_allows_http_and_loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    safety.check_url("http://127.0.0.1:8000/x")
    with pytest.raises(safety.UrlRefused):
        safety.check_url("ftp://127.0.0.1/x")


@pytest.fixture
def endpoint_for(db, settings):
    def make(url, events=("*",)):
        settings.WEBHOOK_ALLOW_PRIVATE = True  # to save it; each test decides for delivery
        return WebhookEndpointFactory(url=url, secret=SECRET, events=list(events))

    return make


def deliver_one(endpoint):
    services.emit_event("user.created", {"user_id": 1, "phone": phone_number()})
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    return delivery, services.deliver(delivery_id=delivery.pk)


def test_a_private_receiver_is_refused_at_delivery_unless_allowed(endpoint_for, settings):
    with Receiver([200]) as receiver:
        endpoint = endpoint_for(receiver.url.replace("http://", "https://"))
        settings.WEBHOOK_ALLOW_PRIVATE = False
        delivery, status = deliver_one(endpoint)
        assert status == "retrying"
        assert receiver.requests == []
        attempt = WebhookAttempt.objects.get(delivery=delivery)
        assert attempt.status_code is None and not attempt.success
        assert "127.0.0.1" in attempt.error and "loopback" in attempt.error

        endpoint.url = receiver.url
        endpoint.save()
        settings.WEBHOOK_ALLOW_PRIVATE = True
        delivery.refresh_from_db()
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
        assert services.deliver(delivery_id=delivery.pk) == "delivered"
        assert len(receiver.requests) == 1


def test_the_connected_address_is_checked_too(endpoint_for, settings, monkeypatch):
    """DNS rebinding: the name looks public to the check and connects to loopback."""
    with Receiver([200]) as receiver:
        port = receiver.server.server_port
        endpoint = endpoint_for(f"https://rebind.example.com:{port}/hook")
        settings.WEBHOOK_ALLOW_PRIVATE = False
        answers = iter(["93.184.216.34"])

        real = socket.getaddrinfo

        def getaddrinfo(host, p, *args, **kwargs):
            if host == "rebind.example.com":
                address = next(answers, "127.0.0.1")
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, p))]
            return real(host, p, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        delivery, status = deliver_one(endpoint)
        assert status == "retrying"
        assert receiver.requests == []
        error = WebhookAttempt.objects.get(delivery=delivery).error
        assert error == "Connected to 127.0.0.1, a non-public address: refused."


def test_a_redirect_is_not_followed_and_counts_as_a_failure(endpoint_for, settings):
    with Receiver([302], headers={"Location": "http://127.0.0.1:1/elsewhere"}) as receiver:
        endpoint = endpoint_for(receiver.url)
        delivery, status = deliver_one(endpoint)
    assert status == "retrying"
    assert len(receiver.requests) == 1
    error = WebhookAttempt.objects.get(delivery=delivery).error
    assert error == "HTTP 302 (redirects are not followed)"


def test_the_command_refuses_a_private_address_unless_allowed(db, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(CommandError, match="Only https://"):
        call_command(
            "webhook_endpoint", "add", "http://127.0.0.1/x", "--secret", "s", "--events", "*"
        )
    with pytest.raises(CommandError, match="resolves to 127.0.0.1"):
        call_command(
            "webhook_endpoint", "add", "https://127.0.0.1/x", "--secret", "s", "--events", "*"
        )
    assert not WebhookEndpoint.objects.exists()
    settings.WEBHOOK_ALLOW_PRIVATE = True
    call_command("webhook_endpoint", "add", "http://127.0.0.1/x", "--secret", "s", "--events", "*")
    assert WebhookEndpoint.objects.get().url == "http://127.0.0.1/x"
