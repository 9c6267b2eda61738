import pytest
from django.contrib.auth.models import AnonymousUser

from profiles.errors import NotFound
from profiles.selectors import get_own_user, get_profile
from tests.phones import phone_number


def test_own_pk_in_any_form_and_me_give_the_caller(user):
    for pk in ("me", user.pk, str(user.pk), f"00{user.pk}"):
        assert get_own_user(user=user, pk=pk) is user


@pytest.mark.parametrize("pk", ["", "Me", " 1", "1 ", "+1", "١", "²", "None"])
def test_anything_else_is_not_found(user, pk):
    with pytest.raises(NotFound):
        get_own_user(user=user, pk=pk)


def test_another_id_is_not_found(make_user):
    user, other = make_user(), make_user()
    with pytest.raises(NotFound):
        get_own_user(user=user, pk=other.pk)
    with pytest.raises(NotFound):
        get_own_user(user=user, pk=str(other.pk))


def test_an_anonymous_caller_owns_no_id(db):
    with pytest.raises(NotFound):
        get_own_user(user=AnonymousUser(), pk=1)


def test_profile_reads_only_the_callers_data(make_user):
    user = make_user(phone_number(1111112, code=111), first_name="Anna")
    profile = get_profile(user=user)
    assert (profile.id, profile.phone, profile.first_name) == (user.pk, user.phone, "Anna")
    assert profile.avatar is None and profile.users_list == [] and profile.referrals_count == 0
