"""Changing the phone number: a code sent to the new number confirms it, and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from auth_phone.models import LoginCode
from profiles.models import User
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender, render_notice
from tests.conftest import image_bytes, last_code, shows_code, snapshot
from tests.factories import client_for, invite
from tests.phones import next_phone, phone_number, spelled

UPDATE = "/users/update/me/"
CONFIRM = "/users/update/sms/me/"
NEW = phone_number(9876543, code=921)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the SMS tasks) when the block ends, as a real request does."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def start(run_on_commit):
    """Ask for a change of `user`'s number to `phone`; return the response."""

    def _start(user: User, phone: str = NEW, method: str = "patch", **fields):
        with run_on_commit():
            return getattr(client_for(user), method)(
                UPDATE, {"phone": phone, **fields}, format="json"
            )

    return _start


@pytest.fixture
def confirm(run_on_commit):
    def _confirm(user: User, payload: dict, method: str = "patch", url: str = CONFIRM):
        with run_on_commit():
            return getattr(client_for(user), method)(url, payload, format="json")

    return _confirm


def change_codes(user: User):
    return LoginCode.objects.filter(user=user, purpose=LoginCode.Purpose.PHONE_CHANGE)


def sms_to(phone: str) -> list[str]:
    return [m["text"] for m in LocmemSender.outbox if m["phone"] == phone]


# --- Starting a change -------------------------------------------------------------------
@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_new_number_gets_a_code_and_the_phone_waits_for_it(user, start, method):
    old_phone = user.phone

    response = start(
        user,
        spelled(phone_number(9876543, code=921), "8 (###) ###-##-##"),
        method=method,
        first_name="Anna",
    )

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["phone"] == old_phone and body["first_name"] == "Anna"
    assert body["pending_phone"] == NEW
    assert body["expires_in"] == 300 and body["resend_in"] == 60
    assert SmsDelivery.objects.get(task_id=body["task_id"]).phone == NEW
    user.refresh_from_db()
    assert user.phone == old_phone and user.first_name == "Anna"
    (code_row,) = change_codes(user)
    assert code_row.phone == NEW and code_row.used_at is None and code_row.attempts == 0
    # Only the SMS carries the code: the row holds its keyed hash, the answer nothing.
    (text,) = sms_to(NEW)
    code = last_code(NEW)
    # A Russian number, no language asked: the Russian text, which names the number change.
    assert "смены номера" in text and code not in code_row.code_hash
    assert not shows_code(response, code, old_phone, NEW, body["task_id"], body["self_referral"])
    assert sms_to(old_phone) == []


@pytest.mark.parametrize("spelling", ["+7 ### #######", "8##########", "+7##########"])
def test_the_own_number_in_any_spelling_changes_nothing(user, start, spelling):
    own = spelled(user.phone, spelling)

    response = start(user, own)

    assert response.status_code == 200, response.content
    assert "pending_phone" not in response.json()
    assert not change_codes(user).exists() and LocmemSender.outbox == []


def test_an_invalid_number_is_refused(user, start):
    response = start(user, "12")
    assert response.status_code == 400 and list(response.json()) == ["phone"]
    assert not change_codes(user).exists() and LocmemSender.outbox == []


def test_a_refused_invite_code_sends_nothing_and_costs_the_number_nothing(user, start):
    before = snapshot(user)

    response = start(user, first_name="Anna", user_referral=user.invite_code)

    assert response.status_code == 400
    assert list(response.json()) == ["user_referral", "code"]
    assert snapshot(user) == before
    assert not change_codes(user).exists() and LocmemSender.outbox == []
    # No rate-limit reservation was kept: the change can be asked at once.
    assert start(user).status_code == 202


def test_a_rate_limited_change_saves_nothing(user, start, settings):
    assert start(user).status_code == 202
    first_code = change_codes(user).get()
    before = snapshot(user)

    response = start(user, first_name="Anna")

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "moments ago" in response.json()["detail"]
    assert snapshot(user) == before
    assert list(change_codes(user)) == [first_code] and len(sms_to(NEW)) == 1


def test_the_client_address_limit_applies(make_user, start, settings):
    settings.SMS_IP_HOURLY_LIMIT = 1
    assert start(make_user(), next_phone()).status_code == 202

    response = start(make_user(), next_phone())

    assert response.status_code == 429
    assert "from your address" in response.json()["detail"]


def test_a_rate_limited_avatar_upload_leaves_no_file(user, start, settings, run_on_commit):
    assert start(user).status_code == 202
    before = snapshot(user)
    upload = SimpleUploadedFile("a.png", image_bytes(), content_type="image/png")

    with run_on_commit():
        response = client_for(user).patch(UPDATE, {"phone": NEW, "avatar": upload})

    assert response.status_code == 429
    assert snapshot(user) == before
    avatars = settings.MEDIA_ROOT / "avatars"
    assert not avatars.exists() or list(avatars.iterdir()) == []


