"""The production configuration passes `manage.py check --deploy`, and refuses to start
without a secret key."""

import secrets
import subprocess
import sys

import pytest

from tests.support.processes import BACKEND_DIR, child_env

pytestmark = pytest.mark.process  # starts other processes


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECURE_HTTPS": "true",
    "DJANGO_ALLOWED_HOSTS": "referral.example.com",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "SMS_BACKEND": "smsaero",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BACKEND_DIR,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_the_production_configuration():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_flags_plain_http():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **{**PRODUCTION, "DJANGO_SECURE_HTTPS": "false"},
    )
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr


def test_a_visibility_timeout_that_outlives_the_code_is_flagged(settings):
    from tasks.checks import visibility_timeout_below_code_lifetime

    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
    settings.LOGIN_CODE_TTL = 300
    assert [m.id for m in visibility_timeout_below_code_lifetime()] == ["tasks.W001"]
    settings.LOGIN_CODE_TTL = 301
    assert visibility_timeout_below_code_lifetime() == []
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}  # the embedded broker has no such timeout
    assert visibility_timeout_below_code_lifetime() == []


def test_check_deploy_warns_when_the_simulated_sender_runs_without_debug():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "SMS_BACKEND": "simulated"}
    )
    assert result.returncode != 0
    assert "tasks.W002" in result.stderr
    assert "nobody receives a login code" in result.stderr


def test_the_simulated_sender_warning_is_for_deploy_checks_only():
    # `make test` runs a plain check with DEBUG off and the default (simulated) sender.
    result = manage(
        "check", "--fail-level", "WARNING", **{**PRODUCTION, "SMS_BACKEND": "simulated"}
    )
    assert result.returncode == 0, result.stderr
    development = {**PRODUCTION, "SMS_BACKEND": "simulated", "DJANGO_DEBUG": "true"}
    assert "tasks.W002" not in manage("check", "--deploy", **development).stderr


def test_make_run_listens_on_the_loopback_address_only():
    procfile = (BACKEND_DIR.parent / "Procfile").read_text()
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))
    assert "runserver 127.0.0.1:" in web
    assert "0.0.0.0" not in procfile
