"""A change of number against the limits: wrong confirmation codes count per client
address like failed logins (one address cannot guess the codes of many accounts), and the
notice to the old number takes a unit of the SMS budget and of that number's hourly
limits; over them the notice is skipped, never the change."""

from __future__ import annotations

import logging
import time

import pytest
from django.core.cache import cache
from django.test import Client

from auth_phone.models import LoginCode
from core import ratelimit
from core.ops import metrics
from profiles.models import User
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender
from tests.conftest import last_code
from tests.factories import client_for
from tests.phones import next_phone

UPDATE = "/users/update/me/"
CONFIRM = "/users/update/sms/me/"
ADDRESS, OTHER_ADDRESS = "203.0.113.7", "198.51.100.9"


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """Ask for a change of `user`'s number to a new one; return the new number."""

    def _start(user: User) -> str:
        phone = next_phone()
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(user).patch(UPDATE, {"phone": phone}, format="json")
        assert response.status_code == 202, response.content
        return phone

    return _start


@pytest.fixture
def confirm(django_capture_on_commit_callbacks):
    def _confirm(user: User, phone: str, code: str, address: str = ADDRESS):
        with django_capture_on_commit_callbacks(execute=True):
            return client_for(user).patch(
                CONFIRM, {"phone": phone, "sms_code": code}, format="json", REMOTE_ADDR=address
            )

    return _confirm


def wrong(phone: str) -> str:
    return "0000" if last_code(phone) != "0000" else "1111"


def test_wrong_codes_from_one_address_across_accounts_are_limited(
    make_user, start, confirm, settings
):
    settings.LOGIN_FAILURES_IP_HOURLY_LIMIT = 3
    accounts = [make_user() for _ in range(5)]
    changes = [(user, start(user)) for user in accounts]

    answers = [confirm(user, phone, wrong(phone)) for user, phone in changes[:4]]

    assert [a.status_code for a in answers] == [400, 400, 400, 429]
    assert answers[3].json()["detail"].startswith("Too many failed logins from your address.")
    assert int(answers[3]["Retry-After"]) > 0
    # The refused guess was not looked at: its code has all its attempts.
    user, phone = changes[3]
    assert LoginCode.objects.get(user=user, purpose="phone_change").attempts == 0
    # Another address still guesses, and the right code from there moves its account.
    user, phone = changes[4]
    assert confirm(user, phone, wrong(phone), OTHER_ADDRESS).status_code == 400
    assert confirm(user, phone, last_code(phone), OTHER_ADDRESS).status_code == 200
    # The refused address is refused even with a right code.
    user, phone = changes[3]
    assert confirm(user, phone, last_code(phone)).status_code == 429
    user.refresh_from_db()
    assert user.phone != phone


def test_the_browser_form_counts_per_address_too(make_user, start, settings):
    settings.LOGIN_FAILURES_IP_HOURLY_LIMIT = 1
    first, second = make_user(), make_user()
    phones = {first.pk: start(first), second.pk: start(second)}
    pages = []
    for user in (first, second):
        client = Client(REMOTE_ADDR=ADDRESS)
        client.force_login(user)
        pages.append(client.post("/profile/phone/", {"code": wrong(phones[user.pk])}))
    assert [p.status_code for p in pages] == [200, 200]
    assert "Too many failed logins from your address." not in pages[0].content.decode()
    assert "Too many failed logins from your address." in pages[1].content.decode()
    assert LoginCode.objects.get(user=second, purpose="phone_change").attempts == 0


def budget_used() -> int:
    return cache.get(f"sms:budget:{int(time.time() // 3600)}") or 0


def test_the_notice_takes_a_unit_of_the_budget_and_of_the_old_numbers_limits(user, start, confirm):
    old_phone = user.phone
    phone = start(user)
    assert budget_used() == 1  # the code to the new number

    assert confirm(user, phone, last_code(phone)).status_code == 200

    assert budget_used() == 2
    assert cache.get(f"rl:sms:phone:{old_phone}") == 1
    assert cache.get(f"rl:sms:phone:{old_phone}:{ADDRESS}") == 1
    assert len([m for m in LocmemSender.outbox if m["phone"] == old_phone]) == 1


@pytest.mark.parametrize(
    ("setting", "spend", "label"),
    [
        ("SMS_HOURLY_BUDGET", "sms.budget", "sms_budget"),
        ("SMS_PHONE_HOURLY_LIMIT_ALL_NETWORKS", "code.phone.all", "sms_phone_all"),
        ("SMS_PHONE_HOURLY_LIMIT", "code.phone", "sms_phone"),
    ],
)
def test_over_a_limit_the_notice_is_skipped_and_the_change_succeeds(
    user, start, confirm, settings, caplog, setting, spend, label
):
    old_phone = user.phone
    phone = start(user)
    setattr(settings, setting, 2)
    ratelimit.reserve(spend, phone=old_phone, net=ADDRESS)  # 2 of 2 spent now
    if spend != "sms.budget":
        ratelimit.reserve(spend, phone=old_phone, net=ADDRESS)
    refusals = metrics.RATE_LIMITED.labels(label)._value.get()
    caplog.set_level(logging.WARNING, logger="auth_phone.services.phone_change")

    response = confirm(user, phone, last_code(phone))

    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.phone == phone
    assert not [m for m in LocmemSender.outbox if m["phone"] == old_phone]
    assert not SmsDelivery.objects.filter(phone=old_phone).exists()
    assert metrics.RATE_LIMITED.labels(label)._value.get() == refusals + 1
    (record,) = [r for r in caplog.records if "notice" in r.getMessage()]
    assert f"user {user.pk} not sent" in record.getMessage()
    assert old_phone not in record.getMessage()
    # Nothing taken for the skipped notice.
    assert budget_used() == (2 if spend == "sms.budget" else 1)
