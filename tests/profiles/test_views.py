"""The profile pages of the browser UI, through Django's test client."""

import pytest
from django.test import Client

from profiles.models import User
from profiles.views import REFERRALS_PER_PAGE
from tests.conftest import image_bytes, snapshot
from tests.factories import invite

PAGES = ["/profile/", "/profile/edit/", "/profile/delete/"]


@pytest.fixture
def client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", [*PAGES, "/profile/activate/"])
def test_every_profile_page_needs_a_login(db, url):
    response = Client().post(url) if url.endswith("activate/") else Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/?next={url}"


def test_every_form_carries_the_csrf_token(client, user, make_user):
    for url in PAGES:
        page = client.get(url).content.decode()
        assert page.count('name="csrfmiddlewaretoken"') == page.count("<form") >= 2, url


def test_writes_refuse_a_post_without_the_csrf_token(user, make_user):
    inviter = make_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    before = snapshot(user)
    assert client.post("/profile/activate/", {"code": inviter.invite_code}).status_code == 403
    assert client.post("/profile/edit/", {"first_name": "X"}).status_code == 403
    assert client.post("/profile/delete/").status_code == 403
    assert snapshot(user) == before


def test_activation_is_post_only(client):
    assert client.get("/profile/activate/").status_code == 405


def test_profile_shows_own_code_share_link_and_referrals_oldest_first(client, user, make_user):
    first, second = make_user(), make_user()
    invite(second, user)
    invite(first, user, when=second.referred_at.replace(year=2020))
    page = client.get("/profile/").content.decode()
    assert user.invite_code in page
    assert f"http://testserver/?invite={user.invite_code}" in page
    assert page.index(first.phone) < page.index(second.phone)


def test_referrals_are_listed_page_by_page(client, user, make_user):
    referrals = [make_user() for _ in range(REFERRALS_PER_PAGE + 1)]
    for referral in referrals:
        invite(referral, user)
    first = client.get("/profile/").content.decode()
    last = client.get("/profile/", {"page": 2}).content.decode()
    assert sum(r.phone in first for r in referrals) == REFERRALS_PER_PAGE
    assert sum(r.phone in last for r in referrals) == 1
    assert "Page 2 of 2" in last


def test_the_invite_code_in_the_session_is_offered_then_forgotten(client, user, make_user):
    inviter = make_user()
    client.get(f"/?invite={inviter.invite_code.lower()}")
    page = client.get("/profile/").content.decode()
    assert f'value="{inviter.invite_code}"' in page  # upper-cased, as the API reads it
    response = client.post("/profile/activate/", {"code": inviter.invite_code.lower()})
    assert response.status_code == 302 and response["Location"] == "/profile/"
    assert "invite_code" not in client.session
    user.refresh_from_db()
    assert user.referred_by == inviter and user.activated_code == inviter.invite_code


def test_a_refused_activation_re_renders_with_the_error_and_changes_nothing(client, user):
    before = snapshot(user)
    response = client.post("/profile/activate/", {"code": user.invite_code})
    assert response.status_code == 200
    assert "You cannot activate your own invite code." in response.content.decode()
    assert snapshot(user) == before


def test_an_empty_code_is_a_field_error(client, user):
    response = client.post("/profile/activate/", {"code": "  "})
    assert "This field is required." in response.content.decode()


def test_edit_saves_names_and_email_and_keeps_the_avatar(client, user):
    client.post(
        "/profile/edit/",
        {"first_name": "Ann", "email": "ann@example.com", "avatar": _png("a.png")},
    )
    user.refresh_from_db()
    avatar = user.avatar.name
    assert avatar and user.first_name == "Ann"
    response = client.post("/profile/edit/", {"first_name": " Anna ", "last_name": ""})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email) == ("Anna", None, None)
    assert user.avatar.name == avatar  # no new file, no removal: untouched


def test_edit_refuses_overlong_names_like_the_api(client, user):
    before = snapshot(user)
    response = client.post("/profile/edit/", {"first_name": "x" * 151})
    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert snapshot(user) == before


def test_edit_refuses_a_too_large_avatar_with_the_services_message(client, user, settings):
    settings.AVATAR_MAX_BYTES = 64
    before = snapshot(user)
    response = client.post("/profile/edit/", {"avatar": _png("big.png")})
    assert "The image is too large: the limit is 64 bytes." in response.content.decode()
    assert snapshot(user) == before


def test_delete_asks_first_and_deletes_only_on_post(client, user):
    page = client.get("/profile/delete/").content.decode()
    assert "Delete your account?" in page and user.phone in page
    assert User.objects.filter(pk=user.pk).exists()
    response = client.post("/profile/delete/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert not User.objects.filter(pk=user.pk).exists()
    assert "_auth_user_id" not in client.session


def test_profile_page_in_russian(client):
    page = client.get("/profile/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Ваш инвайт-код" in page and "Удалить аккаунт" in page


def _png(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, image_bytes(), content_type="image/png")