def test_a_new_change_replaces_the_pending_one(user, start, settings):
    settings.RATE_LIMITS_ENABLED = False
    start(user)
    other = next_phone()

    response = start(user, other)

    assert response.status_code == 202
    assert list(
        change_codes(user).filter(used_at__isnull=True).values_list("phone", flat=True)
    ) == [other]


# --- Confirming it -----------------------------------------------------------------------
@pytest.mark.parametrize(("method", "key"), [("patch", "sms_code"), ("put", "code")])
def test_the_right_code_moves_the_account_to_the_new_number(make_user, start, confirm, method, key):
    inviter, user = make_user(), make_user()
    invite(user, inviter)
    referral = make_user()
    invite(referral, user)
    old_phone = user.phone
    start(user)

    response = confirm(
        user,
        {
            "phone": spelled(phone_number(9876543, code=921), "+7 ### ### ## ##"),
            key: last_code(NEW),
        },
        method,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phone"] == NEW and "pending_phone" not in body
    assert body["self_referral"] == user.invite_code
    assert body["user_referral"] == inviter.invite_code
    assert body["users_list"] == [referral.phone]
    user.refresh_from_db()
    assert user.phone == NEW and user.phone_verified_at is not None
    assert user.referred_by_id == inviter.pk
    assert change_codes(user).get().used_at is not None
    # The old number is told, without any code.
    (notice,) = sms_to(old_phone)
    assert notice == render_notice("phone_changed", "ru")  # the old number's country's language
    assert not any(ch.isdigit() for ch in notice)


def test_after_the_change_the_new_number_logs_in_and_the_old_one_is_a_stranger(
    user, start, confirm, api
):
    old_phone = user.phone
    start(user)
    assert confirm(user, {"phone": NEW, "sms_code": last_code(NEW)}).status_code == 200
    cache.clear()  # the change code used the new number's one-per-minute allowance

    assert api.post("/auth/sms/", {"phone": NEW}, format="json").status_code == 200
    login = api.post("/users/login/", {"phone": NEW, "password": last_code(NEW)}, format="json")
    assert login.status_code == 200 and login.json()["user_id"] == user.pk

    again = api.post("/auth/sms/", {"phone": old_phone}, format="json")
    assert again.status_code == 201
    assert User.objects.get(phone=old_phone).pk != user.pk


def test_a_login_code_sent_to_the_old_number_dies_with_the_change(user, start, confirm, api):
    old_phone = user.phone
    assert api.post("/auth/sms/", {"phone": old_phone}, format="json").status_code == 200
    login_code = last_code(old_phone)
    start(user)
    assert confirm(user, {"phone": NEW, "sms_code": last_code(NEW)}).status_code == 200

    for phone in (NEW, old_phone):
        response = api.post(
            "/users/login/", {"phone": phone, "password": login_code}, format="json"
        )
        assert response.status_code == 400
    assert not LoginCode.objects.filter(
        user=user, purpose=LoginCode.Purpose.LOGIN, used_at__isnull=True
    ).exists()


def test_a_wrong_code_counts_an_attempt_and_changes_nothing(user, start, confirm):
    start(user)
    right = last_code(NEW)
    wrong = f"{(int(right) + 1) % 10000:04d}"
    before = snapshot(user)

    response = confirm(user, {"phone": NEW, "sms_code": wrong})

    assert response.status_code == 400
    assert response.json() == {
        "sms_code": ["Invalid or expired code. Check it, or request a new code."],
        "code": "invalid_code",
    }
    assert snapshot(user) == before
    code_row = change_codes(user).get()
    assert code_row.attempts == 1 and code_row.used_at is None


def test_the_code_dies_after_the_maximum_of_wrong_attempts(user, start, confirm, settings):
    start(user)
    right = last_code(NEW)
    wrong = f"{(int(right) + 1) % 10000:04d}"
    for _ in range(settings.LOGIN_CODE_MAX_ATTEMPTS - 1):
        assert confirm(user, {"phone": NEW, "sms_code": wrong}).status_code == 400
    last = confirm(user, {"phone": NEW, "sms_code": wrong})
    assert last.json() == {
        "sms_code": ["Invalid or expired code. Check it, or request a new code."],
        "code": "invalid_code",
    }

    response = confirm(user, {"phone": NEW, "sms_code": right})

    assert response.status_code == 400
    assert response.json() == {
        "sms_code": ["Invalid or expired code. Check it, or request a new code."],
        "code": "invalid_code",
    }
    user.refresh_from_db()
    assert user.phone != NEW


def test_an_expired_code_is_refused(user, start, confirm):
    start(user)
    change_codes(user).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = snapshot(user)

    response = confirm(user, {"phone": NEW, "sms_code": last_code(NEW)})

    assert response.status_code == 400
    assert response.json() == {
        "sms_code": ["Invalid or expired code. Check it, or request a new code."],
        "code": "invalid_code",
    }
    assert snapshot(user) == before


def test_without_a_pending_change_nothing_is_confirmed(user, confirm):
    before = snapshot(user)
    response = confirm(user, {"phone": NEW, "sms_code": "1234"})
    assert response.status_code == 400
    assert list(response.json()) == ["phone", "code"] and "No change" in response.json()["phone"][0]
    assert response.json()["code"] == "no_pending_phone_change"
    assert snapshot(user) == before


def test_a_used_change_cannot_be_confirmed_again(user, start, confirm):
    start(user)
    code = last_code(NEW)
    assert confirm(user, {"phone": NEW, "sms_code": code}).status_code == 200

    response = confirm(user, {"phone": NEW, "sms_code": code})

    assert response.status_code == 400 and list(response.json()) == ["phone", "code"]


def test_another_number_than_the_pending_one_is_refused(user, start, confirm):
    start(user)
    before = snapshot(user)

    response = confirm(user, {"phone": next_phone(), "sms_code": last_code(NEW)})

    assert response.status_code == 400
    assert response.json() == {
        "phone": ["This is not the number you asked to change to."],
        "code": "not_pending_phone",
    }
    assert snapshot(user) == before
    assert change_codes(user).get().attempts == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"phone": NEW}, "sms_code"),
        ({"phone": NEW, "sms_code": "12a4"}, "sms_code"),
        ({"phone": NEW, "sms_code": ""}, "sms_code"),
        ({"sms_code": "1234"}, "phone"),
        ({"phone": "not a phone", "sms_code": "1234"}, "phone"),
    ],
)
def test_malformed_confirmations_are_field_errors(user, start, confirm, payload, field):
    start(user)
    response = confirm(user, payload)
    assert response.status_code == 400 and field in response.json()
    assert change_codes(user).get().attempts == 0


