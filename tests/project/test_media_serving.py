"""Uploaded files are served by Django only in development; in production nginx does."""

import importlib

import pytest
from django.urls import clear_url_caches

import project.urls


@pytest.fixture
def reload_urls(settings):
    original = settings.SERVE_MEDIA

    def reload():
        clear_url_caches()
        importlib.reload(project.urls)

    yield reload
    settings.SERVE_MEDIA = original
    reload()  # back to the test settings' URL conf


def test_media_is_not_served_outside_development(api, settings, reload_urls, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "avatars").mkdir()
    (tmp_path / "avatars" / "a.png").write_bytes(b"png")
    settings.SERVE_MEDIA = False
    reload_urls()
    assert api.get("/media/avatars/a.png").status_code == 404

    settings.SERVE_MEDIA = True
    reload_urls()
    response = api.get("/media/avatars/a.png")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"png"
