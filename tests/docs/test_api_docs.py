"""docs/api.md is a guide that points to the generated reference instead of repeating it:
its list of error codes is the schema's, links into it land on a heading, and the README
walkthrough calls only operations the schema has."""

import re
from pathlib import Path

import pytest

from tests.docs.routes import generated_schema, operations

REPO = Path(__file__).resolve().parents[2]
API_DOC = REPO / "docs" / "api.md"
METHODS = "GET|POST|PUT|PATCH|DELETE"


@pytest.fixture(scope="module")
def guide():
    return API_DOC.read_text()


@pytest.fixture(scope="module")
def schema():
    return generated_schema()


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors of the headings: lower case, punctuation dropped, spaces to `-`."""
    headings = re.findall(r"^#{1,6} (.+)$", markdown, re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_the_guide_points_to_the_reference(guide):
    for where in ("/api/docs/", "/api/swagger/", "/api/schema/", "spectacular --file"):
        assert where in guide, where


def test_the_guide_does_not_restate_operations(guide):
    """Operations are described in the schema; a heading per operation here would be a
    second description to keep in step."""
    headings = re.findall(rf"^#+ .*`(?:{METHODS}) /.*$", guide, re.M)
    assert headings == []


def test_the_guide_lists_exactly_the_schemas_error_codes(guide, schema):
    code = schema["components"]["schemas"]["ErrorOutput"]["properties"]["code"]
    ref = (code.get("allOf") or [code])[0]["$ref"].rsplit("/", 1)[1]
    in_schema = set(schema["components"]["schemas"][ref]["enum"])
    # The rows of the table: `code`, ... | status | meaning (not its header).
    rows = re.findall(r"^\| (`[a-z_]+`(?:, `[a-z_]+`)*) \| \d", guide, re.M)
    in_guide = {c for row in rows for c in re.findall(r"`([a-z_]+)`", row)}
    assert sorted(in_schema - in_guide) == [], "codes the guide's table lacks"
    assert sorted(in_guide - in_schema) == [], "codes the schema does not have"


def test_links_into_the_guide_land_on_a_heading(guide):
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    links = [
        (page.name, anchor)
        for page in pages
        for anchor in re.findall(r"\]\((?:docs/)?api\.md#([\w-]+)\)", page.read_text())
    ]
    assert links, "no page links into the guide"
    assert [link for link in links if link[1] not in anchors(guide)] == []


def test_the_anchor_rule():
    assert anchors("# API guide\n## Rate limits and `Retry-After`\n## Tasks and health\n") == {
        "api-guide",
        "rate-limits-and-retry-after",
        "tasks-and-health",
    }


def test_the_readme_walkthrough_calls_only_schema_operations(schema):
    readme = (REPO / "README.md").read_text()
    called = set(re.findall(r"\$BASE(/[^\s\"'?]*)", readme))
    assert {"/auth/sms/", "/dev/sms/", "/users/login/", "/users/me/"} <= called
    # `/users/{id}/` matches `/users/me/`.
    patterns = [
        re.compile(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$")
        for _, path, _ in operations(schema)
    ]
    assert sorted(p for p in called if not any(pat.match(p) for pat in patterns)) == []
