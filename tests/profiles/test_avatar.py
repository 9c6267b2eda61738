import os
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from profiles.services.users import delete_user
from tests.conftest import image_bytes, snapshot
from tests.factories import client_for

UPDATE = "/users/update/me/"
URL_RE = re.compile(r"^http://testserver/media/(avatars/[0-9a-f]{32}\.(jpg|png|webp|gif))$")
INVALID = {"avatar": ["Upload a valid image: JPEG, PNG, WebP or GIF."], "code": "avatar_invalid"}


def upload(client, content: bytes, name="avatar.png", content_type="image/png", method="patch"):
    file = SimpleUploadedFile(name, content, content_type=content_type)
    return getattr(client, method)(UPDATE, {"avatar": file}, format="multipart")


def stored_files(settings) -> list[str]:
    folder = settings.MEDIA_ROOT / "avatars"
    return sorted(os.listdir(folder)) if folder.exists() else []


@pytest.mark.parametrize(
    ("fmt", "ext", "method"),
    [
        ("PNG", "png", "patch"),
        ("JPEG", "jpg", "put"),
        ("WEBP", "webp", "patch"),
        ("GIF", "gif", "put"),
    ],
)
def test_an_accepted_image_is_stored_and_its_url_returned(user, fmt, ext, method):
    content = image_bytes(fmt)

    # The stored name comes from the detected type, not from the uploaded name.
    response = upload(client_for(user), content, name="../../x.exe", method=method)

    assert response.status_code == 200, response.content
    match = URL_RE.match(response.json()["avatar"])
    assert match and match.group(2) == ext
    user.refresh_from_db()
    assert user.avatar.name == match.group(1)
    # Stored as Pillow encoded it again: the same kind of picture, not the uploaded bytes.
    with default_storage.open(user.avatar.name) as stored, Image.open(stored) as image:
        assert image.format == fmt and image.size == (8, 8)
    assert client_for(user).get("/users/me/").json()["avatar"] == response.json()["avatar"]


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"just some text, not an image", "avatar.png"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "broken.png"),  # a PNG signature, then junk
        (image_bytes("BMP"), "avatar.bmp"),  # an image, but not an accepted type
        (image_bytes("TIFF"), "avatar.jpg"),
        (b"GIF89a", "avatar.gif"),  # only the header
    ],
)
def test_anything_but_an_accepted_image_is_refused(user, settings, content, name):
    before = snapshot(user)
    response = upload(client_for(user), content, name=name)
    assert response.status_code == 400
    assert response.json() == INVALID
    assert snapshot(user) == before
    assert stored_files(settings) == []


def test_an_empty_file_is_refused(user, settings):
    before = snapshot(user)
    response = upload(client_for(user), b"")
    assert response.status_code == 400
    assert response.json() == {"avatar": ["The submitted file is empty."]}
    assert snapshot(user) == before


def test_a_file_over_the_default_limit_of_2_mib_is_refused(user, settings):
    assert settings.AVATAR_MAX_BYTES == 2 * 1024 * 1024
    content = image_bytes("PNG")
    content += b"\x00" * (2 * 1024 * 1024 + 1 - len(content))
    before = snapshot(user)

    response = upload(client_for(user), content)

    assert response.status_code == 400
    assert response.json() == {
        "avatar": ["The image is too large: the limit is 2 MiB."],
        "code": "avatar_too_large",
    }
    assert snapshot(user) == before
    assert stored_files(settings) == []


def test_the_limit_is_a_setting(user, settings):
    settings.AVATAR_MAX_BYTES = 1024
    small, big = image_bytes("PNG", (4, 4)), image_bytes("BMP", (64, 64))
    assert len(small) <= 1024 < len(big)

    assert upload(client_for(user), small).status_code == 200
    response = upload(client_for(user), big, name="big.bmp")

    assert response.status_code == 400
    assert response.json() == {
        "avatar": ["The image is too large: the limit is 1 KiB."],
        "code": "avatar_too_large",
    }


@pytest.mark.parametrize(("limit", "text"), [(1000, "1000 bytes"), (3 * 1024 * 1024, "3 MiB")])
def test_the_limit_is_named_in_readable_units(user, settings, limit, text):
    settings.AVATAR_MAX_BYTES = limit
    response = upload(client_for(user), b"\x00" * (limit + 1))
    assert response.json() == {
        "avatar": [f"The image is too large: the limit is {text}."],
        "code": "avatar_too_large",
    }


def test_a_string_is_not_a_file(user):
    before = snapshot(user)
    response = client_for(user).patch(UPDATE, {"avatar": "http://x/y.png"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["avatar"]
    assert snapshot(user) == before


@pytest.mark.parametrize("how", ["json-null", "multipart-empty"])
def test_null_clears_the_avatar_and_removes_the_file(
    user, settings, how, django_capture_on_commit_callbacks
):
    client = client_for(user)
    assert upload(client, image_bytes("PNG")).status_code == 200
    assert len(stored_files(settings)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        if how == "json-null":
            response = client.patch(UPDATE, {"avatar": None}, format="json")
        else:
            response = client.patch(UPDATE, {"avatar": ""}, format="multipart")

    assert response.status_code == 200
    assert response.json()["avatar"] is None
    user.refresh_from_db()
    assert not user.avatar
    assert stored_files(settings) == []


def test_a_new_avatar_replaces_the_old_file(user, settings, django_capture_on_commit_callbacks):
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        first = upload(client, image_bytes("PNG")).json()["avatar"]
    with django_capture_on_commit_callbacks(execute=True):
        second = upload(client, image_bytes("GIF")).json()["avatar"]
    assert first != second
    assert stored_files(settings) == [second.rsplit("/", 1)[1]]


def test_deleting_the_account_removes_its_avatar(
    user, settings, django_capture_on_commit_callbacks
):
    assert upload(client_for(user), image_bytes("PNG")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        delete_user(user=user)
    assert stored_files(settings) == []
