import pytest

from profiles.errors import InviteAlreadyActivated, NotFound
from profiles.models import User
from profiles.services.invites import activate_invite_code
from profiles.services.users import delete_user
from tests.conftest import snapshot, unused_code
from tests.factories import client_for, invite, referral_chain

UPDATE = "/users/update/me/"


def activate(user, code, method="patch"):
    return getattr(client_for(user), method)(UPDATE, {"user_referral": code}, format="json")


@pytest.mark.parametrize("method", ["patch", "put"])
def test_activation_links_the_user_and_answers_the_whole_profile(make_user, method):
    inviter, user = make_user(), make_user()

    response = activate(user, inviter.invite_code, method)

    assert response.status_code == 200
    body = response.json()
    assert body["user_referral"] == inviter.invite_code
    assert body["id"] == user.pk and body["self_referral"] == user.invite_code
    assert set(body) == {
        "id", "phone", "email", "first_name", "last_name", "avatar",
        "self_referral", "user_referral", "users_list", "referrals_count",
    }  # fmt: skip
    user.refresh_from_db()
    assert user.referred_by_id == inviter.pk
    assert user.activated_code == inviter.invite_code
    assert user.referred_at is not None
    assert client_for(inviter).get("/users/me/").json()["users_list"] == [user.phone]


@pytest.mark.parametrize("spelling", ["lower", "  padded  ", "\tMiXeD\n"])
def test_code_is_case_insensitive_and_spaces_are_ignored(make_user, spelling):
    inviter, user = make_user(), make_user()
    code = inviter.invite_code
    raw = {
        "lower": code.lower(),
        "  padded  ": f"  {code}  ",
        "\tMiXeD\n": "\t" + "".join(c.lower() if i % 2 else c for i, c in enumerate(code)) + "\n",
    }[spelling]

    response = activate(user, raw)

    assert response.status_code == 200, response.content
    assert response.json()["user_referral"] == code


@pytest.mark.parametrize(
    "code", ["ABC12", "ABC1234", "ABC-12", "ÄBC123", "ABC 12", "@@@@@@", "abcdß"]
)
def test_malformed_code_is_refused_and_nothing_changes(user, code):
    before = snapshot(user)
    response = activate(user, code)
    assert response.status_code == 400
    assert response.json() == {
        "user_referral": ["An invite code is 6 characters: digits and letters A-Z."],
        "code": "invite_code_invalid",
    }
    assert snapshot(user) == before


@pytest.mark.parametrize("code", [None, "", "   "])
def test_null_or_empty_code_activates_nothing(user, code):
    before = snapshot(user)
    response = activate(user, code)
    assert response.status_code == 200
    assert response.json()["user_referral"] is None
    assert snapshot(user) == before


def test_unknown_code_names_the_normalised_code(user):
    before = snapshot(user)
    code = unused_code()

    response = activate(user, f" {code.lower()} ")

    assert response.status_code == 400
    assert response.json() == {
        "user_referral": [f"Object with referral={code} does not exist."],
        "code": "invite_not_found",
    }
    assert snapshot(user) == before


@pytest.mark.parametrize("same_code", [True, False])
def test_second_activation_is_refused(make_user, same_code):
    first, second, user = make_user(), make_user(), make_user()
    assert activate(user, first.invite_code).status_code == 200
    before = snapshot(user)

    response = activate(user, (first if same_code else second).invite_code)

    assert response.status_code == 400
    assert response.json() == {
        "user_referral": ["Referral already input."],
        "code": "invite_already_activated",
    }
    assert snapshot(user) == before
    assert not second.referrals.exists()


def test_own_code_is_refused(user):
    before = snapshot(user)
    response = activate(user, user.invite_code.lower())
    assert response.status_code == 400
    assert response.json() == {
        "user_referral": ["You cannot activate your own invite code."],
        "code": "own_invite_code",
    }
    assert snapshot(user) == before


CYCLE_MESSAGE = (
    "You cannot activate the code of a user who joined with your invite code, "
    "directly or through other users."
)


def test_code_of_a_direct_referral_is_refused(make_user):
    a, b = make_user(), make_user()
    invite(b, a)  # b joined with a's code
    before = snapshot(a)

    response = activate(a, b.invite_code)

    assert response.status_code == 400
    assert response.json() == {"user_referral": [CYCLE_MESSAGE], "code": "invite_cycle"}
    assert snapshot(a) == before


@pytest.mark.parametrize("depth", [2, 3, 10])
def test_code_of_a_referral_down_the_chain_is_refused(make_user, depth):
    chain = referral_chain(depth + 1)
    root = chain[0]
    before = snapshot(root)

    response = activate(root, chain[-1].invite_code)

    assert response.status_code == 400
    assert response.json() == {"user_referral": [CYCLE_MESSAGE], "code": "invite_cycle"}
    assert snapshot(root) == before


def test_code_outside_ones_own_tree_is_accepted(make_user):
    """Being in the same tree is fine; only one's own descendants are refused."""
    root, a, b = make_user(), make_user(), make_user()
    invite(a, root)
    assert activate(b, a.invite_code).status_code == 200
    assert activate(root, make_user().invite_code).status_code == 200


def test_deleted_inviters_referral_cannot_activate_again(make_user):
    """The inviter's deletion clears referred_by, not the one-time activation."""
    inviter, user, other = make_user(), make_user(), make_user()
    invite(user, inviter)
    delete_user(user=inviter)
    user.refresh_from_db()
    assert user.referred_by_id is None
    before = snapshot(user)

    response = activate(user, other.invite_code)

    assert response.status_code == 400
    assert response.json() == {
        "user_referral": ["Referral already input."],
        "code": "invite_already_activated",
    }
    assert snapshot(user) == before


def test_stale_user_object_cannot_activate_twice(make_user):
    """The check under the lock reads the row, not the caller's possibly old object."""
    first, second, user = make_user(), make_user(), make_user()
    stale = User.objects.get(pk=user.pk)
    activate_invite_code(user=user, code=first.invite_code)

    with pytest.raises(InviteAlreadyActivated):
        activate_invite_code(user=stale, code=second.invite_code)
    user.refresh_from_db()
    assert user.activated_code == first.invite_code


def test_activation_by_a_deleted_account_is_not_found(make_user):
    inviter, user = make_user(), make_user()
    User.objects.filter(pk=user.pk).delete()
    with pytest.raises(NotFound):
        activate_invite_code(user=user, code=inviter.invite_code)
    assert not inviter.referrals.exists()


def test_cycle_check_ends_on_a_loop_already_in_the_data(make_user):
    """Even over a loop written around the service, the upward walk terminates."""
    a, b, c = make_user(), make_user(), make_user()
    invite(a, b)
    invite(b, a)

    activate_invite_code(user=c, code=a.invite_code)

    c.refresh_from_db()
    assert c.referred_by_id == a.pk
