import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from profiles.errors import PhoneReadOnly
from profiles.services.users import update_profile
from tests.conftest import image_bytes, snapshot, unused_code
from tests.factories import client_for, invite
from tests.phones import EXAMPLE_IN_ERRORS, RU_ALL_ZEROS, phone_number, spelled

UPDATE = "/users/update/me/"


@pytest.mark.parametrize("method", ["patch", "put"])
def test_names_and_email_are_saved_and_the_whole_profile_returned(user, auth_api, method):
    payload = {"first_name": " Anna ", "last_name": "Petrova", "email": "anna@example.com"}

    response = getattr(auth_api, method)(f"/users/update/{user.pk}/", payload, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["first_name"], body["last_name"], body["email"]) == (
        "Anna",
        "Petrova",
        "anna@example.com",
    )
    assert body["self_referral"] == user.invite_code and body["users_list"] == []
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email) == ("Anna", "Petrova", "anna@example.com")


@pytest.mark.parametrize("method", ["patch", "put"])
def test_absent_fields_stay_as_they_are(make_user, method):
    inviter = make_user()
    user = make_user(first_name="Anna", last_name="Petrova", email="anna@example.com")
    invite(user, inviter)

    response = getattr(client_for(user), method)(UPDATE, {"last_name": "Ivanova"}, format="json")

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email) == ("Anna", "Ivanova", "anna@example.com")
    assert user.referred_by_id == inviter.pk and user.activated_code == inviter.invite_code


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_null_or_blank_clears_a_field_to_null(make_user, empty):
    user = make_user(first_name="Anna", last_name="Petrova", email="anna@example.com")
    payload = {"first_name": empty, "last_name": empty, "email": empty}

    response = client_for(user).patch(UPDATE, payload, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["first_name"] is body["last_name"] is body["email"] is None
    user.refresh_from_db()
    assert user.first_name is user.last_name is user.email is None


def test_empty_body_changes_nothing(user, auth_api):
    before = snapshot(user)
    response = auth_api.patch(UPDATE, {}, format="json")
    assert response.status_code == 200
    assert snapshot(user) == before


def test_read_only_and_unknown_fields_are_ignored(user, auth_api):
    before = snapshot(user)
    payload = {"id": 999, "self_referral": "AAAAAA", "users_list": [RU_ALL_ZEROS], "x": 1}
    response = auth_api.put(UPDATE, payload, format="json")
    assert response.status_code == 200
    assert response.json()["self_referral"] == user.invite_code
    assert snapshot(user) == before


def test_the_get_body_can_be_sent_back_with_put(make_user):
    """A client may PUT what it got; only user_referral must be dropped once activated."""
    user = make_user(phone_number(1111112, code=111), first_name="Anna")
    client = client_for(user)
    body = client.get("/users/me/").json()
    body["last_name"] = "Petrova"

    response = client.put(UPDATE, body, format="json")

    assert response.status_code == 200
    assert response.json() == {**body, "last_name": "Petrova"}


@pytest.mark.parametrize(
    "spelling",
    [
        phone_number(1111112, code=111),
        spelled(phone_number(1111112, code=111), "8 (###) ###-##-##"),
        spelled(phone_number(1111112, code=111), " +7 ### ### #### "),
    ],
)
def test_the_same_phone_in_any_spelling_is_accepted(make_user, spelling):
    user = make_user(phone_number(1111112, code=111))
    before = snapshot(user)
    response = client_for(user).patch(UPDATE, {"phone": spelling}, format="json")
    assert response.status_code == 200
    assert response.json()["phone"] == phone_number(1111112, code=111)
    assert snapshot(user) == before


def test_another_phone_is_not_changed_without_its_code(make_user):
    # The change itself, confirmed by a code: tests/profiles/test_phone_change.py.
    user = make_user(phone_number(1111112, code=111))
    payload = {"phone": phone_number(1111119, code=111), "first_name": "Anna"}

    response = client_for(user).patch(UPDATE, payload, format="json")

    assert response.status_code == 202
    assert response.json()["phone"] == phone_number(1111112, code=111)
    user.refresh_from_db()
    assert user.phone == phone_number(1111112, code=111)


def test_an_invalid_phone_is_refused_as_invalid(make_user):
    user = make_user(phone_number(1111112, code=111))
    before = snapshot(user)
    response = client_for(user).patch(UPDATE, {"phone": "12"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"phone": [f"Enter a valid phone number, e.g. {EXAMPLE_IN_ERRORS}."]}
    assert snapshot(user) == before


def test_edits_and_activation_in_one_request_succeed_together(make_user):
    inviter, user = make_user(), make_user()
    payload = {"first_name": "Anna", "user_referral": inviter.invite_code.lower()}

    response = client_for(user).patch(UPDATE, payload, format="json")

    assert response.status_code == 200
    assert response.json()["first_name"] == "Anna"
    assert response.json()["user_referral"] == inviter.invite_code
    user.refresh_from_db()
    assert user.first_name == "Anna" and user.referred_by_id == inviter.pk


@pytest.mark.parametrize("case", ["unknown", "own", "cycle", "already"])
def test_a_failing_activation_writes_none_of_the_other_fields(make_user, case):
    inviter, user, other = make_user(), make_user(), make_user()
    code = {
        "unknown": unused_code(),
        "own": user.invite_code,
        "cycle": other.invite_code,
        "already": other.invite_code,
    }[case]
    if case == "cycle":
        invite(other, user)
    if case == "already":
        invite(user, inviter)
    before = snapshot(user)
    payload = {"first_name": "Anna", "email": "anna@example.com", "user_referral": code}

    response = client_for(user).patch(UPDATE, payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["user_referral", "code"]
    assert snapshot(user) == before


def test_a_failing_activation_leaves_the_avatar_untouched(
    make_user, django_capture_on_commit_callbacks
):
    user = make_user()
    before = snapshot(user)
    avatar = SimpleUploadedFile("a.png", image_bytes(), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).patch(
            UPDATE, {"avatar": avatar, "user_referral": user.invite_code}, format="multipart"
        )
    assert response.status_code == 400
    assert snapshot(user) == before


def test_service_refuses_unknown_fields(user):
    with pytest.raises(TypeError):
        update_profile(user=user, invite_code="AAAAAA")
    with pytest.raises(TypeError):
        update_profile(user=user, referred_by=user)


@pytest.mark.parametrize(
    "phone", ["12", None, spelled(phone_number(1111119, code=111), "8 (###) ###-##-##")]
)
def test_service_refuses_any_other_or_invalid_phone(make_user, phone):
    user = make_user(phone_number(1111112, code=111))
    before = snapshot(user)
    with pytest.raises(PhoneReadOnly):
        update_profile(user=user, phone=phone, first_name="Anna")
    assert snapshot(user) == before


def test_service_accepts_the_same_phone_in_another_spelling(make_user):
    user = make_user(phone_number(1111112, code=111))
    update_profile(
        user=user,
        phone=spelled(phone_number(1111112, code=111), "8 ### ### ## ##"),
        first_name="Anna",
    )
    user.refresh_from_db()
    assert user.first_name == "Anna"
