"""/healthz checks the database and Redis for real; /livez checks nothing. Both answer
probes that come with an IP address as Host and over plain HTTP."""

import pytest
from django.test import Client


@pytest.fixture
def client():
    return Client()


def test_healthz_ok_when_database_and_redis_answer(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_without_redis_url_redis_is_not_configured_and_not_a_failure(db, client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_livez_touches_nothing(client, settings):
    # No `db` fixture: any database access would raise here.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there; never asked
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/livez", "/healthz"])
def test_probes_by_ip_and_plain_http_are_answered(db, client, settings, path):
    settings.ALLOWED_HOSTS = ["api.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(path, HTTP_HOST="10.0.3.7:8000")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert client.head(path, HTTP_HOST="10.0.3.7:8000").status_code == 200


def test_other_paths_keep_host_validation_and_the_https_redirect(db, settings):
    settings.ALLOWED_HOSTS = ["api.example.com"]
    settings.SECURE_SSL_REDIRECT = True  # read when the middleware is built: set it first
    client = Client()
    assert client.get("/api/schema/", HTTP_HOST="10.0.3.7:8000").status_code == 400
    redirect = client.get("/api/schema/", HTTP_HOST="api.example.com")
    assert redirect.status_code == 301
    assert redirect["Location"] == "https://api.example.com/api/schema/"


@pytest.mark.parametrize("path", ["/livez", "/healthz"])
def test_health_paths_only_read(db, client, path):
    response = client.post(path, {}, content_type="application/json")
    assert response.status_code == 405


def test_healthz_names_redis_when_it_does_not_answer(db, client, settings):
    from tests.support.processes import free_port

    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "redis": "unavailable",
        "detail": "Not answering: redis.",
    }


def test_healthz_names_the_database_when_it_does_not_answer(transactional_db, client):
    from django.db import connection

    from tests.support.processes import free_port

    def reconnect() -> None:
        connection.close()
        if connection.pool is not None:
            connection.close_pool()  # the next connection comes from a new pool

    port = connection.settings_dict["PORT"]
    reconnect()
    connection.settings_dict["PORT"] = str(free_port())  # nothing listens there
    try:
        response = client.get("/healthz")
    finally:
        reconnect()
        connection.settings_dict["PORT"] = port
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unavailable",
        "redis": "ok",
        "detail": "Not answering: database.",
    }
