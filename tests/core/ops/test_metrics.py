"""GET /metrics: Prometheus text for the internal network or a token, and counters that
move with the login -> profile -> invite flow."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tasks import sms
from tasks.sms import SmsTransientError
from tests.conftest import last_code
from tests.phones import phone_number

PUBLIC = "203.0.113.7"
REPO = Path(__file__).resolve().parents[3]


class DownSender:
    """A provider that is always unavailable."""

    name = "down"

    def send(self, *, phone: str, text: str) -> str:
        raise SmsTransientError("gateway unavailable")


def samples(api, **extra) -> dict[tuple, float]:
    response = api.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def delta(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1"])
def test_loopback_callers_read_the_metrics(api, address):
    assert samples(api, REMOTE_ADDR=address)


@pytest.mark.parametrize("address", ["10.1.2.3", "172.18.0.5", "192.168.1.20", "fd00::5"])
def test_private_networks_are_refused_by_default(api, address):
    """A private address is not proof of a caller on this service's own network (another
    tenant, a VPN): only loopback unless METRICS_ALLOWED_NETWORKS names more."""
    response = api.get("/metrics", REMOTE_ADDR=address)
    assert response.status_code == 403
    assert response.json() == {"detail": "Metrics are available on the internal network only."}


def test_the_allowed_networks_are_read_at_each_request(api, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.1.0.0/16"]
    assert samples(api, REMOTE_ADDR="10.1.2.3")
    assert api.get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 403
    assert api.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_outsiders_are_refused_even_with_a_forged_forwarded_header(api, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    response = api.get("/metrics", REMOTE_ADDR=PUBLIC, HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 403
    assert response.json() == {"detail": "Metrics are available on the internal network only."}
    assert b"http_request_duration_seconds" not in response.content


def test_a_token_opens_the_metrics_from_anywhere_and_a_wrong_one_does_not(api, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert samples(api, REMOTE_ADDR=PUBLIC, HTTP_AUTHORIZATION="Bearer s3cret-token")
    for wrong in ("Bearer s3cret", "s3cret-token", "Bearer s3cret-token2"):
        response = api.get("/metrics", REMOTE_ADDR=PUBLIC, HTTP_AUTHORIZATION=wrong)
        assert response.status_code == 403


def test_no_token_configured_means_no_token_opens_them(api, settings):
    settings.METRICS_TOKEN = ""
    response = api.get("/metrics", REMOTE_ADDR=PUBLIC, HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403


def test_the_counters_move_with_the_login_profile_and_invite_flow(api):
    first, second = phone_number(1230001), phone_number(1230002)
    before = samples(api)

    assert api.post("/auth/sms/", {"phone": first}, format="json").status_code == 201
    assert api.post("/auth/sms/", {"phone": first}, format="json").status_code == 429
    wrong = "0000" if last_code(first) != "0000" else "1111"
    assert api.post("/users/login/", {"phone": first, "password": wrong}).status_code == 400
    login = api.post("/users/login/", {"phone": first, "password": last_code(first)})
    assert login.status_code == 200
    assert api.post("/auth/sms/", {"phone": second}, format="json").status_code == 201
    second_login = api.post("/users/login/", {"phone": second, "password": last_code(second)})
    assert second_login.status_code == 200

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {second_login.json()['access']}")
    inviter_code = api.get("/users/me/").json()["self_referral"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    profile = api.get("/users/me/")
    assert profile.status_code == 200
    activation = api.patch("/users/update/me/", {"user_referral": inviter_code}, format="json")
    assert activation.status_code == 200
    api.credentials()

    after = samples(api)
    assert delta(before, after, "login_codes_requested_total", new_user="true") == 2
    assert delta(before, after, "login_codes_requested_total", new_user="false") == 0
    assert delta(before, after, "sms_deliveries_total", backend="locmem", outcome="sent") == 2
    assert delta(before, after, "logins_total", outcome="success") == 2
    assert delta(before, after, "logins_total", outcome="WrongCode") == 1
    assert delta(before, after, "rate_limit_refusals_total", limit="sms_cooldown") == 1
    assert delta(before, after, "invite_activations_total") == 1

    def requests(view: str, method: str, status: str) -> float:
        labels = {"view": view, "method": method, "status": status}
        return delta(before, after, "http_request_duration_seconds_count", **labels)

    assert requests("sms-code-request", "POST", "201") == 2
    assert requests("sms-code-request", "POST", "429") == 1
    assert requests("profile", "GET", "200") == 2


def test_a_refused_activation_counts_nothing(api, request_code):
    phone = phone_number(1230003)
    token = api.post("/users/login/", {"phone": phone, "password": request_code(phone)}).json()
    before = samples(api)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token['access']}")
    response = api.patch("/users/update/me/", {"user_referral": "ZZZZZZ"}, format="json")
    assert response.status_code == 400
    api.credentials()
    assert delta(before, samples(api), "invite_activations_total") == 0


def test_provider_outages_count_retries_then_one_failure(api, settings, monkeypatch):
    monkeypatch.setitem(sms.SENDERS, "down", DownSender)
    settings.SMS_BACKEND = "down"
    from auth_phone.tasks import deliver_login_code

    before = samples(api)
    assert (
        api.post("/auth/sms/", {"phone": phone_number(1230004)}, format="json").status_code == 201
    )
    after = samples(api)

    def outcomes(outcome: str) -> float:
        labels = {"backend": settings.SMS_BACKEND, "outcome": outcome}
        return delta(before, after, "sms_deliveries_total", **labels)

    assert outcomes("retried") == deliver_login_code.max_retries
    assert outcomes("failed") == 1
    assert outcomes("sent") == 0


def test_unknown_methods_and_paths_do_not_create_new_series(api):
    before = samples(api)
    api.generic("BREW", "/no/such/page/")
    after = samples(api)
    assert delta(before, after, "http_request_duration_seconds_count",
                 view="unmatched", method="other", status="404") == 1  # fmt: skip
    assert not any("BREW" in str(key) or "/no/such" in str(key) for key in after)


def test_with_a_multiprocess_directory_the_processes_counts_are_added_up(
    api, tmp_path, monkeypatch
):
    """gunicorn's processes each write their own file; one scrape reports the sum."""
    import os
    import subprocess
    import sys

    script = (
        "from prometheus_client import Counter; "
        "Counter('invite_activations', 'Invite codes activated.').inc({})"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for amount in (2, 3):  # two processes
        subprocess.run([sys.executable, "-c", script.format(amount)], env=env, check=True)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert samples(api)[("invite_activations_total", ())] == 5


def test_gunicorn_starts_with_an_empty_metrics_directory_and_forgets_dead_workers(
    tmp_path, monkeypatch
):
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    from gunicorn import util

    monkeypatch.setattr(util, "write_error", util.write_error)  # restored afterwards
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_4242.db").write_bytes(b"left over")
    (directory / "gauge_livesum_4242.db").write_bytes(b"left over")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    config = runpy.run_path(str(Path(__file__).parents[3] / "backend" / "gunicorn.conf.py"))
    assert config["max_requests"] == 0  # no recycling unless GUNICORN_MAX_REQUESTS says so

    config["on_starting"](None)
    assert directory.is_dir() and list(directory.iterdir()) == []
    (directory / "gauge_livesum_77.db").write_bytes(b"")
    config["child_exit"](None, SimpleNamespace(pid=77))
    assert not (directory / "gauge_livesum_77.db").exists()


def test_a_peer_address_that_is_not_an_address_is_refused(api):
    assert api.get("/metrics", REMOTE_ADDR="unix-socket").status_code == 403


def test_a_scraper_on_the_compose_network_is_answered_over_plain_http(api, settings):
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    allowed = compose["x-app-environment"]["METRICS_ALLOWED_NETWORKS"]  # ${NAME:-default}
    settings.METRICS_ALLOWED_NETWORKS = allowed.split(":-", 1)[1].rstrip("}").split(",")
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["referral.example.com"]
    response = api.get("/metrics", HTTP_HOST="web:8000", REMOTE_ADDR="172.28.0.9")
    assert response.status_code == 200
    assert b"# TYPE invite_activations_total counter" in response.content
    # Everything else still goes through host validation and the redirect.
    assert api.get("/users/me/", HTTP_HOST="web:8000").status_code == 400


def test_a_refused_login_is_counted_under_its_limit_and_not_as_a_login(api, settings):
    settings.LOGIN_FAILURES_IP_HOURLY_LIMIT = 1
    before = samples(api)
    first = api.post("/users/login/", {"phone": phone_number(1230005), "password": "1234"})
    second = api.post("/users/login/", {"phone": phone_number(1230006), "password": "1234"})
    assert (first.status_code, second.status_code) == (400, 429)
    after = samples(api)
    assert delta(before, after, "rate_limit_refusals_total", limit="login_ip") == 1
    assert delta(before, after, "logins_total", outcome="NoActiveCode") == 1
    assert (
        sum(v for (name, _), v in after.items() if name == "logins_total")
        - sum(v for (name, _), v in before.items() if name == "logins_total")
        == 1
    )
