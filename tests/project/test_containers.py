"""The container files hold together without a Docker engine: the compose file's cross
references, the Dockerfiles' commands, and the documentation of every variable."""

import importlib
import json
import re
import runpy
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands
from django.urls import resolve

from project.celery import app as celery_app

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILES = ["Dockerfile.web", "Dockerfile.worker", "Dockerfile.flower"]
# Fixed by the product specification (section 6).
SPEC_VARIABLES = {
    "DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DJANGO_ALLOWED_HOSTS",
    "SMS_BACKEND", "SMS_DELAY_MIN", "SMS_DELAY_MAX", "SMS_DEV_INBOX", "SMSAERO_API_URL",
    "SMSAERO_EMAIL", "SMSAERO_API_KEY", "SMSAERO_SIGN",
}  # fmt: skip


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (REPO / dockerfile).read_text()
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def last(dockerfile: str, instruction: str) -> str:
    return [args for word, args in instructions(dockerfile) if word == instruction][-1]


def image_command(service: dict) -> list[str]:
    if "command" in service:
        command = service["command"]
        return command if isinstance(command, list) else shlex.split(command)
    return json.loads(last(service["build"]["dockerfile"], "CMD"))


def test_every_dependency_is_a_service_with_a_sensible_condition():
    for name, service in SERVICES.items():
        for target, rule in (service.get("depends_on") or {}).items():
            assert target in SERVICES, f"{name} depends on unknown {target}"
            condition = rule["condition"]
            if condition == "service_healthy":
                has_check = "healthcheck" in SERVICES[target] or "build" in SERVICES[target]
                assert has_check, f"{target} has no health check"
            else:
                assert condition == "service_completed_successfully"
                assert SERVICES[target].get("restart") == "no", f"{target} is not one-shot"


