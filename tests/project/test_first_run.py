"""What a first `make run` shows: no stray broker folder, no warnings on a healthy run."""

import logging
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import run_without_redis
from tests.phones import phone_number

BACKEND = Path(__file__).resolve().parents[2] / "backend"

PUBLISH = """
import django
django.setup()
from django.conf import settings
from project.celery import app
print(settings.CELERY_BROKER_URL)
app.send_task("tasks.tasks.deliver_login_code", args=[0])
"""


@pytest.mark.process
def test_the_embedded_broker_keeps_everything_under_var_and_warns_nothing(tmp_path):
    """Without REDIS_URL, publishing a task (as `make run` does) writes only below
    APP_VAR_DIR, not a `control/` folder in the working directory, and kombu does not warn
    that no hostname was supplied."""
    cwd, var = tmp_path / "cwd", tmp_path / "var"
    cwd.mkdir()
    done = run_without_redis(
        PUBLISH,
        cwd=cwd,
        APP_VAR_DIR=str(var),
        DJANGO_DEBUG="true",
        CELERY_TASK_ALWAYS_EAGER="false",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("filesystem://localhost")
    assert "No hostname was supplied" not in done.stderr
    assert list(cwd.iterdir()) == []
    assert list((var / "broker" / "control").iterdir())  # the exchange table is here
    assert len(list((var / "broker" / "out").iterdir())) == 1  # and the message


def dev_inbox_not_found_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django.request" and r.status_code == 404]


def test_polling_the_development_inbox_logs_no_warning(api, settings, caplog):
    settings.SMS_DEV_INBOX = True
    settings.SMS_BACKEND = "simulated"
    with caplog.at_level(logging.WARNING):
        response = api.get("/dev/sms/", {"phone": phone_number()})
    assert response.status_code == 404  # no SMS yet: the UI polls again
    assert dev_inbox_not_found_records(caplog) == []


def test_other_not_found_answers_are_still_logged(api, caplog):
    with caplog.at_level(logging.WARNING):
        response = api.get(f"/tasks/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert [r.getMessage() for r in dev_inbox_not_found_records(caplog)] == [
        f"Not Found: {response.wsgi_request.path}"
    ]


REPO = BACKEND.parent
SETTINGS = """
import django
django.setup()
from django.conf import settings
print(settings.DEBUG, settings.SMS_DEV_INBOX)
"""


def make_run_environment(shell: dict[str, str]) -> dict[str, str]:
    """What `make run` and `make manage` give their processes after `cp .env.example .env`:
    the shell, the Makefile's development defaults where the shell has none (`export NAME
    ?= value`), then the file on top (honcho lets .env win)."""
    from honcho.environ import parse

    env = dict(shell)
    for name, value in re.findall(
        r"^export (\w+) \?= (\S+)$", (REPO / "Makefile").read_text(), re.M
    ):
        env.setdefault(name, value)
    env.update(parse((REPO / ".env.example").read_text()))
    return env


def start_settings(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    shell = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "-c", SETTINGS],
        cwd=cwd,
        env={**shell, **env, "DJANGO_SETTINGS_MODULE": "project.settings",
             "PYTHONPATH": str(BACKEND), "APP_VAR_DIR": str(cwd / "var")},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    "shell", [{}, {"DJANGO_DEBUG": "true"}], ids=["make run", "DJANGO_DEBUG=true make run"]
)
def test_the_copied_example_env_file_starts_make_run_in_development_mode(tmp_path, shell):
    started = start_settings(make_run_environment(shell), tmp_path)
    assert started.returncode == 0, started.stderr[-2000:]
    assert started.stdout.split() == ["True", "True"]


def test_without_debug_the_service_still_wants_a_secret_key(tmp_path):
    started = start_settings(make_run_environment({"DJANGO_DEBUG": "false"}), tmp_path)
    assert started.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in started.stderr
