"""Malformed multipart bodies and page numbers are refused, not read as "nothing".

(An empty body, of any type, still means "nothing to change": DRF never parses it.)"""

import pytest

from tests.conftest import snapshot
from tests.factories import client_for, invite

UPDATE = "/users/update/me/"
BOUNDARY = "a222103b9b30b1f9e8be6882ecedb1d2"


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize(
    "body",
    [f"--{BOUNDARY}\r\n[]--{BOUNDARY}--\r\n", f"--{BOUNDARY}--\r\n"],
    ids=["junk-between-boundaries", "closing-boundary-only"],
)
def test_a_multipart_body_without_parts_answers_400(user, auth_api, method, body):
    before = snapshot(user)
    response = getattr(auth_api, method)(
        UPDATE, body.encode(), content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Multipart form parse error - the body has no parts.",
        "code": "parse_error",
    }
    assert snapshot(user) == before


def test_a_multipart_body_with_a_part_still_updates(user, auth_api):
    response = auth_api.patch(UPDATE, {"first_name": "Anna"}, format="multipart")
    assert response.status_code == 200
    assert response.json()["first_name"] == "Anna"


@pytest.fixture
def inviter_api(make_user):
    inviter = make_user()
    for _ in range(2):
        invite(make_user(), inviter)
    return client_for(inviter)


@pytest.mark.parametrize("query", ["page=", "page=1&page=2", "page=%20", "page=x&page="])
def test_a_blank_or_repeated_page_answers_404(inviter_api, query):
    response = inviter_api.get(f"/users/me/referrals/?{query}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page.", "code": "not_found"}


@pytest.mark.parametrize("query", ["", "page=1", "page=last"])
def test_one_valid_page_answers_the_list(inviter_api, query):
    response = inviter_api.get(f"/users/me/referrals/?{query}")
    assert response.status_code == 200
    assert response.json()["count"] == 2


@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_blank_phone_in_a_form_is_refused_as_in_json(user, auth_api, method):
    before = snapshot(user)
    for body, fmt in (({"phone": "", "first_name": "Anna"}, "multipart"), ({"phone": ""}, "json")):
        response = getattr(auth_api, method)(UPDATE, body, format=fmt)
        assert response.status_code == 400, fmt
        assert response.json() == {"phone": ["This field may not be blank."]}
    assert snapshot(user) == before
