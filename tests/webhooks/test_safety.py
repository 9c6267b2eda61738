"""Where webhooks may go: public https only, checked after DNS on every delivery and on the
connected socket; private addresses only with WEBHOOK_ALLOW_PRIVATE; no redirects."""

import socket

import pytest
import urllib3.util.connection
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
        if ":" in address:
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]
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


# IPv6 addresses that carry a non-public IPv4 address, or that are refused whatever they
# carry (decision 57).
TRANSLATIONS_REFUSED = [
    "64:ff9b::a00:1",  # NAT64, well-known prefix: 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64: 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64: 169.254.169.254, cloud metadata
    "64:ff9b:1::a00:1",  # NAT64, local-use prefix: refused whatever it carries
    "64:ff9b:1:5db8:d8:2200::",  # NAT64, local-use prefix, 93.184.216.34 at /48
    "2002:a00:1::1",  # 6to4: 10.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4: 169.254.169.254
    "::10.0.0.1",  # IPv4-compatible
    "::93.184.216.34",  # IPv4-compatible (deprecated), even of a public address
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
    "2001:0:5db8:d822::a247:27dd",  # Teredo (a client's tunnel), even of public addresses
]


@pytest.mark.parametrize(
    "address, allowed",
    [(address, False) for address in TRANSLATIONS_REFUSED]
    + [
        ("64:ff9b::5db8:d822", True),  # NAT64 of 93.184.216.34
        ("2002:5db8:d822::1", True),  # 6to4 of 93.184.216.34
        ("::ffff:93.184.216.34", True),  # IPv4-mapped
    ],
)
def test_an_ipv6_translation_is_judged_by_the_ipv4_address_it_carries(address, allowed):
    assert safety.address_allowed(address) is allowed


def url_to(monkeypatch, address: str, *, by_name: bool) -> str:
    """A URL with `address` as a literal, or with a name that resolves to it."""
    if by_name:
        fake_dns(monkeypatch, address)
        return "https://hooks.example.com/hook"
    return f"https://[{address}]/hook"


@pytest.fixture
def no_connection(monkeypatch):
    """Records every connection attempt (none may be made) instead of making it."""
    made = []

    def create_connection(address, *args, **kwargs):
        made.append(address)
        raise OSError("no connection in this test")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return made


@pytest.mark.parametrize("by_name", [False, True], ids=["literal", "name"])
@pytest.mark.parametrize("address", TRANSLATIONS_REFUSED)
def test_a_translated_private_address_is_refused_when_added(
    db, settings, monkeypatch, admin_client, address, by_name
):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    url = url_to(monkeypatch, address, by_name=by_name)
    with pytest.raises(CommandError, match=f"resolves to {address}, a private"):
        call_command("webhook_endpoint", "add", url, "--secret", "s", "--events", "*")
    response = admin_client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {"url": url, "secret": "s", "events": ["*"], "active": "on"},
    )
    assert response.status_code == 200
    assert f"resolves to {address}, a private" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("by_name", [False, True], ids=["literal", "name"])
@pytest.mark.parametrize("address", TRANSLATIONS_REFUSED)
def test_a_translated_private_address_is_refused_when_connecting(
    endpoint_for, settings, monkeypatch, no_connection, address, by_name
):
    endpoint = endpoint_for(url_to(monkeypatch, address, by_name=by_name))
    settings.WEBHOOK_ALLOW_PRIVATE = False
    delivery, status = deliver_one(endpoint)
    assert status == "retrying"
    assert no_connection == []
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None and not attempt.success
    assert f"resolves to {address}, a private" in attempt.error


class PeerSocket:
    """A connected socket whose peer is `address`; records what happens to it."""

    def __init__(self, address: str) -> None:
        self.address, self.sent, self.closed = address, [], False

    def getpeername(self):
        return (self.address, 443, 0, 0)

    def sendall(self, data) -> None:
        self.sent.append(data)

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("address", TRANSLATIONS_REFUSED)
def test_a_connection_that_lands_on_a_translated_private_address_is_closed(
    endpoint_for, settings, monkeypatch, address
):
    """DNS rebinding: the check sees a public address, the connection a translated one."""
    endpoint = endpoint_for("https://rebind.example.com/hook")
    settings.WEBHOOK_ALLOW_PRIVATE = False
    fake_dns(monkeypatch, "93.184.216.34")
    sockets = []

    def create_connection(*args, **kwargs):
        sockets.append(PeerSocket(address))
        return sockets[-1]

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    delivery, status = deliver_one(endpoint)
    assert status == "retrying"
    [sock] = sockets
    assert sock.closed and sock.sent == []
    error = WebhookAttempt.objects.get(delivery=delivery).error
    assert error == f"Connected to {address}, a non-public address: refused."
