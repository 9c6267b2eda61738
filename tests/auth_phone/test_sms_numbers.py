"""Fixed test numbers (app-store review), QA scenario numbers, and the code's length."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

from auth_phone.models import LoginCode
from tasks import services
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender
from tests.conftest import last_code
from tests.phones import (
    NOT_A_SCENARIO,
    NOT_E164_TEST_NUMBER,
    OTHER_TEST_NUMBER,
    SCENARIO_NO_RECEIPT,
    SCENARIO_REFUSED,
    SCENARIO_RETRIED,
    SCENARIO_UNDELIVERED,
    TEST_NUMBER,
    phone_number,
)
from tests.support.smsaero_stub import SmsAeroStub

REPO = Path(__file__).resolve().parents[2]
TEST_PHONE, TEST_CODE = TEST_NUMBER, "4821"


def uses(use: str) -> float:
    return REGISTRY.get_sample_value("sms_test_number_uses_total", {"use": use}) or 0.0


@pytest.fixture
def test_number(settings):
    settings.DEBUG = False
    settings.SMS_TEST_NUMBERS = {TEST_PHONE: TEST_CODE}
    settings.SMS_HOURLY_BUDGET = 1  # one code for everybody else this hour
    return settings


def test_a_test_number_logs_in_with_its_code_and_the_provider_receives_nothing(
    api, test_number, settings
):
    before = uses("code_request"), uses("login")
    with SmsAeroStub() as stub:
        settings.SMS_BACKEND = "smsaero"
        settings.SMSAERO_API_URL = stub.url
        # More requests than the cooldown, the number's hourly limit and the budget allow.
        for _ in range(settings.SMS_PHONE_HOURLY_LIMIT + 2):
            response = api.post("/auth/sms/", {"phone": TEST_PHONE}, format="json")
            assert response.status_code in (200, 201), response.content
            body = response.json()
            assert set(body) == {"detail", "phone", "task_id", "expires_in", "resend_in"}
        login = api.post("/users/login/", {"phone": TEST_PHONE, "code": TEST_CODE}, format="json")
        assert login.status_code == 200 and "access" in login.json()
        # The budget is untouched: an ordinary number still gets the hour's one code.
        other = api.post("/auth/sms/", {"phone": phone_number()}, format="json")
        assert other.status_code == 201
    assert [r["json"]["number"] for r in stub.requests] == [phone_number().lstrip("+")]
    assert LocmemSender.outbox == []

    test_rows = SmsDelivery.objects.filter(phone=TEST_PHONE)
    assert {(d.status, d.scenario, d.attempts) for d in test_rows} == {("skipped", "test", 0)}
    status = api.get(f"/tasks/{body['task_id']}/").json()
    assert status["status"] == "SUCCESS"
    assert uses("code_request") - before[0] == settings.SMS_PHONE_HOURLY_LIMIT + 2
    assert uses("login") - before[1] == 1


def test_wrong_codes_for_a_test_number_are_limited_as_for_any_number(api, test_number, settings):
    api.post("/auth/sms/", {"phone": TEST_PHONE}, format="json")
    for _ in range(settings.LOGIN_CODE_MAX_ATTEMPTS):
        wrong = api.post("/users/login/", {"phone": TEST_PHONE, "code": "0000"}, format="json")
        assert wrong.status_code == 400
    right = api.post("/users/login/", {"phone": TEST_PHONE, "code": TEST_CODE}, format="json")
    assert right.status_code == 400 and right.json()["code"] == "invalid_code"
    assert LoginCode.objects.get().used_at is None


def test_a_test_numbers_code_opens_no_other_number(api, test_number):
    api.post("/auth/sms/", {"phone": phone_number()}, format="json")
    if last_code(phone_number()) == TEST_CODE:
        pytest.skip("the number's own code happens to be the test code")
    login = api.post("/users/login/", {"phone": phone_number(), "code": TEST_CODE}, format="json")
    assert login.status_code == 400 and login.json()["code"] == "invalid_code"


def check(**env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_DEBUG": "false", **env}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO / "backend",
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMS_TEST_NUMBERS": f"{NOT_E164_TEST_NUMBER}=4821"}, "is not '<E.164 number>=<code>'"),
        ({"SMS_TEST_NUMBERS": TEST_NUMBER}, "is not '<E.164 number>=<code>'"),
        ({"SMS_TEST_NUMBERS": f"{TEST_NUMBER}=12345"}, "must be 4 digits"),
        ({"LOGIN_CODE_LENGTH": "9"}, "LOGIN_CODE_LENGTH must be 4 to 8"),
        ({"SMS_ANDROID_APP_HASH": "short"}, "SMS_ANDROID_APP_HASH must be the 11"),
    ],
)
def test_a_wrong_setting_stops_the_service_at_start_with_a_clear_message(env, message):
    result = check(**env)
    assert result.returncode != 0 and message in result.stderr


def test_valid_test_numbers_start(db):
    result = check(SMS_TEST_NUMBERS=f"{TEST_NUMBER}=4821,{OTHER_TEST_NUMBER}=1397")
    assert result.returncode == 0, result.stderr


# --- The code's length ------------------------------------------------------------------
def test_a_six_digit_configuration_logs_in_with_six_digits_and_refuses_four(api, settings):
    settings.LOGIN_CODE_LENGTH = 6
    phone = phone_number()
    api.post("/auth/sms/", {"phone": phone}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    code = re.search(r"\b(\d{6})\b", LocmemSender.outbox[-1]["text"]).group(1)
    short = api.post("/users/login/", {"phone": phone, "password": code[:4]}, format="json")
    assert short.status_code == 400
    assert short.json() == {"password": ["The code is 6 digits."]}
    assert LoginCode.objects.get().attempts == 0  # a field error costs no attempt
    login = api.post("/users/login/", {"phone": phone, "password": code}, format="json")
    assert login.status_code == 200


def test_the_field_error_speaks_the_requests_language(api, settings):
    settings.LOGIN_CODE_LENGTH = 8
    response = api.post(
        "/users/login/",
        {"phone": phone_number(), "password": "1234"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.json() == {"password": ["Код состоит из 8 цифр."]}


# --- QA scenario numbers (simulated sender) ---------------------------------------------
@pytest.fixture
def simulated(settings):
    settings.SMS_BACKEND = "simulated"
    settings.SMS_RETRY_BACKOFF = 0
    return settings


@pytest.mark.parametrize(
    ("phone", "status", "attempts", "message_id", "receipt"),
    [
        (SCENARIO_RETRIED, "sent", 2, "sim-", "delivered"),
        (SCENARIO_REFUSED, "failed", 1, "", ""),
        (SCENARIO_UNDELIVERED, "sent", 1, "sim-undelivered-", "undelivered"),
        (SCENARIO_NO_RECEIPT, "sent", 1, "sim-noreceipt-", "expired"),
        (NOT_A_SCENARIO, "sent", 1, "sim-", "delivered"),  # not a scenario number
    ],
)
def test_each_scenario_number_ends_in_its_state(
    api, simulated, phone, status, attempts, message_id, receipt
):
    response = api.post("/auth/sms/", {"phone": phone}, format="json")
    assert response.status_code == 201
    delivery = SmsDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (status, attempts)
    assert delivery.provider_message_id.startswith(message_id)
    assert bool(delivery.scenario) == (phone != NOT_A_SCENARIO)
    if status == "failed":
        assert "QA scenario" in delivery.error
    task = api.get(f"/tasks/{response.json()['task_id']}/").json()
    assert task["status"] == "SUCCESS"

    # The receipt poll (maintenance queue), asked until the give-up time.
    simulated.SMS_RECEIPT_GIVE_UP = 0
    SmsDelivery.objects.filter(receipt_due_at__isnull=False).update(receipt_due_at=timezone.now())
    assert services.poll_receipts() == (0 if status == "failed" else 1)
    delivery.refresh_from_db()
    assert delivery.receipt == receipt
    assert (delivery.receipt_at is not None) == bool(receipt)


def test_scenario_numbers_are_ordinary_numbers_for_a_real_provider(api, settings):
    with SmsAeroStub() as stub:
        settings.SMS_BACKEND = "smsaero"
        settings.SMSAERO_API_URL = stub.url
        assert api.post("/auth/sms/", {"phone": SCENARIO_REFUSED}, format="json").status_code == 201
    delivery = SmsDelivery.objects.get()
    assert delivery.status == "sent" and delivery.scenario == "" and len(stub.requests) == 1


def test_the_code_page_follows_the_length_and_asks_the_browser_for_the_code(db, settings):
    from django.test import Client

    settings.LOGIN_CODE_LENGTH = 6
    settings.SMS_WEBOTP_DOMAIN = "referral.example.com"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post("/", {"phone": phone_number()})
    page = client.get("/login/code/").content.decode()
    assert 'autocomplete="one-time-code"' in page and 'placeholder="000000"' in page
    assert "We sent a 6-digit code" in page and "ui/web-otp.js" in page
    settings.SMS_WEBOTP_DOMAIN = ""
    assert "ui/web-otp.js" not in client.get("/login/code/").content.decode()


@pytest.mark.parametrize(
    ("phone", "status", "line"),
    [
        (SCENARIO_RETRIED, "sent", "SMS sent (attempt 2)."),
        (SCENARIO_REFUSED, "failed", "The SMS could not be sent."),
        (SCENARIO_UNDELIVERED, "sent", "SMS sent."),
        (SCENARIO_NO_RECEIPT, "sent", "SMS sent."),
    ],
)
def test_the_code_page_shows_where_the_sms_of_a_scenario_number_stands(
    db, simulated, django_capture_on_commit_callbacks, phone, status, line
):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):  # the task runs (eagerly)
        client.post("/", {"phone": phone})
    page = client.get("/login/code/").content.decode()
    shown = re.search(r'<p class="sms-status"[^>]*data-status="(\w+)"([^>]*)>\s*(.*?)\s*</p>', page)
    assert shown is not None, page
    assert shown.group(1) == status and shown.group(3).startswith(line)
    assert "data-pending" not in shown.group(2) and "sms-status.js" not in page  # final


@pytest.mark.parametrize(
    ("status", "attempts", "shown", "line"),
    [
        ("queued", 0, "sending", "Отправляем SMS…"),
        ("sending", 1, "sending", "Отправляем SMS…"),
        ("retrying", 1, "retrying", "С первой попытки SMS не ушло; пробуем ещё раз…"),
    ],
)
def test_the_code_page_refreshes_the_state_of_an_sms_on_its_way_in_russian(
    db, simulated, status, attempts, shown, line
):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.post("/", {"phone": SCENARIO_NO_RECEIPT})
    SmsDelivery.objects.update(status=status, attempts=attempts)
    page = client.get("/login/code/").content.decode()
    assert re.search(rf'data-status="{shown}" data-pending>\s*{line}\s*</p>', page), page
    assert "ui/sms-status.js" in page


def test_a_test_number_shows_as_sent_like_any_other(db, test_number):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post("/", {"phone": TEST_PHONE})
    assert SmsDelivery.objects.get().status == "skipped"
    assert 'data-status="sent">' in client.get("/login/code/").content.decode()
