"""The Postman collection calls every operation of the OpenAPI schema, and nothing the
schema lacks, so that newman exercises the API the reference describes: a new endpoint
without a request, or a request left behind by a changed route, fails here and not
silently in a newman run that still passes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.docs.routes import generated_schema, operations

POSTMAN = Path(__file__).resolve().parents[2] / "postman"

# Requests of the collection that are deliberately not operations of the API schema.
NOT_IN_SCHEMA = {
    ("GET", "/metrics"): "Prometheus text for the operators' scraper, not part of the API",
    ("GET", "/api/schema/"): "the OpenAPI schema itself",
    ("GET", "/api/docs/"): "the ReDoc page that renders the schema",
    ("GET", "/api/swagger/"): "the Swagger UI page that renders the schema",
    ("GET", "{{redocScript}}"): "ReDoc's script, a static file whose path the ReDoc page names",
}
# Operations of the schema the collection may leave out, with the reason (none today).
NOT_IN_COLLECTION: dict[tuple[str, str], str] = {}

STATUS_ASSERTION = re.compile(
    r"to\.have\.status\((\d{3})\)|response\.code\)\.to\.be\.oneOf\(\[([\d,\s]+)\]\)"
)


def collection_files() -> list[Path]:
    return sorted(p for p in POSTMAN.glob("*.json") if "item" in json.loads(p.read_text()))


def _requests(items, folder=""):
    for item in items:
        if "item" in item:
            yield from _requests(item["item"], f"{folder}{item['name']} / ")
        else:
            yield f"{folder}{item['name']}", item


def collection_requests() -> list[tuple[str, str, str, set[int]]]:
    """(name, METHOD, path, statuses its test script asserts) of every request in
    postman/*.json; the path without `{{baseUrl}}` and the query string."""
    found = []
    for path in collection_files():
        for name, item in _requests(json.loads(path.read_text())["item"]):
            url = item["request"]["url"]
            raw = url if isinstance(url, str) else url["raw"]
            target = raw.removeprefix("{{baseUrl}}").split("?", 1)[0].split("#", 1)[0]
            script = "\n".join(
                line
                for event in item.get("event", [])
                if event["listen"] == "test"
                for line in event["script"]["exec"]
            )
            statuses = set()
            for single, several in STATUS_ASSERTION.findall(script):
                statuses.update(int(s) for s in (single or several).split(","))
            found.append((f"{path.name}: {name}", item["request"]["method"], target, statuses))
    return found


def _segments(path: str) -> list[str]:
    return path.strip("/").split("/")


def operation_of(method: str, target: str, templates: set[tuple[str, str]]):
    """The schema operation (METHOD, template) that a collection request calls, or None.
    A template's `{parameter}` segment takes any one segment (`me`, `{{userId}}`, a UUID);
    of several templates that fit, the one with the most literal segments wins."""
    fits = []
    for op_method, template in templates:
        wanted, given = _segments(template), _segments(target)
        if op_method != method or len(wanted) != len(given):
            continue
        if target.endswith("/") != template.endswith("/"):
            continue
        literal = 0
        for w, g in zip(wanted, given, strict=True):
            if re.fullmatch(r"\{\w+\}", w):
                if not g:
                    break
            elif w == g:
                literal += 1
            else:
                break
        else:
            fits.append((literal, (op_method, template)))
    return max(fits)[1] if fits else None


@pytest.fixture(scope="module")
def schema():
    return generated_schema()


@pytest.fixture(scope="module")
def responses(schema):
    return {(m, p): set(map(int, op["responses"])) for m, p, op in operations(schema)}


@pytest.fixture(scope="module")
def requests():
    found = collection_requests()
    assert len(found) > 50, "the collection was not read"
    return found


def test_every_schema_operation_has_a_request_in_the_collection(responses, requests):
    called = {operation_of(m, t, set(responses)) for _, m, t, _ in requests}
    missing = set(responses) - called - set(NOT_IN_COLLECTION)
    assert sorted(missing) == [], "operations the Postman collection never calls"


def test_every_collection_request_targets_a_schema_operation(responses, requests):
    unknown = [
        (name, method, target)
        for name, method, target, _ in requests
        if operation_of(method, target, set(responses)) is None
        and (method, target) not in NOT_IN_SCHEMA
    ]
    assert unknown == [], "requests for operations the schema does not have"


def test_every_asserted_status_is_documented(responses, requests):
    """Each request checks its status, and a status the collection expects is one the
    reference documents for that operation."""
    undocumented = []
    for name, method, target, statuses in requests:
        assert statuses, f"{name}: no status assertion"
        operation = operation_of(method, target, set(responses))
        if operation is not None and statuses - responses[operation]:
            undocumented.append((name, sorted(statuses - responses[operation])))
    assert undocumented == []


def test_the_exclusions_are_still_needed(responses, requests):
    targets = {(method, target) for _, method, target, _ in requests}
    assert sorted(set(NOT_IN_SCHEMA) - targets) == [], "excluded, but no longer requested"
    assert sorted(set(NOT_IN_COLLECTION) - set(responses)) == [], "excluded, but not in schema"


def test_templates_match_concrete_and_variable_segments():
    templates = {
        ("GET", "/users/{id}/"),
        ("GET", "/users/{id}/referrals/"),
        ("PATCH", "/users/update/{id}/"),
        ("GET", "/healthz"),
    }
    assert operation_of("GET", "/users/me/", templates) == ("GET", "/users/{id}/")
    assert operation_of("GET", "/users/{{userId}}/referrals/", templates) == (
        "GET",
        "/users/{id}/referrals/",
    )
    assert operation_of("PATCH", "/users/update/me/", templates) == (
        "PATCH",
        "/users/update/{id}/",
    )
    assert operation_of("PUT", "/users/update/me/", templates) is None
    assert operation_of("GET", "/healthz/", templates) is None
    assert operation_of("GET", "/users//", templates) is None
