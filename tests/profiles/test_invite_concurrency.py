"""Races on the real PostgreSQL: every thread has its own connection and really commits."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction

from profiles.errors import InviteAlreadyActivated, InviteCodeNotFound, InviteCycle
from profiles.models import ReferralGraphLock, User
from profiles.services.invites import activate_invite_code
from profiles.services.users import delete_user
from tests.conftest import run_in_threads
from tests.factories import UserFactory, client_for, invite

pytestmark = pytest.mark.django_db(transaction=True)


def new_users(count: int) -> list[User]:
    return UserFactory.create_batch(count)


def activation(user_id: int, code: str):
    """Activate in a thread with a fresh copy of the user, as a request would."""
    return activate_invite_code(user=User.objects.get(pk=user_id), code=code)


def referrer_of(user: User) -> int | None:
    return User.objects.filter(pk=user.pk).values_list("referred_by", flat=True).get()


def assert_no_cycles() -> None:
    parents = dict(User.objects.values_list("pk", "referred_by"))
    for start in parents:
        seen, node = set(), start
        while node is not None:
            assert node not in seen, f"cycle through user {node}"
            seen.add(node)
            node = parents.get(node)


def test_one_user_with_ten_codes_at_once_activates_exactly_one():
    user, *inviters = new_users(11)
    codes = [inviter.invite_code for inviter in inviters]

    results = run_in_threads(lambda i: activation(user.pk, codes[i]), 10)

    succeeded = [r for r in results if isinstance(r, User)]
    refused = [r for r in results if isinstance(r, InviteAlreadyActivated)]
    assert len(succeeded) == 1 and len(refused) == 9, results
    user.refresh_from_db()
    assert user.activated_code == succeeded[0].activated_code
    assert User.objects.filter(referred_by__in=inviters).count() == 1


def test_ten_simultaneous_requests_answer_one_200_and_nine_400():
    user, *inviters = new_users(11)

    def patch(i: int):
        response = client_for(User.objects.get(pk=user.pk)).patch(
            "/users/update/me/", {"user_referral": inviters[i].invite_code}, format="json"
        )
        return response.status_code, response.json()

    results = run_in_threads(patch, 10)

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [400] * 9, results
    assert all(
        body == {"user_referral": ["Referral already input."], "code": "invite_already_activated"}
        for s, body in results
        if s == 400
    )
    assert User.objects.filter(referred_by__in=inviters).count() == 1


def test_twenty_users_with_one_code_at_once_all_succeed():
    inviter, *users = new_users(21)

    results = run_in_threads(lambda i: activation(users[i].pk, inviter.invite_code.lower()), 20)

    assert all(isinstance(r, User) for r in results), results
    body = client_for(inviter).get("/users/me/").json()
    assert body["referrals_count"] == 20
    assert sorted(body["users_list"]) == sorted(u.phone for u in users)


@pytest.mark.parametrize("round_", range(8))
def test_two_users_activating_each_others_codes_at_once_cannot_both_succeed(round_):
    a, b = new_users(2)
    pairs = [(a, b), (b, a)]

    results = run_in_threads(lambda i: activation(pairs[i][0].pk, pairs[i][1].invite_code), 2)

    assert sum(isinstance(r, User) for r in results) == 1, results
    assert sum(isinstance(r, InviteCycle) for r in results) == 1, results
    assert {referrer_of(a), referrer_of(b)} in ({b.pk, None}, {a.pk, None})
    assert_no_cycles()


@pytest.mark.parametrize("round_", range(5))
def test_three_users_closing_a_triangle_at_once_leave_no_cycle(round_):
    a, b, c = new_users(3)
    edges = [(a, b), (b, c), (c, a)]  # a joins with b's code, b with c's, c with a's

    results = run_in_threads(lambda i: activation(edges[i][0].pk, edges[i][1].invite_code), 3)

    assert sum(isinstance(r, User) for r in results) == 2, results
    assert sum(isinstance(r, InviteCycle) for r in results) == 1, results
    assert_no_cycles()


@pytest.mark.parametrize("round_", range(5))
def test_a_cycle_closed_through_four_different_rows_is_refused(round_):
    """b already joined with c's code and d with a's; a->b and c->d at once would close
    a->b->c->d->a although the two activations share no user: a lock on the two rows of
    each activation would let both through."""
    a, b, c, d = new_users(4)
    invite(b, c)
    invite(d, a)
    edges = [(a, b), (c, d)]

    results = run_in_threads(lambda i: activation(edges[i][0].pk, edges[i][1].invite_code), 2)

    assert sum(isinstance(r, User) for r in results) == 1, results
    assert sum(isinstance(r, InviteCycle) for r in results) == 1, results
    assert_no_cycles()


def test_three_user_cycle_is_refused_one_after_another():
    a, b, c = new_users(3)
    activation(a.pk, b.invite_code)
    activation(b.pk, c.invite_code)
    with pytest.raises(InviteCycle):
        activation(c.pk, a.invite_code)
    assert referrer_of(c) is None
    assert_no_cycles()


# --- activation against deletion ---------------------------------------------------------


def wait_for_lock_waiters(count: int) -> None:
    """Block until `count` other sessions of this database wait for a lock. The deadline
    only keeps a broken lock from hanging the run; the assertion is that a wait happens."""
    deadline = time.monotonic() + 30
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.01)
    pytest.fail(f"expected {count} session(s) to wait for a lock; none did")


def in_thread(func, results: dict, key: str) -> threading.Thread:
    def run():
        try:
            results[key] = func()
        except Exception as exc:
            results[key] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def holding_activation(user_id: int, code: str, results: dict, key: str):
    """Start an activation in a thread that keeps its transaction open once it activated;
    return the thread and the event that lets it commit."""
    activated, release = threading.Event(), threading.Event()

    def activate_and_hold():
        with transaction.atomic():
            activation(user_id, code)
            activated.set()
            release.wait()

    thread = in_thread(activate_and_hold, results, key)
    assert activated.wait(10), results
    return thread, release


def test_activation_waiting_for_the_inviters_deletion_finds_no_code():
    inviter, user = new_users(2)
    deleted, release, results = threading.Event(), threading.Event(), {}

    def delete_and_hold():
        with transaction.atomic():
            delete_user(user=User.objects.get(pk=inviter.pk))
            deleted.set()
            release.wait()

    deleter = in_thread(delete_and_hold, results, "delete")
    try:
        deleted.wait()
        activator = in_thread(lambda: activation(user.pk, inviter.invite_code), results, "activate")
        wait_for_lock_waiters(1)
    finally:
        release.set()
    deleter.join()
    activator.join()

    assert results["delete"] is None
    assert isinstance(results["activate"], InviteCodeNotFound), results
    user.refresh_from_db()
    assert user.referred_by_id is None and user.activated_code is None


def test_deletion_waiting_for_an_activation_keeps_the_referrals_code():
    inviter, user = new_users(2)
    results = {}
    activator, release = holding_activation(user.pk, inviter.invite_code, results, "activate")
    try:
        deleter = in_thread(
            lambda: delete_user(user=User.objects.get(pk=inviter.pk)), results, "delete"
        )
        wait_for_lock_waiters(1)
    finally:
        release.set()
    activator.join()
    deleter.join()

    assert results == {"activate": None, "delete": None}
    assert not User.objects.filter(pk=inviter.pk).exists()
    user.refresh_from_db()
    assert user.referred_by_id is None
    assert user.activated_code == inviter.invite_code


# --- the lock row -------------------------------------------------------------------------


def graph_lock_is_free() -> bool:
    """Whether this session could lock the ReferralGraphLock row now (FOR UPDATE NOWAIT)."""
    try:
        with transaction.atomic():
            ReferralGraphLock.objects.select_for_update(nowait=True).get(pk=1)
    except OperationalError:  # "could not obtain lock on row"
        return False
    return True


def test_an_activation_holds_the_lock_row_until_its_transaction_ends():
    ReferralGraphLock.objects.get_or_create(pk=1)  # as migrate leaves it; a flush removes it
    inviter, user = new_users(2)
    results = {}
    assert graph_lock_is_free()  # nothing holds it before
    activator, release = holding_activation(user.pk, inviter.invite_code, results, "activate")
    try:
        assert not graph_lock_is_free()
    finally:
        release.set()
    activator.join()

    assert results == {"activate": None}
    assert graph_lock_is_free()


def test_a_missing_lock_row_is_written_again_and_still_serialises():
    """Two activations that share no user find the row missing: the second waits for the
    first's INSERT of it to commit, then locks the row the first wrote."""
    ReferralGraphLock.objects.all().delete()
    a, b, c, d = new_users(4)
    results = {}
    holder, release = holding_activation(a.pk, b.invite_code, results, "first")
    try:
        waiter = in_thread(lambda: activation(c.pk, d.invite_code), results, "second")
        wait_for_lock_waiters(1)
    finally:
        release.set()
    holder.join()
    waiter.join()

    assert results["first"] is None and isinstance(results["second"], User), results
    assert list(ReferralGraphLock.objects.values_list("pk", flat=True)) == [1]
    assert (referrer_of(a), referrer_of(c)) == (b.pk, d.pk)
