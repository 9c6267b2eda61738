"""Requests gunicorn refuses before Django sees them still get a JSON error body."""

import pytest

from tests.support.processes import WebServer, child_env

pytestmark = [pytest.mark.process, pytest.mark.timeout(120)]


@pytest.fixture
def web(tmp_path, transactional_db):
    server = WebServer(child_env(), tmp_path / "gunicorn.log")
    yield server
    server.close()


def test_an_overlong_request_line_answers_400_in_json(web):
    response = web.get("/dev/sms/?phone=" + "9" * 5000)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    detail = response.json()["detail"]
    assert detail.startswith("Request Line is too large (") and detail.endswith(" > 4094)")
    assert response.json()["code"] == "bad_request"


def test_an_overlong_query_on_the_referral_list_is_a_documented_400(web):
    """The paginated list is the one operation with a query string: the refusal of an
    over-long one is part of its documented answers."""
    from django.test import Client

    schema = Client().get("/api/schema/?format=json").json()
    answers = schema["paths"]["/users/{id}/referrals/"]["get"]["responses"]
    response = web.get("/users/me/referrals/?" + "&".join(["page=9"] * 1000))
    assert response.status_code == 400 and "400" in answers


def test_requests_within_the_limit_reach_the_application(web):
    response = web.get("/livez?pad=" + "9" * 3000)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_hook_replaces_gunicorns_html_error_writer(monkeypatch):
    """The same hook in this process, where coverage sees it: the bytes on the socket."""
    import runpy
    import socket
    from pathlib import Path

    from gunicorn import util

    monkeypatch.setattr(util, "write_error", util.write_error)  # restored afterwards
    config = runpy.run_path(str(Path(__file__).parents[2] / "backend" / "gunicorn.conf.py"))
    config["on_starting"](None)
    server, client = socket.socketpair()
    with server, client:
        util.write_error(server, 431, "Request Header Fields Too Large", "Limit 8190")
        answer = client.recv(4096).decode()
    head, body = answer.split("\r\n\r\n", 1)
    assert head.splitlines()[0] == "HTTP/1.1 431 Request Header Fields Too Large"
    assert "Content-Type: application/json" in head.splitlines()
    assert f"Content-Length: {len(body)}" in head.splitlines()
    assert body == '{"detail": "Limit 8190", "code": "bad_request"}'
