"""Avatar uploads are limited per account (AVATAR_UPLOADS_HOURLY_LIMIT): each one is
decoded and encoded again, so beyond the limit an upload answers 429 with Retry-After,
before any decoding, and nothing of the request is stored."""

import os

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.conftest import image_bytes, snapshot, unused_code
from tests.factories import client_for

UPDATE = "/users/update/me/"


def upload(client, content: bytes | None = None, **fields):
    content = image_bytes("PNG") if content is None else content
    file = SimpleUploadedFile("a.png", content, content_type="image/png")
    return client.patch(UPDATE, {"avatar": file, **fields}, format="multipart")


def stored_files(settings) -> list[str]:
    folder = settings.MEDIA_ROOT / "avatars"
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_the_default_limit_is_10_an_hour(settings):
    assert settings.AVATAR_UPLOADS_HOURLY_LIMIT == 10
    assert settings.RATE_LIMIT_WINDOW == 3600


def test_uploads_beyond_the_limit_answer_429_and_store_nothing(user, settings, monkeypatch):
    settings.AVATAR_UPLOADS_HOURLY_LIMIT = 3
    client = client_for(user)
    for _ in range(3):
        assert upload(client).status_code == 200
    files = stored_files(settings)
    before = snapshot(user)
    content = image_bytes("PNG")
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self))

    response = upload(client, content, first_name="Changed")

    assert response.status_code == 429
    assert response.json() == {
        "detail": f"Too many avatar uploads. Try again in {response['Retry-After']} seconds.",
        "code": "rate_limited",
    }
    assert 3500 < int(response["Retry-After"]) <= 3600
    assert decoded == []
    assert snapshot(user) == before
    assert stored_files(settings) == files


def test_the_limit_is_per_account(make_user, settings):
    settings.AVATAR_UPLOADS_HOURLY_LIMIT = 1
    first, second = make_user(), make_user()
    assert upload(client_for(first)).status_code == 200
    assert upload(client_for(first)).status_code == 429
    assert upload(client_for(second)).status_code == 200


def test_edits_without_an_avatar_are_not_limited(user, settings):
    settings.AVATAR_UPLOADS_HOURLY_LIMIT = 1
    client = client_for(user)
    assert upload(client).status_code == 200
    for name in ("Anna", "Maria"):
        response = client.patch(UPDATE, {"first_name": name}, format="json")
        assert response.status_code == 200
    assert client.patch(UPDATE, {"avatar": None}, format="json").status_code == 200


def test_an_upload_whose_edit_fails_still_counts(user, settings):
    """It was decoded: its cost was paid, whatever happened to the rest of the edit."""
    settings.AVATAR_UPLOADS_HOURLY_LIMIT = 1
    client = client_for(user)
    assert upload(client, user_referral=unused_code()).status_code == 400
    assert stored_files(settings) == []
    assert upload(client).status_code == 429


def test_the_browser_form_is_limited_too(user, settings):
    settings.AVATAR_UPLOADS_HOURLY_LIMIT = 1
    client = Client()
    client.force_login(user)

    def post():
        file = SimpleUploadedFile("a.png", image_bytes("PNG"), content_type="image/png")
        return client.post("/profile/edit/", {"avatar": file})

    assert post().status_code == 302
    before = snapshot(user)
    files = stored_files(settings)
    refused = post()
    assert refused.status_code == 200
    assert "Too many avatar uploads." in refused.content.decode()
    assert snapshot(user) == before
    assert stored_files(settings) == files


def test_a_file_refused_at_its_header_is_not_counted(user, settings):
    settings.AVATAR_UPLOADS_HOURLY_LIMIT = 1
    client = Client()
    client.force_login(user)
    file = SimpleUploadedFile("a.png", b"not an image", content_type="image/png")
    refused = client.post("/profile/edit/", {"avatar": file})
    assert refused.status_code == 200 and "Upload a valid image" in refused.content.decode()
    assert upload(client_for(user)).status_code == 200
