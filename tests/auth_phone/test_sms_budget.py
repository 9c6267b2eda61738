"""The service-wide hourly SMS budget against the real Redis: counted first (INCR), given
back on refusal, 503 with Retry-After, and one error line per hour for the operator."""

import logging
import time

import pytest
from django.core.cache import cache

from auth_phone.models import LoginCode
from core import ratelimit
from profiles.models import User
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender
from tests.conftest import run_in_threads
from tests.phones import phone_number


def ask(api, phone, ip):
    return api.post("/auth/sms/", {"phone": phone}, format="json", REMOTE_ADDR=ip)


def budget_lines(caplog) -> list:
    return [r for r in caplog.records if r.name == "core.ratelimit"]


def used() -> int:
    return sum(cache.get(key) for key in cache.keys("sms:budget:*") if ":logged" not in key)


def test_default_budget_is_1000(settings):
    assert settings.SMS_HOURLY_BUDGET == 1000


def test_over_the_budget_code_requests_answer_503_and_send_nothing(api, settings, caplog):
    settings.SMS_HOURLY_BUDGET = 3
    for i in range(3):
        assert ask(api, phone_number(1234500 + i), f"10.3.0.{i}").status_code == 201
    caplog.set_level(logging.ERROR, logger="core.ratelimit")

    refused = ask(api, phone_number(1234599), "10.3.1.1")

    assert refused.status_code == 503
    retry_after = int(refused["Retry-After"])
    assert 1 <= retry_after <= 3600
    assert refused.json() == {
        "detail": "The service has sent as many login codes this hour as it may. "
        f"Try again in {retry_after} seconds.",
        "code": "sms_budget_exhausted",
    }
    # Nothing happened for the refused number, and its unit was given back.
    assert not User.objects.filter(phone=phone_number(1234599)).exists()
    assert LoginCode.objects.count() == SmsDelivery.objects.count() == 3
    assert len(LocmemSender.outbox) == 3
    assert used() == 3
    assert cache.get(f"rl:sms:cooldown:{phone_number(1234599)}") is None
    assert (cache.get(f"rl:sms:phone:{phone_number(1234599)}") or 0) == 0
    assert cache.get("rl:sms:ip:10.3.1.1") == 0
    # One error line says so, without the number.
    assert len(budget_lines(caplog)) == 1
    record = budget_lines(caplog)[0]
    assert record.levelno == logging.ERROR and "budget reached" in record.getMessage()
    assert "+7911" not in record.getMessage()


def test_the_error_line_is_written_once_per_hour(api, settings, caplog):
    settings.SMS_HOURLY_BUDGET = 1
    assert ask(api, phone_number(1234500), "10.3.0.1").status_code == 201
    caplog.set_level(logging.ERROR, logger="core.ratelimit")
    for i in range(3):
        assert ask(api, phone_number(1234510 + i), f"10.3.2.{i}").status_code == 503
    assert len(budget_lines(caplog)) == 1


def test_a_request_refused_by_another_limit_costs_no_budget(api, settings):
    settings.SMS_HOURLY_BUDGET = 2
    assert ask(api, phone_number(1234500), "10.3.0.1").status_code == 201
    assert ask(api, phone_number(1234500), "10.3.0.1").status_code == 429  # cooldown
    assert used() == 1
    assert ask(api, phone_number(1234501), "10.3.0.2").status_code == 201


def test_zero_means_no_budget(api, settings):
    settings.SMS_HOURLY_BUDGET = 0
    assert ask(api, phone_number(1234500), "10.3.0.1").status_code == 201
    assert cache.keys("sms:budget:*") == []


def test_a_failed_request_gives_its_unit_back(api, settings, monkeypatch):
    settings.SMS_HOURLY_BUDGET = 5

    def broken(**kwargs):
        raise RuntimeError("queue failed")

    monkeypatch.setattr("auth_phone.services.codes.queue_login_code_sms", broken)
    with pytest.raises(RuntimeError):
        ask(api, phone_number(1234500), "10.3.0.1")
    assert used() == 0


def test_giving_back_a_vanished_counter_does_not_raise():
    taken = ratelimit.reserve("sms.budget")
    cache.delete_pattern("sms:budget:*")
    taken.release()
    assert cache.keys("sms:budget:*") == []
    ratelimit.Reservations().release()  # nothing taken


def test_parallel_requests_never_pass_the_budget_together(live_api, settings):
    settings.SMS_HOURLY_BUDGET = 4
    settings.RATE_LIMITS_ENABLED = False

    def request(i):
        return ask(live_api, phone_number(1234600 + i), f"10.4.0.{i}").status_code

    statuses = run_in_threads(request, 12)

    assert sorted(statuses) == [201] * 4 + [503] * 8
    assert used() == 4
    assert User.objects.count() == LoginCode.objects.count() == 4


def test_the_browser_form_says_so_in_the_visitors_language(client, db, settings):
    settings.SMS_HOURLY_BUDGET = 1
    cache.add(f"sms:budget:{int(time.time() // 3600)}", 1, 7200)
    page = client.post("/", {"phone": phone_number()}, HTTP_ACCEPT_LANGUAGE="ru")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Сервис уже отправил столько кодов для входа, сколько можно за этот час." in text
    assert not User.objects.exists()