def test_web_and_worker_wait_for_the_stores_and_the_migrations():
    for name in ("web", "worker"):
        depends = SERVICES[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["web-migrate"]["condition"] == "service_completed_successfully"
    migrate = image_command(SERVICES["web-migrate"])
    assert migrate[:2] == ["sh", "-c"]
    assert migrate[2] == (
        "python manage.py migrate --noinput && python manage.py collectstatic --noinput"
    )
    assert {"migrate", "collectstatic"} <= set(get_commands())
    assert (REPO / "backend" / "manage.py").is_file()


def test_build_files_exist_and_use_the_python_3_11_slim_base():
    built = {s["build"]["dockerfile"] for s in SERVICES.values() if "build" in s}
    assert built == set(DOCKERFILES)
    for service in SERVICES.values():
        if "build" in service:
            assert (REPO / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
    for dockerfile in DOCKERFILES:
        assert last(dockerfile, "FROM") == "python:3.11-slim"


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_images_run_as_a_numeric_non_root_user_with_a_health_check(dockerfile):
    user = last(dockerfile, "USER")
    assert re.fullmatch(r"[1-9]\d*:[1-9]\d*", user), user
    assert last(dockerfile, "HEALTHCHECK").startswith("--interval=")


def test_the_web_command_names_the_wsgi_application_and_probes_livez():
    command = image_command(SERVICES["web"])
    assert command[0] == "gunicorn"
    module, _, attribute = command[1].partition(":")
    assert callable(getattr(importlib.import_module(module), attribute))
    assert "/livez" in last("Dockerfile.web", "HEALTHCHECK")
    assert resolve("/livez").func.view_class.__name__ == "LivenessApi"
    assert "collectstatic" in " ".join(a for w, a in instructions("Dockerfile.web") if w == "RUN")


def test_the_worker_command_names_the_celery_app_and_pings_itself():
    command = image_command(SERVICES["worker"])
    assert command[:4] == ["celery", "-A", "project", "worker"]
    assert "--pool=threads" in command
    assert importlib.import_module(command[2]).celery_app is celery_app
    assert "auth_phone.deliver_login_code" in celery_app.tasks
    health = last("Dockerfile.worker", "HEALTHCHECK")
    assert "celery -A project inspect ping" in health and "celery@$HOSTNAME" in health


def test_flower_needs_only_the_broker_and_its_credentials():
    flower = SERVICES["flower"]
    assert image_command(flower) == ["celery", "flower", "--port=5555"]
    assert importlib.import_module("flower.command")
    assert set(flower["environment"]) == {"CELERY_BROKER_URL", "FLOWER_BASIC_AUTH"}
    assert flower["environment"]["FLOWER_BASIC_AUTH"].startswith("${FLOWER_BASIC_AUTH:?")
    assert flower["ports"] == ["127.0.0.1:${FLOWER_PORT:-5555}:5555"]
    requirements = (REPO / "requirements.txt").read_text()
    for pin in re.findall(r'"([a-z\[\]]+==[\d.]+)"', last("Dockerfile.flower", "RUN")):
        assert pin in requirements, f"{pin} differs from requirements.txt"


def test_the_app_services_share_one_configuration_with_a_required_secret():
    app_services = ["web-migrate", "web", "worker"]
    for name in app_services:
        environment = SERVICES[name]["environment"]
        assert environment["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert SERVICES[name]["env_file"] == [{"path": ".env", "required": False}]
    # One hop (nginx) unless .env says more (a load balancer in front of nginx).
    assert SERVICES[name]["environment"]["NUM_PROXIES"] == "${NUM_PROXIES:-1}"
    assert "ports" not in SERVICES["web"]
    assert SERVICES["web"]["environment"]["PORT"] == "8000"


def test_nginx_is_the_only_published_http_port_and_serves_static_and_media():
    nginx = SERVICES["nginx"]
    assert re.fullmatch(r"nginx:\d+\.\d+\.\d+", nginx["image"]), "pin an exact nginx tag"
    assert nginx["ports"] == ["${HTTP_PORT:-8000}:80"]
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"nginx", "flower"}
    assert all(p.startswith("127.0.0.1:") for p in SERVICES["flower"]["ports"])
    mounts = set(nginx["volumes"])
    assert {"static:/srv/static:ro", "media:/srv/media:ro"} <= mounts
    assert "./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro" in mounts
    # The image's entrypoint runs it (only if executable) before nginx reads default.conf.
    assert "./nginx/trusted-proxies.sh:/docker-entrypoint.d/40-trusted-proxies.sh:ro" in mounts
    assert (REPO / "nginx" / "trusted-proxies.sh").stat().st_mode & 0o111
    assert nginx["environment"] == {"TRUSTED_PROXY_NETWORKS": "${TRUSTED_PROXY_NETWORKS:-}"}
    assert "media:/app/media" in SERVICES["web"]["volumes"]
    assert "static:/app/static" in SERVICES["web-migrate"]["volumes"]


def test_nginx_config_caps_bodies_in_json_passes_the_client_and_hides_metrics():
    conf = (REPO / "nginx" / "default.conf").read_text()
    assert "client_max_body_size 3m;" in conf
    assert re.search(r"error_page 413 @too_large;", conf)
    body = re.search(r"return 413 '(.*)\\n';", conf).group(1)
    assert json.loads(body)["detail"]
    for directive in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert re.search(rf"{directive} \d+s;", conf)
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
    assert "proxy_set_header X-Request-ID $request_id;" in conf
    # Behind a TLS terminator: its scheme only from TRUSTED_PROXY_NETWORKS (a process test
    # runs this file: tests/project/test_nginx_forwarded_proto.py).
    assert "proxy_set_header X-Forwarded-Proto $forwarded_proto;" in conf
    assert "include /etc/nginx/trusted-proxies.conf;" in conf
    assert "location = /metrics" in conf
    # A POST that reached a replica is never sent to a second one.
    assert not re.search(r"^\s*proxy_next_upstream [^;]*non_idempotent", conf, flags=re.M)
    assert resolve("/metrics").url_name == "metrics"


def test_metrics_are_open_to_the_compose_network_and_loopback_only():
    network = COMPOSE["networks"]["default"]
    assert network["name"] == "referral"
    (subnet,) = [entry["subnet"] for entry in network["ipam"]["config"]]
    allowed = SERVICES["web"]["environment"]["METRICS_ALLOWED_NETWORKS"]
    assert allowed == f"${{METRICS_ALLOWED_NETWORKS:-127.0.0.0/8,::1/128,{subnet}}}"


def test_one_beat_runs_the_housekeeping_schedule():
    beat = SERVICES["beat"]
    assert image_command(beat)[:4] == ["celery", "-A", "project", "beat"]
    assert "deploy" not in beat  # never replicated: each beat would run every job
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    celery_app.loader.import_default_modules()
    assert scheduled - set(celery_app.tasks) == set()
    procfile = (REPO / "Procfile").read_text()
    assert re.search(r"^beat: .*celery -A project beat", procfile, flags=re.M)


def test_dockerignore_keeps_secrets_and_local_state_out():
    lines = (REPO / ".dockerignore").read_text().splitlines()
    ignored = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
    for entry in (".env", ".venv", ".git", "backend/db.sqlite3", "backend/media/", "var/"):
        assert entry in ignored
    for needed in ("backend", "frontend_templates", "requirements.txt", "constraints.txt"):
        assert not any(entry.rstrip("/") == needed for entry in ignored)


def settings_variables() -> set[str]:
    source = "".join(
        p.read_text() for p in (REPO / "backend" / "project" / "settings").glob("*.py")
    )
    return set(re.findall(r'\.(?:str|bool|int|float|list|db)\(\s*"([A-Z][A-Z0-9_]+)"', source))


def example_variables() -> set[str]:
    text = (REPO / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.M))


def test_env_example_documents_every_variable():
    documented = example_variables()
    compose_text = (REPO / "docker-compose.yml").read_text()
    compose_vars = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", compose_text))
    assert len(settings_variables()) > 40
    assert settings_variables() - documented == set()
    assert compose_vars - documented == set()
    assert SPEC_VARIABLES - documented == set()
    assert {"WEB_CONCURRENCY", "GUNICORN_THREADS"} <= documented


def test_env_example_sets_only_production_safe_values():
    text = (REPO / ".env.example").read_text()
    active = dict(re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", text, flags=re.M))
    assert active == {
        "DJANGO_SECRET_KEY": "",
        "POSTGRES_PASSWORD": "",
        "FLOWER_BASIC_AUTH": "",
    }  # DJANGO_DEBUG is left to its default (off), which `make run` turns on


def test_configuration_table_lists_every_variable():
    page = (REPO / "docs" / "configuration.md").read_text()
    in_table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", page, flags=re.M))
    assert example_variables() - in_table == set()


def test_gunicorn_takes_port_processes_and_threads_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "5")
    config = runpy.run_path(str(REPO / "backend" / "gunicorn.conf.py"))
    assert config["bind"] == "0.0.0.0:9001"
    assert (config["workers"], config["threads"]) == (3, 5)
    assert config["worker_class"] == "gthread"


@pytest.mark.parametrize(
    "value, accesslog", [(None, None), ("", None), ("-", "-"), ("/var/log/a.log", "/var/log/a.log")]
)
def test_gunicorn_access_log_is_off_by_default_and_can_be_turned_on(monkeypatch, value, accesslog):
    if value is None:
        monkeypatch.delenv("GUNICORN_ACCESS_LOG", raising=False)
    else:
        monkeypatch.setenv("GUNICORN_ACCESS_LOG", value)
    config = runpy.run_path(str(REPO / "backend" / "gunicorn.conf.py"))
    assert config["accesslog"] == accesslog
