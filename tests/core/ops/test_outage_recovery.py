"""Outages of Redis or the database: a real gunicorn server answers 503 naming what is
down, never a 500, writes nothing, and recovers by itself once the service is back."""

import pytest

from profiles.models import User
from tests.phones import phone_number
from tests.support.processes import RedisServer, WebServer, child_env, free_port, wait_for

pytestmark = [pytest.mark.process, pytest.mark.timeout(180)]


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def web_server(tmp_path, **env):
    return WebServer(child_env(**env), tmp_path / "gunicorn.log")


def test_redis_stopped_then_started_again(transactional_db, private_redis, tmp_path):
    web = web_server(tmp_path, REDIS_URL=private_redis.url)
    try:
        assert web.get("/healthz").json() == {"status": "ok", "database": "ok", "redis": "ok"}
        assert web.post("/auth/sms/", {"phone": phone_number()}).status_code == 201

        private_redis.stop()

        health = web.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {
            "status": "unavailable",
            "database": "ok",
            "redis": "unavailable",
            "detail": "Not answering: redis.",
        }
        assert web.get("/livez").status_code == 200
        refused = web.post("/auth/sms/", {"phone": phone_number(1234568)})
        assert refused.status_code == 503
        assert refused.json() == {
            "detail": "Service temporarily unavailable: Redis cannot be reached. Try again later.",
            "code": "service_unavailable",
        }
        assert not User.objects.filter(phone=phone_number(1234568)).exists()

        private_redis.start()  # same port, empty: the web server was not restarted

        wait_for(lambda: web.get("/healthz").status_code == 200, 60, "/healthz to recover")
        again = web.post("/auth/sms/", {"phone": phone_number(1234568)})
        assert again.status_code == 201, again.text
        assert User.objects.filter(phone=phone_number(1234568)).exists()
    finally:
        web.close()


def test_database_unreachable(transactional_db, private_redis, tmp_path):
    nowhere = f"postgres://postgres@127.0.0.1:{free_port()}/referral"
    web = web_server(tmp_path, REDIS_URL=private_redis.url, DATABASE_URL=nowhere)
    try:
        assert web.get("/livez").json() == {"status": "ok"}
        health = web.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {
            "status": "unavailable",
            "database": "unavailable",
            "redis": "ok",
            "detail": "Not answering: database.",
        }
        refused = web.post("/auth/sms/", {"phone": phone_number()})
        assert refused.status_code == 503
        assert "database cannot be reached" in refused.json()["detail"]
    finally:
        web.close()
