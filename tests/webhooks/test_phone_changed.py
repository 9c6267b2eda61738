"""phone.changed: recorded in the transaction that moves the account, with both numbers;
a refused confirmation records nothing."""

import pytest

from profiles.services.users import create_user
from tests.conftest import last_code
from tests.factories import WebhookEndpointFactory, client_for
from tests.phones import phone_number
from webhooks import services
from webhooks.models import WebhookEvent

OLD, NEW = phone_number(), phone_number(9876543, code=921)


@pytest.fixture
def published(monkeypatch):
    calls = []
    monkeypatch.setattr(services, "_publish", lambda ids: calls.extend(ids))
    return calls


def test_a_confirmed_change_records_phone_changed(
    db, django_capture_on_commit_callbacks, published
):
    user = create_user(phone=OLD)
    WebhookEndpointFactory(url="https://hooks.example.com/x", secret="s", events=["phone.changed"])
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.patch("/users/update/me/", {"phone": NEW}, format="json").status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        wrong_code = "0000" if last_code(NEW) != "0000" else "1111"
        wrong = client.patch(
            "/users/update/sms/me/", {"phone": NEW, "sms_code": wrong_code}, format="json"
        )
    assert wrong.status_code == 400
    assert not WebhookEvent.objects.exists() and published == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            "/users/update/sms/me/", {"phone": NEW, "sms_code": last_code(NEW)}, format="json"
        )
    assert response.status_code == 200

    event = WebhookEvent.objects.get()
    assert event.type == "phone.changed"
    assert {k: event.data[k] for k in ("user_id", "old_phone", "new_phone")} == {
        "user_id": user.pk, "old_phone": OLD, "new_phone": NEW,
    }  # fmt: skip
    assert event.data["changed_at"].endswith("Z")
    assert len(published) == 1
