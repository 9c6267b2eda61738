"""Every shell command in the README and docs/ (their ```sh blocks) runs as written after
the README's set-up: the `make` targets and variables exist, every management command
(`make manage ARGS="..."`, `manage.py ...`) exists and accepts its arguments, and the
files, directories and compose services they name are there."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands, load_command_class
from django.core.management.base import CommandError

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").glob("*.md"))]
BLOCK_RE = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
OPERATORS = {"&&", "||", ";", "|", "do", "then", "done", "fi", "until", "while", "if"}
# The programs the documented commands use: the README's set-up gives make, the shell and
# python3; the rest are named by the pages that use them (curl, docker, npm, gettext).
PROGRAMS = {
    "make", "cp", "cd", "curl", "echo", "sleep", "grep", "field", "docker", "npm", "npx",
    "msgfmt", "python3", "BASE_URL", "scripts/compose_flow.sh", ".venv/bin/pytest",
}  # fmt: skip
SHELL_WORDS = {"field()", "{", "}"}


def commands(page: Path) -> list[list[str]]:
    """The simple commands of a page's sh blocks, each as its words."""
    found = []
    for block in BLOCK_RE.findall(page.read_text()):
        text = block.replace("\\\n", " ")
        # What `$(...)` prints stands in for it (a word: `$(openssl rand -hex 32)`).
        text = re.sub(r"\$\([^()]*\)", "SUBSTITUTED", text)
        for line in text.splitlines():
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
            lexer.whitespace_split = True
            lexer.commenters = "#"
            words: list[str] = []
            for word in lexer:
                if word in OPERATORS or set(word) <= set(";&|()"):
                    if words:
                        found.append(words)
                    words = []
                else:
                    words.append(word)
            if words:
                found.append(words)
    return found


def all_commands() -> list[tuple[str, list[str]]]:
    return [(page.name, words) for page in PAGES if page.exists() for words in commands(page)]


def without_assignments(words: list[str]) -> list[str]:
    """A command without its leading `NAME=value` words."""
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        words = words[1:]
    return words


def make_targets() -> set[str]:
    text = (REPO / "Makefile").read_text()
    return set(re.findall(r"^([a-z][\w-]*):(?!=)", text, re.M))


def check_management_command(argv: list[str]) -> None:
    """`argv` is a management command that exists and whose parser accepts the rest."""
    name, args = argv[0], argv[1:]
    apps = get_commands()
    assert name in apps, f"no management command {name!r}"
    command = load_command_class(apps[name], name)
    try:
        command.create_parser("manage.py", name).parse_args(args)
    except CommandError as exc:
        raise AssertionError(f"manage.py {shlex.join(argv)}: {exc}") from exc


def test_the_pages_have_commands():
    found = all_commands()
    assert len(found) > 30
    assert any(words[:2] == ["make", "manage"] for _, words in found)


def test_every_program_is_one_the_set_up_provides():
    used = {without_assignments(w)[0] for _, w in all_commands() if without_assignments(w)}
    assert used - PROGRAMS - SHELL_WORDS == set()


@pytest.mark.parametrize(
    "page, words",
    [(p, w) for p, w in all_commands() if without_assignments(w)[:1] == ["make"]],
    ids=lambda value: shlex.join(value) if isinstance(value, list) else value,
)
def test_make_targets_and_variables_exist(page, words):
    makefile = (REPO / "Makefile").read_text()
    targets = [w for w in words[1:] if "=" not in w and not w.startswith("-")]
    assert targets, f"{page}: bare `make`"
    assert set(targets) <= make_targets(), f"{page}: {shlex.join(words)}"
    for word in words[1:]:
        if "=" in word:
            variable, _, value = word.partition("=")
            assert f"$({variable})" in makefile, f"{page}: make does not use {variable}"
            if variable == "ARGS":
                check_management_command(shlex.split(value))


def test_manage_py_commands_exist():
    for _, words in all_commands():
        if "manage.py" in words:
            check_management_command(words[words.index("manage.py") + 1 :])


def test_docker_compose_commands_name_its_files_and_services():
    services = set(yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"])
    for page, words in all_commands():
        words = without_assignments(words)
        if words[:2] != ["docker", "compose"]:
            continue
        rest = words[2:]
        while rest and rest[0] == "-f":
            assert (REPO / rest[1]).is_file(), f"{page}: {rest[1]}"
            rest = rest[2:]
        if rest and rest[0] in {"exec", "logs"}:
            named = [w for w in rest[1:] if not w.startswith("-")]
            named = named[:1] if rest[0] == "exec" else named
            assert set(named) <= services, f"{page}: {shlex.join(words)}"


PATH_RE = re.compile(r"^\.?[\w.-]+(/[\w.*-]+)+/?$|^\.?[\w-]+\.(json|sh|yml|md|py|example)$")


def test_files_and_directories_they_name_exist():
    missing = []
    for page, words in all_commands():
        cwd = REPO
        for word in words:
            candidate = word.split("=", 1)[-1]  # --env-var=..., -o=...
            if "://" in candidate or "$" in candidate or "*" in candidate:
                continue
            if PATH_RE.match(candidate) and not (cwd / candidate).exists():
                if words[0] == "cp" and word == words[-1]:
                    continue  # cp's target: made by the command
                if candidate.endswith(".mo"):
                    continue  # msgfmt's output
                missing.append(f"{page}: {candidate} ({shlex.join(words)})")
        if words[0] == "cd":
            cwd = cwd / words[1]
    assert missing == []
