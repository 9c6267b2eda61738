"""The conversion guard per country calling code, against the real Redis and PostgreSQL:
a calling code whose codes go unused is suspended (429 `sms_route_suspended`, nothing
created, sent or counted), once, with one alert; other calling codes and codes already
sent keep working; an operator lifts it in the admin, at once and on fresh counts."""

import logging
import time

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from prometheus_client import REGISTRY

from auth_phone.models import LoginCode, RouteSuspension
from profiles.models import User
from profiles.services.users import create_user
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender
from tests.conftest import admin_login, last_code, run_in_threads
from tests.factories import client_for
from tests.phones import de_mobile, phone_number

CHANGELIST = "/admin/auth_phone/routesuspension/"


@pytest.fixture(autouse=True)
def guard(settings):
    """Three codes to a calling code within the hour before the guard judges it; half of
    them must be used. Germany is served too (another calling code)."""
    settings.SMS_ROUTE_GUARD_MIN_REQUESTS = 3
    settings.SMS_ROUTE_GUARD_MIN_CONVERSION = 0.5
    settings.SMS_ROUTE_SUSPEND_SECONDS = 3600
    settings.SMS_ALLOWED_REGIONS = ["RU", "DE"]


def ask(api, phone, ip="10.7.0.1"):
    return api.post("/auth/sms/", {"phone": phone}, format="json", REMOTE_ADDR=ip)


def log_in(api, phone):
    return api.post("/users/login/", {"phone": phone, "password": last_code(phone)})


def alerts(caplog) -> list[str]:
    """The guard's alert lines, of the fixtures and of the test."""
    records = caplog.get_records("setup") + caplog.records
    return [
        r.getMessage()
        for r in records
        if r.name == "core.ratelimit" and "SMS route" in r.getMessage()
    ]


def suspensions_counted(calling_code: str = "7") -> float:
    labels = {"calling_code": calling_code}
    return REGISTRY.get_sample_value("sms_route_suspensions_total", labels) or 0.0


def refusals_counted() -> float:
    return REGISTRY.get_sample_value("rate_limit_refusals_total", {"limit": "sms_route"}) or 0.0


def budget_used() -> int:
    return cache.get(f"sms:budget:{int(time.time() // 3600)}") or 0


@pytest.fixture
def suspended(api, caplog):
    """+7 suspended: three codes sent to it, none used; the fourth request suspended it."""
    for i in range(3):
        assert ask(api, phone_number(7000 + i)).status_code == 201
    caplog.set_level(logging.ERROR, logger="core.ratelimit")
    refused = ask(api, phone_number(7100))
    assert refused.status_code == 429, refused.content
    return refused


def test_a_calling_code_whose_codes_go_unused_is_suspended_and_nothing_is_spent(api, caplog):
    for i in range(3):
        assert ask(api, phone_number(7000 + i)).status_code == 201
    caplog.set_level(logging.ERROR, logger="core.ratelimit")
    counted, refusals = suspensions_counted(), refusals_counted()

    refused = ask(api, phone_number(7100), ip="10.7.0.2")

    assert refused.status_code == 429
    retry_after = int(refused["Retry-After"])
    assert 3590 <= retry_after <= 3600
    assert refused.json() == {
        "detail": "Sending login codes to numbers of this country is paused for now. "
        f"Try again in {retry_after} seconds.",
        "code": "sms_route_suspended",
    }
    # No user, no code, no SMS; no other limit or budget spent.
    assert not User.objects.filter(phone=phone_number(7100)).exists()
    assert LoginCode.objects.count() == SmsDelivery.objects.count() == 3
    assert len(LocmemSender.outbox) == 3
    assert cache.get(f"rl:sms:cooldown:{phone_number(7100)}") is None
    assert (cache.get(f"rl:sms:phone:{phone_number(7100)}") or 0) == 0
    assert cache.get("rl:sms:ip:10.7.0.2") == 0
    assert budget_used() == 3
    # The suspension is recorded with what the guard saw, alerted once and counted.
    suspension = RouteSuspension.objects.get()
    assert (suspension.calling_code, suspension.requested, suspension.used) == (7, 3, 0)
    assert suspension.holds() and suspension.lifted_at is None
    assert 3590 <= (suspension.until - suspension.suspended_at).total_seconds() <= 3600
    [alert] = alerts(caplog)
    assert "+7 suspended: 3 codes requested in the last hour, 0 used" in alert
    assert "+7911" not in alert and "+7" in alert
    assert suspensions_counted() == counted + 1
    assert refusals_counted() == refusals + 1


