"""docs/webhooks.md: its receiver example verifies real requests (and answers 400 to a
malformed signature), and it documents every event type the service sends."""

import re
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.factories import WebhookEndpointFactory
from tests.phones import phone_number
from webhooks import services, signing
from webhooks.events import EVENT_TYPES
from webhooks.models import WebhookDelivery

DOC = (Path(__file__).parents[2] / "docs" / "webhooks.md").read_text()


def receiver_example() -> str:
    block = re.search(r"```python\n(.*?)```", DOC, re.S).group(1)
    assert len(block.strip().splitlines()) <= 12
    return block


@pytest.fixture
def doc_receiver():
    """The documented receiver, minus its last line (serve_forever on port 8080)."""
    code = receiver_example().replace('HTTPServer(("", 8080), Hook).serve_forever()', "")
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - the documentation's own example
    server = ThreadingHTTPServer(("127.0.0.1", 0), namespace["Hook"])
    server.RequestHandlerClass.log_message = lambda *a: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield namespace, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
@pytest.mark.parametrize("secret, outcome", [("the endpoint's secret", "delivered"),
                                             ("another secret", "retrying")])  # fmt: skip
def test_the_documented_receiver_accepts_exactly_the_signed_requests(
    doc_receiver, settings, monkeypatch, secret, outcome
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    monkeypatch.setattr(services, "_publish", lambda ids: None)
    namespace, url = doc_receiver
    WebhookEndpointFactory(url=url, secret=secret, events=["*"])
    services.emit_event("user.created", {"user_id": 1, "phone": phone_number()})
    delivery = WebhookDelivery.objects.get()
    assert services.deliver(delivery_id=delivery.pk) == outcome


@pytest.mark.parametrize(
    "header",
    [None, "", "garbage", "t=1,v1=é", "t={t},v1=é", "t={t},v1={good}é", "t=é,v1={good}"],
)
def test_the_documented_receiver_answers_400_to_a_malformed_signature(doc_receiver, header):
    _, url = doc_receiver
    t = str(int(time.time()))
    good = signing.sign(secret="the endpoint's secret", body=b"{}", timestamp=int(t))
    headers = {} if header is None else {
        "X-Webhook-Signature": header.format(t=t, good=good.split("v1=", 1)[1])
    }  # fmt: skip
    response = requests.post(url, data=b"{}", headers=headers, timeout=5)
    assert response.status_code == 400
    assert requests.post(url, data=b"{}", headers={"X-Webhook-Signature": good}, timeout=5).ok


def test_every_event_type_is_documented():
    table = re.findall(r"^\| `([a-z_.]+)` \|", DOC, re.M)
    assert table == list(EVENT_TYPES)
