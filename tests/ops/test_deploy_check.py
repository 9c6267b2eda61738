"""The production configuration passes `manage.py check --deploy`, and refuses to start
without a secret key."""

import secrets
import subprocess
import sys

from tests.ops.processes import BACKEND_DIR, child_env

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECURE_HTTPS": "true",
    "DJANGO_ALLOWED_HOSTS": "referral.example.com",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
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
