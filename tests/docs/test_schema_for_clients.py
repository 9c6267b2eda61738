"""The schema says what a client ought to send and what webhooks carry: JSON request
bodies, multipart (under its own component) only where a file is uploaded, no security
entry where no credentials are taken, and one OpenAPI 3.1 webhook per event type."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from webhooks.events import EVENT_TYPES


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_request_bodies_are_json_and_multipart_only_for_the_avatar(schema):
    bodies = {
        name: sorted(op["requestBody"]["content"])
        for name, op in operations(schema)
        if "requestBody" in op
    }
    assert bodies
    for name, media_types in bodies.items():
        if name in ("PUT /users/update/{id}/", "PATCH /users/update/{id}/"):
            assert media_types == ["application/json", "multipart/form-data"], name
        else:
            assert media_types == ["application/json"], name


def test_the_multipart_body_has_a_component_of_its_own(schema):
    content = schema["paths"]["/users/update/{id}/"]["patch"]["requestBody"]["content"]
    json_ref = content["application/json"]["schema"]["$ref"]
    multipart_ref = content["multipart/form-data"]["schema"]["$ref"]
    assert json_ref != multipart_ref
    components = schema["components"]["schemas"]
    assert components[json_ref.rsplit("/", 1)[1]] == components[multipart_ref.rsplit("/", 1)[1]]


def test_operations_without_credentials_carry_no_security(schema):
    security = {name: op.get("security") for name, op in operations(schema)}
    assert security["POST /auth/sms/"] is None
    assert security["POST /users/login/"] is None
    assert security["GET /users/{id}/"] == [{"jwtAuth": []}]
    assert [{}] not in security.values()


def test_every_event_type_is_a_webhook(schema):
    assert schema["openapi"].startswith("3.1")
    assert list(schema["webhooks"]) == list(EVENT_TYPES)
    body = schema["webhooks"]["invite.activated"]["post"]["requestBody"]["content"]
    ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    envelope = schema["components"]["schemas"][ref]
    assert set(envelope["required"]) == {"id", "type", "created_at", "data"}
    data_ref = envelope["properties"]["data"]["$ref"].rsplit("/", 1)[1]
    data = schema["components"]["schemas"][data_ref]["properties"]
    assert set(data) == set(EVENT_TYPES["invite.activated"][1])