def test_while_suspended_every_request_is_refused_without_another_alert(api, caplog, suspended):
    counted = suspensions_counted()
    for i in range(3):
        again = ask(api, phone_number(7200 + i), ip=f"10.7.1.{i}")
        assert again.status_code == 429 and again.json()["code"] == "sms_route_suspended"
        assert 1 <= int(again["Retry-After"]) <= 3600
    assert len(alerts(caplog)) == 1
    assert RouteSuspension.objects.count() == 1
    assert suspensions_counted() == counted
    assert LoginCode.objects.count() == 3 and len(LocmemSender.outbox) == 3


def test_another_calling_code_is_unaffected(api, suspended):
    assert ask(api, de_mobile(1)).status_code == 201
    assert [m["phone"] for m in LocmemSender.outbox][-1] == de_mobile(1)


def test_an_exempt_calling_code_is_never_suspended_and_others_still_are(api, settings):
    settings.SMS_ROUTE_GUARD_EXEMPT = frozenset({7})
    for i in range(6):  # twice the threshold, none used
        assert ask(api, phone_number(7100 + i)).status_code == 201
    assert len(LocmemSender.outbox) == 6 and not RouteSuspension.objects.exists()
    for i in range(3):
        assert ask(api, de_mobile(10 + i)).status_code == 201
    response = ask(api, de_mobile(13))
    assert response.status_code == 429 and response.json()["code"] == "sms_route_suspended"
    assert RouteSuspension.objects.get().calling_code == 49


def test_codes_sent_before_the_suspension_still_log_in(api, suspended):
    response = log_in(api, phone_number(7001))
    assert response.status_code == 200, response.content


def test_a_calling_code_whose_codes_are_used_is_not_suspended(api):
    for i in range(2):
        assert ask(api, phone_number(7000 + i)).status_code == 201
        assert log_in(api, phone_number(7000 + i)).status_code == 200
    # Each request is judged on the codes sent before it.
    assert ask(api, phone_number(7002)).status_code == 201  # 2 sent: not judged yet
    assert ask(api, phone_number(7003)).status_code == 201  # 3 sent, 2 used
    assert ask(api, phone_number(7004)).status_code == 201  # 4 sent, 2 used: half
    assert ask(api, phone_number(7005)).status_code == 429  # 5 sent, 2 used: below half
    suspension = RouteSuspension.objects.get()
    assert (suspension.requested, suspension.used) == (5, 2)


def test_test_numbers_are_neither_sent_nor_used(api, settings):
    """A fixed test number sends no SMS: it neither suspends a route nor props one up."""
    settings.SMS_TEST_NUMBERS = {phone_number(7900): "4821"}
    for _ in range(5):
        assert ask(api, phone_number(7900)).status_code in (200, 201)
        response = api.post("/users/login/", {"phone": phone_number(7900), "password": "4821"})
        assert response.status_code == 200
    assert cache.keys("rl:sms:route:*") == []


