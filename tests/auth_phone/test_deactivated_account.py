"""A deactivated account (`is_active` false) gets no code and no token, and the answers
say nothing of it: a code request answers as an accepted one (with a task id that answers
like any other) but sends nothing and leaves no code that could match; a login answers
the one failed-login answer; a refresh answers 401; the browser UI does the same."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from auth_phone.models import LoginCode, Session
from auth_phone.services.sessions import issue_tokens
from profiles.models import User
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender
from tests.conftest import last_code
from tests.phones import phone_number

ACTIVE = phone_number(5300001)
DEACTIVATED = phone_number(5300002)
# What differs between two accepted answers: the number and the id of its task.
IDS = {"phone", "task_id"}
ERROR = re.compile(r'<p class="error" role="alert">(.*?)</p>')


@pytest.fixture
def accounts(make_user) -> dict[str, User]:
    return {
        ACTIVE: make_user(phone=ACTIVE),
        DEACTIVATED: make_user(phone=DEACTIVATED, is_active=False),
    }


def ask(api, phone: str):
    with api.capture(execute=True):
        return api.post("/auth/sms/", {"phone": phone}, format="json")


def test_a_code_request_answers_as_an_accepted_one_and_sends_nothing(api, accounts):
    active, deactivated = ask(api, ACTIVE), ask(api, DEACTIVATED)

    assert active.status_code == deactivated.status_code == 200, deactivated.content
    assert {k: v for k, v in active.json().items() if k not in IDS} == {
        k: v for k, v in deactivated.json().items() if k not in IDS
    }
    tasks = [api.get(f"/tasks/{r.json()['task_id']}/") for r in (active, deactivated)]
    assert [t.status_code for t in tasks] == [200, 200]
    assert {k: v for k, v in tasks[0].json().items() if k not in {"task_id", "date_done"}} == {
        k: v for k, v in tasks[1].json().items() if k not in {"task_id", "date_done"}
    }
    assert [m["phone"] for m in LocmemSender.outbox] == [ACTIVE]
    assert SmsDelivery.objects.get(phone=DEACTIVATED).status == SmsDelivery.Status.STALE
    assert LoginCode.objects.get(phone=DEACTIVATED).code_hash == ""  # matches no code


def test_a_code_request_takes_the_limits_of_an_accepted_one(api, accounts):
    assert ask(api, DEACTIVATED).status_code == 200
    again = ask(api, DEACTIVATED)
    assert again.status_code == 429 and "moments ago" in again.json()["detail"]


def test_a_code_issued_before_the_deactivation_dies_and_logs_in_nobody(api, accounts, settings):
    user = accounts[DEACTIVATED]
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert ask(api, DEACTIVATED).status_code == 200
    code = last_code(DEACTIVATED)
    User.objects.filter(pk=user.pk).update(is_active=False)
    LocmemSender.outbox.clear()
    cache.clear()  # past the resend cooldown

    assert ask(api, DEACTIVATED).status_code == 200  # not the live code sent again
    assert LocmemSender.outbox == []
    (login_code,) = LoginCode.objects.filter(user=user)
    assert login_code.code_hash == ""

    response = api.post("/users/login/", {"phone": DEACTIVATED, "password": code}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"


def test_the_right_code_of_a_login_begun_before_the_deactivation_opens_nothing(api, accounts):
    user = accounts[DEACTIVATED]
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert ask(api, DEACTIVATED).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = api.post(
        "/users/login/",
        {"phone": DEACTIVATED, "password": last_code(DEACTIVATED)},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"
    assert not Session.objects.exists()
    user.refresh_from_db()
    assert user.last_login is None and user.phone_verified_at is None


@pytest.mark.parametrize("code", ["0000", "1234"])
def test_any_code_answers_invalid_code_and_issues_no_token(api, accounts, code):
    wrong_for_active = api.post("/users/login/", {"phone": ACTIVE, "password": code}, format="json")
    response = api.post("/users/login/", {"phone": DEACTIVATED, "password": code}, format="json")

    assert response.status_code == wrong_for_active.status_code == 400
    assert response.json() == wrong_for_active.json()
    assert response.json()["code"] == "invalid_code"
    assert "access" not in response.json()


def test_a_refresh_of_a_session_of_a_deactivated_account_answers_401(api, accounts):
    """simplejwt's user rule (is_active) is checked when a session rotates."""
    user = accounts[DEACTIVATED]
    User.objects.filter(pk=user.pk).update(is_active=True)
    tokens = issue_tokens(user=user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = api.post("/users/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"
    access = api.get("/users/me/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert access.status_code == 401


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def test_the_browser_ui_sends_nothing_and_logs_in_nobody(
    accounts, django_capture_on_commit_callbacks
):
    pages = {}
    for phone in (ACTIVE, DEACTIVATED):
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            asked = client.post("/", {"phone": phone})
        guess = wrong(last_code(ACTIVE)) if phone == ACTIVE else "1234"
        page = client.post("/login/code/", {"code": guess})
        pages[phone] = (asked.status_code, asked["Location"], page.status_code)
        pages[phone] += tuple(ERROR.findall(page.content.decode()))
        assert "_auth_user_id" not in client.session
    assert pages[ACTIVE] == pages[DEACTIVATED]
    assert pages[ACTIVE][-1] == "Invalid or expired code. Check it, or request a new code."
    assert [m["phone"] for m in LocmemSender.outbox] == [ACTIVE]


def test_a_browser_session_ends_with_the_deactivation(accounts):
    user = accounts[ACTIVE]
    client = Client()
    client.force_login(user)
    assert client.get("/profile/").status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get("/profile/")
    assert response.status_code == 302 and response["Location"] == "/?next=/profile/"
