import pytest
from django.test import Client

from tests.conftest import admin_login
from tests.factories import LoginCodeFactory, invite
from tests.phones import phone_number

CHANGELIST = "/admin/profiles/user/"


@pytest.fixture
def admin_client(make_user) -> Client:
    admin = make_user(is_staff=True, is_superuser=True)
    client = Client()
    admin_login(client, admin)
    return client


def rows(response) -> list:
    return list(response.context["cl"].result_list)


def test_users_are_searchable_by_phone_and_invite_code(admin_client, make_user):
    wanted, _other = (
        make_user(phone_number(1111112, code=111)),
        make_user(phone_number(1111119, code=111)),
    )

    by_phone = admin_client.get(CHANGELIST, {"q": "1111112"})
    by_code = admin_client.get(CHANGELIST, {"q": wanted.invite_code.lower()})

    assert [u.pk for u in rows(by_phone)] == [wanted.pk]
    assert [u.pk for u in rows(by_code)] == [wanted.pk]


def test_the_list_shows_referrer_and_referral_count(admin_client, make_user):
    inviter, a, b = make_user(phone_number(1111112, code=111)), make_user(), make_user()
    invite(a, inviter)
    invite(b, inviter)

    response = admin_client.get(CHANGELIST, {"q": inviter.invite_code})
    listed = {u.pk: u for u in rows(admin_client.get(CHANGELIST))}

    assert response.status_code == 200
    html = response.content.decode()
    assert ">2<" in html  # the referrals column
    assert listed[inviter.pk]._referrals_count == 2
    assert listed[a.pk]._referrals_count == 0
    assert listed[a.pk].referred_by.phone == phone_number(1111112, code=111)
    assert (
        phone_number(1111112, code=111)
        in admin_client.get(CHANGELIST, {"q": a.invite_code}).content.decode()
    )


def test_the_list_costs_the_same_queries_for_more_users(
    admin_client, make_user, django_assert_max_num_queries
):
    inviter = make_user()
    invite(make_user(), inviter)
    with django_assert_max_num_queries(20) as few:
        admin_client.get(CHANGELIST)
    for _ in range(30):
        invite(make_user(), inviter)
    with django_assert_max_num_queries(len(few)):
        response = admin_client.get(CHANGELIST)
    assert len(rows(response)) == 33


def test_the_change_page_opens_and_referral_links_are_read_only(admin_client, make_user):
    inviter, user = make_user(), make_user()
    invite(user, inviter)
    response = admin_client.get(f"{CHANGELIST}{user.pk}/change/")
    assert response.status_code == 200
    form_fields = response.context["adminform"].form.fields
    assert "referred_by" not in form_fields and "invite_code" not in form_fields
    assert "first_name" in form_fields
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403


def test_login_codes_are_listed_read_only_without_the_hash(admin_client, user):
    login_code = LoginCodeFactory(user=user, code="1234")

    listing = admin_client.get("/admin/auth_phone/logincode/")
    detail = admin_client.get(f"/admin/auth_phone/logincode/{login_code.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    for response in (listing, detail):
        assert login_code.code_hash not in response.content.decode()
    assert user.phone in listing.content.decode()
    assert admin_client.get("/admin/auth_phone/logincode/add/").status_code == 403
    response = admin_client.post(
        f"/admin/auth_phone/logincode/{login_code.pk}/change/", {"attempts": 9}
    )
    assert response.status_code == 403
    response = admin_client.post(
        f"/admin/auth_phone/logincode/{login_code.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    login_code.refresh_from_db()
    assert login_code.attempts == 0
