"""The development inbox: the simulated sender keeps the last SMS of a phone for /dev/sms/."""

import re

import pytest

from tests.phones import phone_number, spelled

PHONE = phone_number()


@pytest.fixture
def simulated(settings):
    settings.SMS_BACKEND = "simulated"
    settings.SMS_DELAY_MIN = settings.SMS_DELAY_MAX = 0
    settings.DEBUG = True  # the inbox is a development tool
    return settings


def test_inbox_shows_the_latest_simulated_sms(api, simulated):
    simulated.SMS_DEV_INBOX = True
    asked = api.post("/auth/sms/", {"phone": PHONE}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert asked.status_code == 201
    response = api.get("/dev/sms/", {"phone": spelled(phone_number(), "8 ### ### ## ##")})
    assert response.status_code == 200
    body = response.json()
    assert body["phone"] == PHONE
    assert body["text"].startswith("Your login code: ")
    code = body["text"].split(": ")[1][:4]
    assert body["code"] == code
    login = api.post("/users/login/", {"phone": PHONE, "password": body["code"]}, format="json")
    assert login.status_code == 200


def test_inbox_time_is_in_the_z_form_of_the_other_timestamps(api, simulated):
    simulated.SMS_DEV_INBOX = True
    api.post("/auth/sms/", {"phone": PHONE}, format="json")
    sent_at = api.get("/dev/sms/", {"phone": PHONE}).json()["sent_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", sent_at), sent_at


def test_inbox_code_is_null_for_a_message_without_one(api, simulated):
    from tasks import sms

    simulated.SMS_DEV_INBOX = True
    sms.SimulatedSender().send(phone=PHONE, text="Welcome back in 5 min.")
    body = api.get("/dev/sms/", {"phone": PHONE}).json()
    assert body["text"] == "Welcome back in 5 min." and body["code"] is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Your login code: 4821. It expires in 5 min.", "4821"),
        ("0042 is your code", "0042"),
        ("code 12345678", "12345678"),
        (f"call {phone_number()}", None),
        ("123 and 45", None),
    ],
)
def test_code_in_text_finds_a_standalone_run_of_four_to_eight_digits(text, code):
    from tasks import sms

    assert sms.code_in_text(text) == code


def test_inbox_is_404_when_switched_off(api, simulated):
    simulated.SMS_DEV_INBOX = False
    api.post("/auth/sms/", {"phone": PHONE}, format="json")
    assert api.get("/dev/sms/", {"phone": PHONE}).status_code == 404


def test_inbox_is_404_without_debug_even_when_switched_on(api, simulated):
    simulated.SMS_DEV_INBOX = True
    simulated.DEBUG = False
    asked = api.post("/auth/sms/", {"phone": PHONE}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert asked.status_code == 201
    assert api.get("/dev/sms/", {"phone": PHONE}).status_code == 404
    # ...and the worker kept no copy to show once DEBUG is switched on.
    simulated.DEBUG = True
    assert api.get("/dev/sms/", {"phone": PHONE}).status_code == 404


def test_inbox_is_404_with_a_real_sender(api, settings):
    settings.DEBUG = True
    settings.SMS_DEV_INBOX = True
    settings.SMS_BACKEND = "smsaero"
    assert api.get("/dev/sms/", {"phone": PHONE}).status_code == 404


def test_inbox_is_404_before_any_sms(api, simulated):
    simulated.SMS_DEV_INBOX = True
    assert api.get("/dev/sms/", {"phone": PHONE}).status_code == 404


def test_inbox_wants_a_valid_phone(api, simulated):
    simulated.SMS_DEV_INBOX = True
    response = api.get("/dev/sms/", {"phone": "nope"})
    assert response.status_code == 400
    assert "phone" in response.json()


def test_simulated_sender_waits_in_the_worker(simulated, monkeypatch):
    from tasks import sms

    slept = []
    monkeypatch.setattr(sms.time, "sleep", slept.append)
    simulated.SMS_DELAY_MIN, simulated.SMS_DELAY_MAX = 1.0, 2.0
    sms.SimulatedSender().send(phone=PHONE, text="hi")
    assert len(slept) == 1 and 1.0 <= slept[0] <= 2.0