def test_a_change_of_number_to_a_suspended_calling_code_is_refused_alike(suspended, user):
    response = client_for(user).patch(
        "/users/update/me/", {"phone": phone_number(7300)}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "sms_route_suspended"
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert not LoginCode.objects.filter(user=user).exists()
    assert len(LocmemSender.outbox) == 3


def test_a_confirmed_change_of_number_counts_as_a_used_code(api, user, run_on_commit, settings):
    settings.SMS_ROUTE_GUARD_MIN_CONVERSION = 0.3
    for i in range(2):
        assert ask(api, phone_number(7000 + i)).status_code == 201
    new = phone_number(7300)
    with run_on_commit():
        started = client_for(user).patch("/users/update/me/", {"phone": new}, format="json")
    assert started.status_code == 202, started.content
    with run_on_commit():
        confirmed = client_for(user).patch(
            "/users/update/sms/me/", {"phone": new, "sms_code": last_code(new)}, format="json"
        )
    assert confirmed.status_code == 200, confirmed.content
    # 3 sent, 1 used: a third is enough (without the confirmation, none would be used) ...
    assert ask(api, phone_number(7002)).status_code == 201
    # ... and 4 sent, 1 used is not.
    assert ask(api, phone_number(7003)).status_code == 429
    assert RouteSuspension.objects.get().used == 1


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def lift(client, *suspensions):
    return client.post(
        CHANGELIST,
        {"action": "lift", "_selected_action": [s.pk for s in suspensions]},
        follow=True,
    )


def test_the_admin_lists_the_suspension_and_lifts_it_at_once_on_fresh_counts(
    api, suspended, admin_client, admin_user
):
    page = admin_client.get(CHANGELIST)
    assert page.status_code == 200
    assert "+7" in page.content.decode() and "suspended" in page.content.decode()
    suspension = RouteSuspension.objects.get()

    answer = lift(admin_client, suspension)

    assert answer.status_code == 200
    assert "Lifted: +7." in answer.content.decode()
    suspension.refresh_from_db()
    assert suspension.lifted_at is not None
    assert suspension.lifted_by == admin_user
    # The next request gets its code; the stale counts (3 sent, none used) do not suspend
    # the route again at once: it is judged afresh after three more codes.
    assert ask(api, phone_number(7100)).status_code == 201
    assert last_code(phone_number(7100))
    assert ask(api, phone_number(7101)).status_code == 201
    assert ask(api, phone_number(7102)).status_code == 201
    assert ask(api, phone_number(7103)).status_code == 429
    assert RouteSuspension.objects.count() == 2


def test_lifting_an_ended_suspension_lifts_nothing(api, suspended, admin_client):
    old = RouteSuspension.objects.get()
    old.lifted_at = old.suspended_at
    old.save(update_fields=["lifted_at"])  # as if lifted, then suspended again
    RouteSuspension.objects.create(
        calling_code=7, until=old.until, requested=3, used=0, suspended_at=old.suspended_at
    )

    answer = lift(admin_client, old)

    assert "left as they were" in answer.content.decode()
    assert ask(api, phone_number(7100)).status_code == 429
    assert RouteSuspension.objects.filter(lifted_at__isnull=True).count() == 1


def test_staff_who_may_only_view_cannot_lift(api, suspended, db):
    clerk = create_user(phone=phone_number(2, code=999), is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_routesuspension"))
    client = Client()
    admin_login(client, clerk)
    assert client.get(CHANGELIST).status_code == 200
    suspension = RouteSuspension.objects.get()

    answer = lift(client, suspension)

    assert answer.status_code == 200
    assert "Lifted:" not in answer.content.decode()
    suspension.refresh_from_db()
    assert suspension.lifted_at is None
    assert ask(api, phone_number(7100)).status_code == 429


def test_parallel_requests_suspend_the_route_once(live_api, settings, caplog):
    settings.RATE_LIMITS_ENABLED = False
    settings.SMS_ROUTE_GUARD_MIN_REQUESTS = 4
    caplog.set_level(logging.ERROR, logger="core.ratelimit")

    statuses = run_in_threads(lambda i: ask(live_api, phone_number(7400 + i)).status_code, 12)

    assert sorted(statuses) == [201] * 4 + [429] * 8
    assert User.objects.count() == LoginCode.objects.count() == 4
    assert RouteSuspension.objects.count() == 1
    assert len(alerts(caplog)) == 1


def test_the_browser_form_says_so_in_the_visitors_language(client, db, suspended):
    page = client.post("/", {"phone": phone_number(7500)}, HTTP_ACCEPT_LANGUAGE="ru")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Отправка кодов для входа на номера этой страны временно приостановлена." in text
    assert not User.objects.filter(phone=phone_number(7500)).exists()
