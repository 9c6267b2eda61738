"""The login pages of the browser UI, through Django's test client: CSRF, redirects,
the session, and that a failure changes nothing."""

import pytest
from django.test import Client

from auth_phone.models import LoginCode
from profiles.models import User
from tests.conftest import last_code
from tests.factories import UserFactory
from tests.phones import phone_number, spelled

PHONE = phone_number()


@pytest.fixture
def client(db, django_capture_on_commit_callbacks):
    """A test client whose requests run their on-commit callbacks (the SMS task)."""

    class CommitAwareClient(Client):
        def request(self, **request):
            with django_capture_on_commit_callbacks(execute=True):
                return super().request(**request)

    return CommitAwareClient()


def test_forms_refuse_a_post_without_the_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    assert client.get("/").status_code == 200
    assert client.post("/", {"phone": PHONE}).status_code == 403
    assert not User.objects.exists() and not LoginCode.objects.exists()


def test_the_csrf_token_is_on_every_form(client):
    page = client.get("/").content.decode()
    assert page.count('name="csrfmiddlewaretoken"') == page.count("<form")
    client.post("/", {"phone": PHONE})
    page = client.get("/login/code/").content.decode()
    assert page.count('name="csrfmiddlewaretoken"') == page.count("<form") >= 3


def test_code_page_without_a_login_in_progress_goes_back_to_the_phone_form(client):
    response = client.get("/login/code/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_session_login_and_redirects_once_logged_in(client):
    response = client.post("/", {"phone": spelled(phone_number(), "8 ### ### ## ##")})
    assert response.status_code == 302 and response["Location"] == "/login/code/"
    assert client.session["login_phone"] == PHONE
    response = client.post("/login/code/", {"code": last_code(PHONE)})
    assert response.status_code == 302 and response["Location"] == "/profile/"
    user = User.objects.get(phone=PHONE)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "login_phone" not in client.session
    # A logged-in visitor has nothing to do on the login pages.
    assert client.get("/")["Location"] == "/profile/"
    assert client.get("/login/code/")["Location"] == "/profile/"


def test_a_wrong_code_leaves_the_visitor_logged_out(client):
    client.post("/", {"phone": PHONE})
    right = last_code(PHONE)
    response = client.post("/login/code/", {"code": "0000" if right != "0000" else "1111"})
    assert response.status_code == 200
    assert "Invalid or expired code. Check it, or request a new code." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/profile/")["Location"].startswith("/?next=")


def test_logout_only_by_post(client):
    client.post("/", {"phone": PHONE})
    client.post("/login/code/", {"code": last_code(PHONE)})
    assert client.get("/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_resend_sends_the_live_code_again_once_the_cooldown_is_over(client, settings):
    settings.RATE_LIMITS_ENABLED = False
    client.post("/", {"phone": PHONE})
    first = LoginCode.objects.get()
    code = last_code(PHONE)
    response = client.post("/login/code/", {"action": "resend"})
    assert response.status_code == 302 and response["Location"] == "/login/code/"
    assert list(LoginCode.objects.all()) == [first] and last_code(PHONE) == code


def test_invite_link_is_kept_in_the_session_through_the_login(client):
    client.get("/?invite=ab12cd")
    assert client.session["invite_code"] == "AB12CD"  # upper-cased, as the API reads it
    assert "AB12CD" in client.get("/").content.decode()
    client.post("/", {"phone": PHONE})
    client.post("/login/code/", {"code": last_code(PHONE)})
    assert client.session["invite_code"] == "AB12CD"


def test_a_new_account_is_welcomed_after_the_code_not_before(client):
    page = client.post("/", {"phone": PHONE}, follow=True).content.decode()
    assert "Welcome!" not in page
    page = client.post("/login/code/", {"code": last_code(PHONE)}, follow=True)
    assert "Welcome! Your account has been created." in page.content.decode()


def test_another_number_after_a_new_one_is_not_welcomed(client):
    existing = UserFactory().phone
    client.post("/", {"phone": PHONE})  # a new account, then back to an existing one
    client.post("/", {"phone": existing})
    page = client.post("/login/code/", {"code": last_code(existing)}, follow=True)
    assert "You are logged in." in page.content.decode()
    assert "Welcome!" not in page.content.decode()


def test_an_overlong_invite_parameter_is_cut(client):
    client.get("/", {"invite": "X" * 500})
    assert client.session["invite_code"] == "X" * 32


def test_code_page_waits_and_polls_while_the_sms_is_on_its_way(db, settings):
    settings.SMS_BACKEND = "simulated"
    settings.SMS_DEV_INBOX = True
    settings.DEBUG = True
    client = Client()  # on-commit callbacks never run here: the SMS is not delivered
    client.post("/", {"phone": PHONE})
    page = client.get("/login/code/").content.decode()
    assert 'id="dev-inbox-waiting">' in page  # shown, not hidden
    assert f'data-url="/dev/sms/?phone=%2B{PHONE[1:]}"' in page
    assert "ui/dev-inbox.js" in page
    assert '<meta http-equiv="refresh"' in page  # inside <noscript>
