"""Requests gunicorn refuses before Django sees them still get a JSON error body."""

import pytest

from tests.ops.processes import WebServer, child_env

pytestmark = pytest.mark.timeout(120)


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


def test_requests_within_the_limit_reach_the_application(web):
    response = web.get("/livez?pad=" + "9" * 3000)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
