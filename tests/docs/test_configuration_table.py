"""The configuration table (docs/configuration.md) says what runs: its defaults agree with
the settings, with what `make run` starts (Makefile, Procfile), with docker-compose.yml
and with the images (Dockerfile.web, Dockerfile.worker).

A default cell reads "`value`" or "`value` (make run: `x`; compose: `y`)": the plain value
is what the settings fall back to, a qualified one what that way of running sets."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
ROW_RE = re.compile(r"^\| `([A-Z0-9_]+)` \| (.*?) \| .* \|$", re.MULTILINE)
QUALIFIED_RE = re.compile(r"`?(make run|compose(?: [a-z-]+)?|web image|images)`?: `([^`]*)`")
SHELL_DEFAULT_RE = re.compile(r"\$\{([A-Z0-9_]+):-([^}]*)\}")
SETTINGS_DEFAULT_RE = re.compile(
    r'env\.(?:int|bool|str|float)\(\s*"([A-Z0-9_]+)",\s*default=([-\w."/*]+)\s*\)'
)
# Command-line options that stand for a setting, as Celery reads them.
OPTIONS = {
    "--concurrency": "CELERY_WORKER_CONCURRENCY",
    "--pool": "CELERY_WORKER_POOL",
    "--events": "CELERY_TASK_EVENTS",
    "-E": "CELERY_TASK_EVENTS",
}


def table() -> dict[str, tuple[str | None, dict[str, str]]]:
    """Each variable: (its plain default, or None when the cell starts with words), and
    the values qualified by a way of running."""
    text = (REPO / "docs" / "configuration.md").read_text()
    rows = {}
    for name, cell in ROW_RE.findall(text):
        plain = re.match(r"`([^`]*)`", cell)
        rows[name] = (plain.group(1) if plain else None, dict(QUALIFIED_RE.findall(cell)))
    return rows


def same(documented: str, actual: str) -> bool:
    documented, actual = documented.strip().strip('"'), actual.strip().strip('"')
    if documented.lower() in ("true", "false") or actual in ("True", "False"):
        return documented.lower() == actual.lower()
    try:
        return float(documented) == float(actual)
    except ValueError:
        return documented == actual


def options_of(command: str) -> dict[str, str]:
    """The settings a celery command line fixes, by variable."""
    found = {}
    for word in command.split():
        option, _, value = word.partition("=")
        if option in OPTIONS:
            found[OPTIONS[option]] = value or "true"
    for name, value in SHELL_DEFAULT_RE.findall(command):
        found[name] = value
    return found


def make_run_values() -> dict[str, str]:
    values = dict(
        re.findall(r"^export ([A-Z0-9_]+) \?= (\S+)$", (REPO / "Makefile").read_text(), re.M)
    )
    for line in (REPO / "Procfile").read_text().splitlines():
        values.update(options_of(line))
    values.setdefault("CELERY_TASK_EVENTS", "false")  # no --events: the setting's default
    return values


def compose_values() -> dict[str, dict[str, str]]:
    """What each service of docker-compose.yml sets, `${NAME:-default}` resolved."""
    text = (REPO / "docker-compose.yml").read_text()
    services = yaml.safe_load(text)["services"]
    values: dict[str, dict[str, str]] = {"compose": dict(SHELL_DEFAULT_RE.findall(text))}
    for name, service in services.items():
        environment = {
            key: SHELL_DEFAULT_RE.sub(r"\2", str(value))
            for key, value in (service.get("environment") or {}).items()
        }
        command = service.get("command")
        if isinstance(command, list) and "celery" in command:
            environment.update(options_of(" ".join(command)))
        values[name] = environment
    return values


def image_values(dockerfile: str) -> dict[str, str]:
    text = (REPO / dockerfile).read_text().replace("\\\n", " ")
    values = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            values.update(re.findall(r"([A-Z0-9_]+)=(\S+)", line))
        if line.startswith("CMD ") and "celery" in line:
            values.update(options_of(" ".join(re.findall(r'"([^"]*)"', line))))
    return values


def settings_defaults() -> dict[str, str]:
    """`env.int("NAME", default=literal)` and the like, in the settings module(s)."""
    project = REPO / "backend" / "project"
    sources = [project / "settings.py", *(project / "settings").glob("*.py")]
    found = {}
    for source in sources:
        if source.exists():
            found.update(SETTINGS_DEFAULT_RE.findall(source.read_text()))
    return found


def test_the_table_reads_as_expected():
    rows = table()
    assert len(rows) > 80
    assert rows["CELERY_WORKER_CONCURRENCY"] == ("32", {"make run": "16"})


def test_plain_defaults_are_the_settings_defaults():
    rows, defaults = table(), settings_defaults()
    assert len(defaults) > 50  # the pattern still finds the settings' defaults
    wrong = {
        name: (rows[name][0], default)
        for name, default in defaults.items()
        if name in rows and rows[name][0] is not None and not same(rows[name][0], default)
    }
    assert wrong == {}, "documented default != settings default"
    undocumented = sorted(set(defaults) - set(rows))
    assert undocumented == [], "settings without a row in docs/configuration.md"


def check_way(way: str, actual: dict[str, str], qualifiers: tuple[str, ...]) -> list[str]:
    """Disagreements between the table and one way of running (`actual`): a value it sets
    must be the table's qualified value for it, or the plain default when there is none."""
    problems = []
    for name, (plain, qualified) in table().items():
        if name not in actual:
            continue
        expected = next((qualified[q] for q in qualifiers if q in qualified), plain)
        if expected is None:
            continue
        if not same(expected, actual[name]):
            problems.append(f"{way}: {name}={actual[name]!r}, table says {expected!r}")
    return problems


def test_make_run_agrees_with_the_table():
    actual = make_run_values()
    assert {"DJANGO_DEBUG", "SMS_DEV_INBOX", "WEB_PORT", "CELERY_WORKER_CONCURRENCY"} <= set(actual)
    assert check_way("make run", actual, ("make run",)) == []


def test_compose_agrees_with_the_table():
    services = compose_values()
    problems = check_way("compose", services["compose"], ("compose",))
    for name in ("web-migrate", "web", "worker", "beat", "flower"):
        problems += check_way(f"compose {name}", services[name], (f"compose {name}", "compose"))
    assert problems == []


def test_images_agree_with_the_table():
    problems = []
    for dockerfile in ("Dockerfile.web", "Dockerfile.worker"):
        image = "web image" if dockerfile.endswith("web") else "worker image"
        problems += check_way(dockerfile, image_values(dockerfile), (image, "images"))
    assert problems == []
