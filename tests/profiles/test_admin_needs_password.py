"""An SMS code alone never opens the admin: a staff account needs its password on the
admin's login page, even when the browser UI has logged it in with a code."""

import pytest
from django.test import Client

from profiles.services.users import create_user
from tests.conftest import ADMIN_PASSWORD, admin_login, last_code
from tests.factories import staff_with_password
from tests.phones import phone_number

PHONE = phone_number()


@pytest.fixture
def staff(db):
    return staff_with_password(PHONE, ADMIN_PASSWORD)


def ui_code_login(client: Client, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/", {"phone": PHONE}).status_code == 302
    response = client.post("/login/code/", {"code": last_code(PHONE)})
    assert response.status_code == 302 and response["Location"].endswith("/profile/")


def test_a_staff_account_logged_in_by_sms_code_is_sent_to_the_admin_login(
    staff, django_capture_on_commit_callbacks
):
    client = Client()
    ui_code_login(client, django_capture_on_commit_callbacks)
    assert client.get("/profile/").status_code == 200  # logged in to the UI

    for url in ("/admin/", "/admin/profiles/user/", f"/admin/profiles/user/{staff.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
    # The login page asks for the password instead of letting the session in.
    page = client.get("/admin/login/")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()


def test_after_the_password_the_admin_opens(staff, django_capture_on_commit_callbacks):
    client = Client()
    ui_code_login(client, django_capture_on_commit_callbacks)

    response = client.post(
        "/admin/login/?next=/admin/", {"username": PHONE, "password": ADMIN_PASSWORD}
    )

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/profiles/user/").status_code == 200


def test_a_wrong_password_keeps_the_admin_closed(staff, django_capture_on_commit_callbacks):
    client = Client()
    ui_code_login(client, django_capture_on_commit_callbacks)
    response = client.post("/admin/login/", {"username": PHONE, "password": "wrong"})
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_a_session_made_any_other_way_is_not_enough(staff):
    client = Client()
    client.force_login(staff)  # what the UI's code login amounts to
    assert client.get("/admin/").status_code == 302


def test_an_account_without_a_password_cannot_open_the_admin(db):
    # Accounts created by the phone login have no usable password until an operator
    # sets one (manage.py createsuperuser / changepassword).
    user = create_user(phone=phone_number(1234568), is_staff=True)
    assert not user.has_usable_password()
    response = Client().post("/admin/login/", {"username": user.phone, "password": ""})
    assert response.status_code == 200


def test_non_staff_accounts_never_get_in(db):
    user = create_user(phone=phone_number(1234569))
    client = Client()
    response = client.post("/admin/login/", {"username": user.phone, "password": "whatever it is"})
    assert response.status_code == 200
    user.set_password(ADMIN_PASSWORD)
    user.save()
    response = client.post("/admin/login/", {"username": user.phone, "password": ADMIN_PASSWORD})
    assert response.status_code == 200  # the admin's form refuses non-staff accounts
    assert client.get("/admin/").status_code == 302


def test_the_helper_logs_in_through_the_admin_page(staff):
    client = Client()
    admin_login(client, staff)
    assert client.get("/admin/").status_code == 200
