import json

import pytest
from django.test import override_settings

from auth_phone.models import LoginCode
from profiles.models import User
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender
from tests.conftest import run_in_threads
from tests.phones import phone_number

PHONE = phone_number()


def test_new_phone_creates_user_and_answers_201(api):
    response = api.post("/auth/sms/", {"phone": PHONE}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["detail"] == "User created and SMS sent."
    assert body["phone"] == PHONE
    assert body["expires_in"] == 300
    assert body["resend_in"] == 60
    user = User.objects.get(phone=PHONE)
    assert len(user.invite_code) == 6 and user.invite_code.isalnum()
    assert user.invite_code == user.invite_code.upper()
    assert not user.has_usable_password()
    delivery = SmsDelivery.objects.get()
    assert delivery.task_id == body["task_id"]
    assert delivery.status == SmsDelivery.Status.SENT
    assert [m["phone"] for m in LocmemSender.outbox] == [PHONE]


def test_known_phone_answers_200(api, settings):
    settings.RATE_LIMITS_ENABLED = False
    assert api.post("/auth/sms/", {"phone": PHONE}, format="json").status_code == 201
    response = api.post("/auth/sms/", {"phone": PHONE}, format="json")
    assert response.status_code == 200
    assert response.json()["detail"] == "SMS sent to existing user."
    assert User.objects.count() == 1


def test_code_is_stored_only_as_a_keyed_hash(api, request_code):
    code = request_code(PHONE)
    login_code = LoginCode.objects.get()
    assert len(login_code.code_hash) == 64
    assert code not in login_code.code_hash
    assert login_code.attempts == 0 and login_code.used_at is None


def test_a_live_code_is_sent_again_and_a_dead_one_replaced(api, request_code, settings):
    settings.RATE_LIMITS_ENABLED = False
    code = request_code(PHONE)
    first = LoginCode.objects.get()
    assert request_code(PHONE) == code and LoginCode.objects.get().pk == first.pk
    LoginCode.objects.update(attempts=settings.LOGIN_CODE_MAX_ATTEMPTS)  # the code is dead
    request_code(PHONE)
    remaining = LoginCode.objects.get()
    assert remaining.pk != first.pk


def test_request_returns_before_the_sms_is_sent(api, monkeypatch):
    """The answer does not wait for the worker: the task is only queued (after commit),
    and the delivery is still `queued` when the response arrives."""
    from auth_phone.tasks import deliver_login_code

    queued = []
    monkeypatch.setattr(deliver_login_code, "apply_async", lambda *a, **k: queued.append((a, k)))
    response = api.post("/auth/sms/", {"phone": PHONE}, format="json")
    assert response.status_code == 201
    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsDelivery.Status.QUEUED
    assert queued == [(((delivery.pk,),), {"task_id": delivery.task_id})]
    assert LocmemSender.outbox == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("limits", [True, False])
def test_concurrent_first_requests_create_one_user(limits):
    from rest_framework.test import APIClient

    with override_settings(RATE_LIMITS_ENABLED=limits):
        results = run_in_threads(
            lambda i: APIClient().post("/auth/sms/", {"phone": PHONE}, format="json").status_code,
            10,
        )
    assert all(isinstance(r, int) for r in results), results
    assert results.count(201) == 1
    if limits:
        assert sorted(results) == [201] + [429] * 9
    else:
        assert sorted(results) == [200] * 9 + [201]
    assert User.objects.filter(phone=PHONE).count() == 1
    assert LoginCode.objects.filter(used_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_a_known_number_leave_one_unused_code():
    from rest_framework.test import APIClient

    with override_settings(RATE_LIMITS_ENABLED=False):
        assert APIClient().post("/auth/sms/", {"phone": PHONE}, format="json").status_code == 201
        results = run_in_threads(
            lambda i: APIClient().post("/auth/sms/", {"phone": PHONE}, format="json").status_code,
            10,
        )
    assert results == [200] * 10, results
    assert User.objects.filter(phone=PHONE).count() == 1
    assert LoginCode.objects.filter(used_at__isnull=True).count() == 1
    assert SmsDelivery.objects.count() == 11


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("{not json", "application/json"),
        (json.dumps({"phone": [phone_number()]}), "application/json"),
        ('{"phone": {"a": 1}}', "application/json"),
        ('{"phone": null}', "application/json"),
        ('"just a string"', "application/json"),
        ('{"phone": "' + "9" * 5000 + '"}', "application/json"),
    ],
)
def test_malformed_input_is_a_400_and_nothing_is_written(api, body, content_type):
    response = api.generic("POST", "/auth/sms/", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()
    assert not User.objects.exists()
    assert not SmsDelivery.objects.exists()


@pytest.mark.parametrize("known", [False, True])
def test_the_answer_has_exactly_its_serializers_fields_and_types(api, known):
    from auth_phone.serializers import SmsCodeRequestOutput

    if known:
        User.objects.create(phone=PHONE, invite_code="K7K7K7")
    with override_settings(RATE_LIMITS_ENABLED=False):
        answer = api.post("/auth/sms/", {"phone": PHONE}, format="json").json()
    assert set(answer) == set(SmsCodeRequestOutput().fields)
    assert answer == dict(SmsCodeRequestOutput(answer).data)
    assert isinstance(answer["expires_in"], int) and isinstance(answer["resend_in"], int)
