"""The backend speaks to the database through Django's public API: no private ORM names,
and the few statements the ORM cannot say are literal SQL in an app's queries.py, at
most three in the whole project (docs/decisions.md, "SQL in the open")."""

import ast
import re
from pathlib import Path

BACKEND = Path(__file__).resolve().parent.parent / "backend"
MAX_STATEMENTS = 3

# Names that change between Django releases (some are renamed in Django 6).
PRIVATE = re.compile(
    r"\b(_state|from_db|insert_statement|on_conflict_suffix_sql|return_insert_columns)\b"
    r"|compiler"
    r"|\b(connection|connections\[[^\]]*\]|db)\.ops\b",
    re.IGNORECASE,
)
SQL = re.compile(r"^\s*(SELECT|INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|WITH)\s", re.S)
RUNS_SQL = re.compile(r"\.(execute|executemany|raw|extra)\(|\bRaw(SQL)?\(|\bRunSQL\(")


def sources() -> list[Path]:
    return sorted(BACKEND.rglob("*.py"))


def docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def literal_statements(path: Path) -> list[str]:
    """The string literals of `path` (f-strings included) that are SQL statements."""
    tree = ast.parse(path.read_text())
    skip = docstrings(tree)
    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            texts.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            texts.append("".join(v.value for v in node.values if isinstance(v, ast.Constant)))
    return [t for t in texts if SQL.match(t)]


def test_no_private_django_api_in_the_backend():
    found = [
        f"{path.relative_to(BACKEND)}:{number}: {line.strip()}"
        for path in sources()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PRIVATE.search(line)
    ]
    assert found == []


def test_literal_sql_lives_in_queries_modules_and_there_are_at_most_three():
    statements = {path: literal_statements(path) for path in sources()}
    elsewhere = [str(p.relative_to(BACKEND)) for p, s in statements.items() if s]
    elsewhere = [p for p in elsewhere if not p.endswith("/queries.py")]
    assert elsewhere == []
    assert sum(len(s) for s in statements.values()) <= MAX_STATEMENTS
    runners = [
        f"{path.relative_to(BACKEND)}:{number}"
        for path in sources()
        if path.name != "queries.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if RUNS_SQL.search(line)
    ]
    assert runners == []


def test_each_literal_statement_says_why_and_takes_named_parameters():
    for path in BACKEND.rglob("queries.py"):
        lines = path.read_text().splitlines()
        tree = ast.parse("\n".join(lines))
        assigned = {
            id(node.value): node.lineno
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if not SQL.match(node.value):
                    continue
                assert "%s" not in node.value, node.value  # named parameters: %(phone)s
                # A module-level constant, with the reason in the comment right above it.
                assert id(node) in assigned, node.value
                assert lines[assigned[id(node)] - 2].lstrip().startswith("#"), node.value
