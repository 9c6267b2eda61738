"""The webhook admin: the model's permissions, not a staff flag, open its pages and actions;
an endpoint's secret is shown once, when it is set, and on no page after."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from auth_phone.models import Session
from profiles.services.users import create_user
from tests.conftest import admin_login
from tests.factories import WebhookEndpointFactory, session
from tests.phones import next_phone
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

SECRET = "whsec-admin-test-secret-value"
ENDPOINTS = "/admin/webhooks/webhookendpoint/"
DELIVERIES = "/admin/webhooks/webhookdelivery/"
EVENTS = "/admin/webhooks/webhookevent/"


@pytest.fixture(autouse=True)
def _private_allowed(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    monkeypatch.setattr(services, "_publish", lambda ids: None)


def staff_client(*codenames: str) -> Client:
    """A staff account (not superuser) with only these permissions, logged in to the admin
    by its password."""
    user = create_user(phone=next_phone(), is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    admin_login(client, user)
    return client


@pytest.fixture
def disabled_endpoint(db):
    return WebhookEndpointFactory(
        url="http://127.0.0.1:9/x", secret=SECRET, active=False, disabled_reason="failing"
    )


@pytest.fixture
def delivery(disabled_endpoint):
    """A delivery made while the endpoint was active; it is disabled again, so the accounts
    a test creates add no deliveries."""
    WebhookEndpoint.objects.filter(pk=disabled_endpoint.pk).update(active=True)
    services.emit_event("user.created", {"user_id": 1})
    WebhookEndpoint.objects.filter(pk=disabled_endpoint.pk).update(active=False)
    return WebhookDelivery.objects.get()


def run_action(client: Client, changelist: str, action: str, pk):
    return client.post(changelist, {"action": action, "_selected_action": [pk]})


def test_a_staff_account_without_webhook_permissions_sees_and_does_nothing(
    disabled_endpoint, delivery
):
    client = staff_client()
    for url in (
        ENDPOINTS,
        f"{ENDPOINTS}add/",
        f"{ENDPOINTS}{disabled_endpoint.pk}/change/",
        DELIVERIES,
        f"{DELIVERIES}{delivery.pk}/change/",
        EVENTS,
    ):
        assert client.get(url).status_code == 403, url
    assert run_action(client, ENDPOINTS, "enable", disabled_endpoint.pk).status_code == 403
    assert run_action(client, DELIVERIES, "send_again", delivery.pk).status_code == 403
    response = client.post(
        f"{ENDPOINTS}add/", {"url": "http://127.0.0.1/y", "events": ["*"], "active": "on"}
    )
    assert response.status_code == 403
    assert WebhookEndpoint.objects.count() == 1
    assert not WebhookEndpoint.objects.get().active
    assert WebhookDelivery.objects.count() == 1


def test_view_permission_shows_the_pages_but_runs_no_action(disabled_endpoint, delivery):
    client = staff_client("view_webhookendpoint", "view_webhookdelivery", "view_webhookevent")
    for url in (ENDPOINTS, DELIVERIES, f"{DELIVERIES}{delivery.pk}/change/", EVENTS):
        page = client.get(url)
        assert page.status_code == 200, url
        assert 'value="enable"' not in page.content.decode()
        assert 'value="send_again"' not in page.content.decode()
    page = client.get(f"{ENDPOINTS}{disabled_endpoint.pk}/change/").content.decode()
    assert SECRET not in page and 'name="new_secret"' not in page

    run_action(client, ENDPOINTS, "enable", disabled_endpoint.pk)
    run_action(client, DELIVERIES, "send_again", delivery.pk)
    change = client.post(
        f"{ENDPOINTS}{disabled_endpoint.pk}/change/",
        {"url": "http://127.0.0.1/y", "events": ["*"], "active": "on", "new_secret": "on"},
    )

    assert change.status_code == 403
    endpoint = WebhookEndpoint.objects.get()
    assert not endpoint.active and endpoint.url == "http://127.0.0.1:9/x"
    assert endpoint.secret == SECRET
    assert WebhookDelivery.objects.count() == 1


def test_change_permission_runs_the_actions(disabled_endpoint, delivery):
    client = staff_client(
        "view_webhookendpoint", "change_webhookendpoint", "change_webhookdelivery"
    )
    assert run_action(client, ENDPOINTS, "enable", disabled_endpoint.pk).status_code == 302
    assert run_action(client, DELIVERIES, "send_again", delivery.pk).status_code == 302
    assert WebhookEndpoint.objects.get().active
    assert WebhookDelivery.objects.count() == 2


def test_a_new_endpoints_secret_is_made_and_shown_once(admin_client):
    response = admin_client.post(
        f"{ENDPOINTS}add/", {"url": "http://127.0.0.1/x", "events": ["*"], "active": "on"}
    )

    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 200
    assert len(endpoint.secret) >= 40
    assert f"<code>{endpoint.secret}</code>" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "messages" not in response.cookies  # not kept for a later page either
    for url in (ENDPOINTS, f"{ENDPOINTS}{endpoint.pk}/change/"):
        assert endpoint.secret not in admin_client.get(url).content.decode(), url


def test_a_secret_typed_in_is_kept_and_never_shown_again(admin_client):
    response = admin_client.post(
        f"{ENDPOINTS}add/",
        {"url": "http://127.0.0.1/x", "secret": SECRET, "events": ["*"], "active": "on"},
    )

    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == SECRET and SECRET in response.content.decode()
    page = admin_client.get(f"{ENDPOINTS}{endpoint.pk}/change/").content.decode()
    assert SECRET not in page
    assert 'name="secret"' not in page


def test_replacing_the_secret_shows_the_new_one_once(admin_client, disabled_endpoint):
    url = f"{ENDPOINTS}{disabled_endpoint.pk}/change/"
    form = {"url": disabled_endpoint.url, "events": ["*"]}

    kept = admin_client.post(url, form)
    assert kept.status_code == 302
    assert WebhookEndpoint.objects.get().secret == SECRET

    replaced = admin_client.post(url, {**form, "new_secret": "on"})
    new = WebhookEndpoint.objects.get().secret
    assert replaced.status_code == 200
    assert new != SECRET and f"<code>{new}</code>" in replaced.content.decode()
    assert new not in admin_client.get(url).content.decode()


def test_no_admin_page_shows_a_token_its_id_or_a_webhook_secret(admin_client, delivery):
    """Every registered model's list and each of its objects' pages, with a live session
    (refresh and access token) and an endpoint: none of their secrets is on any page."""
    user = create_user(phone=next_phone())
    tokens = session(user)
    secrets = {
        tokens["refresh"],
        tokens["access"],
        tokens["refresh"].split(".")[2],  # the signature alone
        Session.objects.get(user=user).current_jti,
        SECRET,
    }
    assert WebhookEvent.objects.exists()

    pages = 0
    for model in apps.get_models():
        if not admin.site.is_registered(model):
            continue
        info = (model._meta.app_label, model._meta.model_name)
        urls = [reverse("admin:{}_{}_changelist".format(*info))]
        urls += [
            reverse("admin:{}_{}_change".format(*info), args=[pk])
            for pk in model._default_manager.values_list("pk", flat=True)[:20]
        ]
        for url in urls:
            page = admin_client.get(url)
            assert page.status_code == 200, url
            text = page.content.decode()
            assert not [s for s in secrets if s in text], url
            pages += 1
    assert pages > 10
