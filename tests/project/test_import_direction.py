"""The packages import one another one way (the contract in pyproject.toml): the code as it is
keeps it, and a reverse import, even one hidden inside a function, breaks it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.process  # starts other processes

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
APPS = ("project", "core", "auth_phone", "profiles", "webhooks", "tasks")


def lint_imports(backend: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=backend,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_apps_import_one_another_one_way():
    result = lint_imports(ROOT / "backend")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "reverse_import", "broken"),
    [
        ("tasks/services.py", "from auth_phone import codes", "tasks is not allowed to import"),
        (
            "profiles/views.py",
            "from auth_phone.services import phone_change",
            "profiles is not allowed",
        ),
        ("webhooks/services.py", "from profiles.models import User", "webhooks is not allowed"),
        ("core/http.py", "from tasks import sms", "core is not allowed to import tasks"),
        ("auth_phone/views.py", "from project import urls", "auth_phone is not allowed"),
    ],
)
def test_a_reverse_import_inside_a_function_breaks_the_contract(
    tmp_path, module, reverse_import, broken
):
    backend = tmp_path / "backend"
    for package in APPS:
        shutil.copytree(
            ROOT / "backend" / package,
            backend / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    with open(backend / module, "a") as source:
        source.write(f"\n\ndef _hidden():\n    {reverse_import}  # noqa: F401\n")
    result = lint_imports(backend)
    assert result.returncode == 1
    assert broken in result.stdout
