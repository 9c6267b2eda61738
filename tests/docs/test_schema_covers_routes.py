"""Every API route is in the OpenAPI schema, and every operation is fully documented."""

import pytest

from tests.docs.routes import api_routes, generated_schema, operations


@pytest.fixture(scope="module")
def schema():
    return generated_schema()


def test_every_api_route_has_a_schema_entry(schema):
    routes = {route.path for route in api_routes()}
    assert "/auth/sms/" in routes  # the walk found the API at all
    missing = sorted(routes - set(schema["paths"]))
    assert missing == [], f"routes without a schema entry: {missing}"


def test_the_schema_has_no_path_the_url_conf_lacks(schema):
    assert sorted(set(schema["paths"]) - {route.path for route in api_routes()}) == []


def test_doc_and_admin_routes_are_not_counted_as_api_routes():
    paths = {route.path for route in api_routes()}
    assert not paths & {"/api/schema/", "/api/docs/", "/api/swagger/", "/admin/"}
    assert not any(path.startswith("/media/") for path in paths)


def test_every_operation_has_tags_summary_and_a_rule(schema):
    for method, path, operation in operations(schema):
        assert operation.get("tags"), f"{method} {path} has no tag"
        assert operation.get("summary"), f"{method} {path} has no summary"
        assert len(operation.get("description", "")) > 40, f"{method} {path}: no rule described"


def test_every_response_with_a_body_has_an_example(schema):
    for method, path, operation in operations(schema):
        for status, response in operation["responses"].items():
            for media, content in response.get("content", {}).items():
                assert content.get("examples"), f"{method} {path} {status} {media}: no example"


def test_every_request_body_has_an_example(schema):
    for method, path, operation in operations(schema):
        body = operation.get("requestBody")
        if body is not None:
            assert body["content"]["application/json"].get("examples"), f"{method} {path}"


# Liveness checks nothing but the process itself, so an outage cannot make it answer 503.
DEPENDENCY_FREE = {("GET", "/livez")}


def test_errors_are_documented_with_their_bodies(schema):
    for method, path, operation in operations(schema):
        responses = operation["responses"]
        if (method, path) not in DEPENDENCY_FREE:
            assert "503" in responses, f"{method} {path} does not document 503"
        if operation.get("requestBody") or operation.get("parameters"):
            assert "400" in responses or "404" in responses, f"{method} {path}: no 4xx"
        if any(requirement for requirement in operation.get("security", [{}])):
            assert "401" in responses, f"{method} {path} needs a token but lacks 401"
        for status in ("400", "401", "404", "429", "503"):
            if status in responses:
                assert responses[status]["content"]["application/json"]["schema"]["$ref"], (
                    f"{method} {path} {status} has no body"
                )


def test_rate_limited_answers_document_retry_after(schema):
    limited = [(m, p, o) for m, p, o in operations(schema) if "429" in o["responses"]]
    assert {(m, p) for m, p, _ in limited} >= {("POST", "/auth/sms/"), ("POST", "/users/login/")}
    for method, path, operation in limited:
        header = operation["responses"]["429"]["headers"]["Retry-After"]
        assert header["required"] is True and header["schema"]["type"] == "integer", (method, path)


def test_shared_error_components(schema):
    components = schema["components"]["schemas"]
    assert components["ErrorOutput"]["required"] == ["detail", "code"]
    code = components["ErrorOutput"]["properties"]["code"]
    ref = (code.get("allOf") or [code])[0]["$ref"].rsplit("/", 1)[1]
    codes = components[ref]["enum"]
    assert {"invite_not_found", "invalid_code", "rate_limited", "not_found"} <= set(codes)
    validation = components["ValidationErrorOutput"]
    assert validation["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    assert validation["properties"]["detail"] == {"type": "string"}
    assert components["TokenErrorOutput"]["required"] == ["detail"]


def error_examples(schema):
    """(operation, status, example name, value) of every error response example."""
    for method, path, operation in operations(schema):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            for media in response.get("content", {}).values():
                for name, example in media.get("examples", {}).items():
                    yield f"{method} {path}", status, name, example["value"]


def test_every_error_example_shows_its_code(schema):
    """Error examples show the body the API sends: a `detail` always comes with a `code`
    the schema lists (health checks have a body of their own)."""
    code = schema["components"]["schemas"]["ErrorOutput"]["properties"]["code"]
    ref = (code.get("allOf") or [code])[0]["$ref"].rsplit("/", 1)[1]
    known = set(schema["components"]["schemas"][ref]["enum"])
    checked = 0
    for where, status, name, value in error_examples(schema):
        if "detail" in value and "status" not in value:
            assert value.get("code") in known, (where, status, name, value)
            checked += 1
    assert checked > 20


def test_auth_endpoints_document_their_errors(schema):
    statuses = {
        (method, path): set(operation["responses"])
        for method, path, operation in operations(schema)
    }
    assert statuses[("POST", "/auth/sms/")] == {"200", "201", "400", "429", "503"}
    assert statuses[("POST", "/users/login/")] == {"200", "400", "429", "503"}
    assert statuses[("POST", "/users/token/refresh/")] == {"200", "400", "401", "503"}
    assert statuses[("POST", "/users/logout/")] == {"200", "400", "401", "503"}
    assert statuses[("GET", "/dev/sms/")] == {"200", "400", "404", "503"}


def test_protected_operations_use_the_jwt_bearer_scheme(schema):
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    protected = {
        (method, path)
        for method, path, operation in operations(schema)
        if {"jwtAuth": []} in operation.get("security", [])
        and {} not in operation.get("security", [])
    }
    assert protected == {
        ("GET", "/users/{id}/"),
        ("GET", "/users/{id}/referrals/"),
        ("PATCH", "/users/update/{id}/"),
        ("PUT", "/users/update/{id}/"),
        ("PATCH", "/users/update/sms/{id}/"),
        ("PUT", "/users/update/sms/{id}/"),
        ("DELETE", "/users/delete/{id}/"),
        ("GET", "/users/sessions/"),
        ("DELETE", "/users/sessions/{session_id}/"),
        ("POST", "/users/logout/all/"),
    }
