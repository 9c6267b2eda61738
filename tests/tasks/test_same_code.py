"""A retried or re-published send carries the same code: the user may type the code of
whichever SMS arrived first. A delivery that failed for good is not sent again."""

import re

from django.utils import timezone

from auth_phone.models import LoginCode
from auth_phone.tasks import deliver_login_code
from tasks.models import SmsDelivery
from tests.phones import phone_number
from tests.support.smsaero_stub import success

PHONE = phone_number()


def code_in(request: dict) -> str:
    return re.search(r"\b(\d{4})\b", request["json"]["text"]).group(1)


def test_a_retry_after_a_provider_timeout_sends_the_same_code(api, smsaero, settings):
    # The provider takes the first SMS but answers after the client gave up: the user
    # gets that SMS, the worker retries, and the user gets a second one.
    settings.SMSAERO_TIMEOUT = 0.3
    smsaero.script = [("sleep", 1), success(7)]
    assert api.post("/auth/sms/", {"phone": PHONE}, format="json").status_code == 201

    assert len(smsaero.requests) == 2
    first, second = (code_in(request) for request in smsaero.requests)
    assert first == second
    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsDelivery.Status.SENT and delivery.attempts == 2

    response = api.post("/users/login/", {"phone": PHONE, "password": first}, format="json")
    assert response.status_code == 200


def test_codes_of_different_requests_differ(api, smsaero, settings):
    settings.RATE_LIMITS_ENABLED = False
    codes = set()
    for _ in range(8):
        api.post("/auth/sms/", {"phone": PHONE}, format="json")
        codes.add(code_in(smsaero.requests[-1]))
        LoginCode.objects.update(used_at=timezone.now())  # a live code would be sent again
    assert len(smsaero.requests) == 8
    # Eight draws from 10,000 codes: all alike would mean the nonce does not count.
    assert len(codes) > 1


def test_a_delivery_that_failed_for_good_is_not_sent_again(api, smsaero):
    smsaero.script = [(200, {"success": False, "message": "Bad sign"})]
    api.post("/auth/sms/", {"phone": PHONE}, format="json")
    delivery = SmsDelivery.objects.get()
    assert delivery.status == SmsDelivery.Status.FAILED and len(smsaero.requests) == 1

    smsaero.script = [success(8)]
    result = deliver_login_code.apply(args=(delivery.pk,), task_id=delivery.task_id)

    assert result.get() == "failed"
    assert len(smsaero.requests) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.sent_at is None
    assert LoginCode.objects.get().used_at is None
