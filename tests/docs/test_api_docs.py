"""docs/api.md documents every API operation, and nothing the service does not have."""

import re
from pathlib import Path

import pytest

from tests.docs.routes import (
    NON_API_PREFIXES,
    api_routes,
    generated_schema,
    openapi_spelling,
    operations,
)

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
METHODS = "GET|POST|PUT|PATCH|DELETE"
# Headings name operations: "#### `GET /users/<pk>/` — ...", "#### `PATCH|PUT /users/...`",
# "#### `PATCH /users/update/<pk>/` and `PUT /users/update/<pk>/`".
HEADING = re.compile(rf"^#{{3,4}} .*`(?:{METHODS})[|A-Z]* /")
OPERATION = re.compile(rf"`((?:{METHODS})(?:\|(?:{METHODS}))*) (/[^`?\s]*)")


def documented_operations(text: str) -> set[tuple[str, str]]:
    documented = set()
    for line in text.splitlines():
        if HEADING.match(line):
            for methods, path in OPERATION.findall(line):
                for method in methods.split("|"):
                    documented.add((method, openapi_spelling(path)))
    return documented


@pytest.fixture(scope="module")
def documented():
    return documented_operations(API_DOC.read_text())


@pytest.fixture(scope="module")
def schema_operations():
    return {(method, path) for method, path, _ in operations(generated_schema())}


def test_every_api_operation_is_documented(documented, schema_operations):
    assert ("POST", "/auth/sms/") in schema_operations
    assert sorted(schema_operations - documented) == []


def test_every_api_route_of_the_url_conf_is_documented(documented):
    paths = {path for _, path in documented}
    missing = sorted(route.path for route in api_routes() if route.path not in paths)
    assert missing == []


def test_the_docs_name_no_operation_the_service_lacks(documented, schema_operations):
    extra = {(m, p) for m, p in documented if not p.startswith(NON_API_PREFIXES)}
    assert sorted(extra - schema_operations) == []


def test_the_parser_reads_the_heading_forms():
    text = (
        "# API\n#### `GET /users/<pk>/` — profile\n#### `PATCH|PUT /users/update/<pk>/`\n"
        "#### `DELETE /users/delete/<pk>/` and `POST /x/<int:pk>/`\n"
        "### `GET /dev/sms/?phone=<phone>`\n`POST /not/a/heading/`\n## `GET /y/` section\n"
    )
    assert documented_operations(text) == {
        ("GET", "/users/{id}/"),
        ("PATCH", "/users/update/{id}/"),
        ("PUT", "/users/update/{id}/"),
        ("DELETE", "/users/delete/{id}/"),
        ("POST", "/x/{id}/"),
        ("GET", "/dev/sms/"),
    }


def test_the_readme_walkthrough_calls_only_documented_operations(documented):
    readme = (API_DOC.parents[1] / "README.md").read_text()
    called = set(re.findall(r"\$BASE(/[^\s\"'?]*)", readme))
    assert {"/auth/sms/", "/dev/sms/", "/users/login/", "/users/me/"} <= called
    # `/users/{id}/` matches `/users/me/`.
    patterns = [
        re.compile(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(p)) + "$") for _, p in documented
    ]
    assert sorted(p for p in called if not any(pat.match(p) for pat in patterns)) == []
