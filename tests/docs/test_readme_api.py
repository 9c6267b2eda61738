"""README.md documents every API operation, and nothing the service does not have."""

import re
from pathlib import Path

import pytest

from tests.docs.routes import NON_API_PREFIXES, api_routes, generated_schema, operations

README = Path(__file__).resolve().parents[2] / "README.md"
# "#### `GET /users/<pk>/` — ..." or "#### `PATCH|PUT /users/update/<pk>/`"
HEADING = re.compile(
    r"^#{3,4} `((?:GET|POST|PUT|PATCH|DELETE)(?:\|(?:GET|POST|PUT|PATCH|DELETE))*) (/[^`?\s]*)"
)


def _normalise(path: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)


def api_section(text: str) -> str:
    match = re.search(r"^## API$(.*?)(?=^## (?!#))", text, flags=re.M | re.S)
    assert match, "README.md has no '## API' section"
    return match.group(1)


def documented_operations(text: str) -> set[tuple[str, str]]:
    documented = set()
    for line in api_section(text).splitlines():
        match = HEADING.match(line)
        if match:
            for method in match.group(1).split("|"):
                documented.add((method, _normalise(match.group(2))))
    return documented


@pytest.fixture(scope="module")
def documented():
    return documented_operations(README.read_text())


@pytest.fixture(scope="module")
def schema_operations():
    return {(method, path) for method, path, _ in operations(generated_schema())}


def test_every_api_operation_is_documented_in_the_readme(documented, schema_operations):
    assert ("POST", "/auth/sms/") in schema_operations
    assert sorted(schema_operations - documented) == []


def test_every_api_route_of_the_url_conf_is_in_the_readme(documented):
    paths = {path for _, path in documented}
    missing = sorted(route.path for route in api_routes() if route.path not in paths)
    assert missing == []


def test_the_readme_documents_no_operation_the_service_lacks(documented, schema_operations):
    extra = {(m, p) for m, p in documented if not p.startswith(NON_API_PREFIXES)}
    assert sorted(extra - schema_operations) == []


def test_the_parser_reads_the_heading_forms():
    text = (
        "## API\n#### `GET /users/<pk>/` — profile\n#### `PATCH|PUT /users/update/<pk>/`\n"
        "#### `GET /dev/sms/?phone=<phone>`\n`POST /not/a/heading/`\n## Next\n#### `GET /x/`\n"
    )
    assert documented_operations(text) == {
        ("GET", "/users/{pk}/"),
        ("PATCH", "/users/update/{pk}/"),
        ("PUT", "/users/update/{pk}/"),
        ("GET", "/dev/sms/"),
    }
