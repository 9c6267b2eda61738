"""The walk up the referrals that finds a cycle (profiles.services.invites): an ancestor at
any depth, a few generations per query, and an end on a loop."""

import math

import pytest

from profiles.models import User
from profiles.services.invites import GENERATIONS_PER_QUERY, is_referred_through
from tests.factories import referral_chain


def test_the_walk_finds_an_ancestor_and_ends_on_a_loop(make_user):
    a, b, c = referral_chain(3)
    assert is_referred_through(user_id=c.pk, ancestor_id=a.pk)
    assert is_referred_through(user_id=c.pk, ancestor_id=c.pk)  # itself
    assert not is_referred_through(user_id=a.pk, ancestor_id=c.pk)
    User.objects.filter(pk=a.pk).update(referred_by=c)  # a loop the service never makes
    assert is_referred_through(user_id=a.pk, ancestor_id=b.pk)
    assert not is_referred_through(user_id=a.pk, ancestor_id=a.pk + 100)
    assert not is_referred_through(user_id=a.pk + 100, ancestor_id=a.pk)  # no such user


@pytest.mark.parametrize("length", [2, GENERATIONS_PER_QUERY + 1, 3 * GENERATIONS_PER_QUERY + 2])
def test_a_chain_costs_a_query_per_few_generations(make_user, length, django_assert_num_queries):
    users = referral_chain(length)
    generations = length - 1
    with django_assert_num_queries(math.ceil(generations / GENERATIONS_PER_QUERY)):
        assert is_referred_through(user_id=users[-1].pk, ancestor_id=users[0].pk)
    # Not found: the walk reads to the top, and one query more when the top falls on
    # the last generation a query reads (it cannot know it is the top).
    stranger = make_user()
    with django_assert_num_queries(generations // GENERATIONS_PER_QUERY + 1):
        assert not is_referred_through(user_id=users[-1].pk, ancestor_id=stranger.pk)


def test_a_loop_longer_than_one_query_reads_ends(make_user):
    users = referral_chain(2 * GENERATIONS_PER_QUERY + 3)
    User.objects.filter(pk=users[0].pk).update(referred_by=users[-1])
    stranger = make_user()
    assert not is_referred_through(user_id=users[5].pk, ancestor_id=stranger.pk)
    assert is_referred_through(user_id=users[5].pk, ancestor_id=users[6].pk)  # round the loop
