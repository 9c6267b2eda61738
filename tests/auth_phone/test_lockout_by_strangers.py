"""Strangers cannot lock a number out: a request while a code is live sends that code
again (the owner's code keeps working), and the per-number quota is counted per
(number, requesting network), so strangers' requests leave the owner's address its own."""

from __future__ import annotations

from django.core.cache import cache

from auth_phone.models import LoginCode
from tests.conftest import last_code
from tests.phones import phone_number

PHONE = phone_number(1234567)
OWNER = "198.51.100.10"
STRANGERS = [f"203.0.113.{n}" for n in range(1, 7)]


def ask(api, address: str):
    cache.delete("rl:sms:cooldown:" + PHONE)  # the resend cooldown passes between requests
    return api.post("/auth/sms/", {"phone": PHONE}, format="json", REMOTE_ADDR=address)


def test_requests_from_other_addresses_leave_the_owners_live_code_working(api):
    assert ask(api, OWNER).status_code == 201
    code = last_code(PHONE)
    for address in STRANGERS[:5]:
        assert ask(api, address).status_code == 200
        assert last_code(PHONE) == code  # the same code, sent again
    assert LoginCode.objects.count() == 1
    response = api.post(
        "/users/login/", {"phone": PHONE, "code": code}, format="json", REMOTE_ADDR=OWNER
    )
    assert response.status_code == 200, response.content


def test_strangers_using_up_their_quota_leave_the_owners_address_its_own(api, settings):
    settings.SMS_PHONE_HOURLY_LIMIT = 2
    settings.SMS_PHONE_HOURLY_LIMIT_ALL_NETWORKS = 100
    settings.SMS_IP_HOURLY_LIMIT = 100
    stranger = STRANGERS[0]
    assert ask(api, stranger).status_code == 201
    assert ask(api, stranger).status_code == 200
    assert ask(api, stranger).status_code == 429  # the stranger's share is spent
    assert ask(api, OWNER).status_code == 200  # the owner's is not


def test_a_ceiling_across_networks_still_bounds_one_number(api, settings):
    settings.SMS_PHONE_HOURLY_LIMIT_ALL_NETWORKS = 3
    statuses = [ask(api, address).status_code for address in STRANGERS[:4]]
    assert statuses == [201, 200, 200, 429]