def test_another_users_pk_is_not_found_and_touches_nothing(make_user, start, confirm):
    owner, stranger = make_user(), make_user()
    start(owner)
    code = last_code(NEW)

    mine = confirm(stranger, {"phone": NEW, "sms_code": code}, url=f"/users/update/sms/{owner.pk}/")
    missing = confirm(stranger, {"phone": NEW, "sms_code": code}, url="/users/update/sms/999999/")

    assert mine.status_code == missing.status_code == 404
    assert mine.json() == missing.json() == {"detail": "Not found.", "code": "not_found"}
    code_row = change_codes(owner).get()
    assert code_row.used_at is None and code_row.attempts == 0


def test_a_number_taken_meanwhile_is_refused_and_the_code_stays(user, start, confirm, api):
    start(user)
    change_code = last_code(NEW)
    cache.clear()  # the change code used the new number's one-per-minute allowance
    assert api.post("/auth/sms/", {"phone": NEW}, format="json").status_code == 201
    before = snapshot(user)

    response = confirm(user, {"phone": NEW, "sms_code": change_code})

    assert response.status_code == 400
    assert response.json() == {
        "phone": ["This number already belongs to another account."],
        "code": "phone_taken",
    }
    assert snapshot(user) == before
    assert change_codes(user).get().used_at is None


# --- Purposes apart ----------------------------------------------------------------------
def test_a_change_code_cannot_log_in(user, start, api):
    start(user)
    change_code = last_code(NEW)

    for phone in (NEW, user.phone):
        response = api.post(
            "/users/login/", {"phone": phone, "password": change_code}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_code"
    assert change_codes(user).get().attempts == 0


def test_a_login_code_cannot_confirm_a_change(user, confirm, api):
    assert api.post("/auth/sms/", {"phone": user.phone}, format="json").status_code == 200
    login_code = last_code(user.phone)

    for phone in (NEW, user.phone):
        response = confirm(user, {"phone": phone, "sms_code": login_code})
        assert response.status_code == 400 and list(response.json()) == ["phone", "code"]
    row = LoginCode.objects.get(user=user)
    assert row.purpose == LoginCode.Purpose.LOGIN and row.used_at is None and row.attempts == 0


def test_a_login_code_request_keeps_the_pending_change(user, start, api, confirm):
    start(user)
    change_code = last_code(NEW)
    assert api.post("/auth/sms/", {"phone": user.phone}, format="json").status_code == 200

    assert confirm(user, {"phone": NEW, "sms_code": change_code}).status_code == 200


def test_a_change_request_keeps_the_login_code(user, start, api):
    assert api.post("/auth/sms/", {"phone": user.phone}, format="json").status_code == 200
    login_code = last_code(user.phone)
    start(user)

    response = api.post(
        "/users/login/", {"phone": user.phone, "password": login_code}, format="json"
    )

    assert response.status_code == 200 and response.json()["user_id"] == user.pk
    assert change_codes(user).get().used_at is None
