"""The rules' per-request cache is one typed object kept beside the user object, not attributes
bolted onto it: a user object reads each fact once, a fresh one reads afresh, and the cache goes
with its user object."""

from __future__ import annotations

import gc

from django.db import connection
from django.test.utils import CaptureQueriesContext

from circlewise.accounts.models import User
from circlewise.circles import permissions
from tests.conftest import World


def test_a_user_object_reads_its_membership_once_and_carries_nothing(world: World) -> None:
    # given Cy, a member of the Garden circle, loaded as a request loads them
    cy = User.objects.get(pk=world.circle_member.pk)
    garden = world.garden

    # when the rules ask twice
    with CaptureQueriesContext(connection) as first:
        assert permissions.is_circle_member(cy, garden)
    with CaptureQueriesContext(connection) as second:
        assert permissions.is_circle_member(cy, garden)

    # then the second answer comes from the cache, and nothing was added to the user object
    assert len(first) == 1
    assert len(second) == 0
    assert permissions.rule_cache(cy).member_of == {garden.pk: True}
    assert not [key for key in vars(cy) if key.startswith("_cw_")]


def test_a_fresh_user_object_reads_afresh(world: World) -> None:
    # given one user object that has read Cy's circles
    cy = User.objects.get(pk=world.circle_member.pk)
    assert {world.garden.pk, world.care.pk} <= permissions.circle_ids_of(cy, world.org)

    # when another user object of the same person asks (as the next request does)
    again = User.objects.get(pk=world.circle_member.pk)
    with CaptureQueriesContext(connection) as queries:
        permissions.circle_ids_of(again, world.org)

    # then it reads from the database, with a cache of its own
    assert len(queries) == 1
    assert permissions.rule_cache(again) is not permissions.rule_cache(cy)


def test_the_cache_goes_with_its_user_object(world: World) -> None:
    # given a user object whose rules have been read
    gc.collect()
    before = len(permissions._rule_caches)
    cy = User.objects.get(pk=world.circle_member.pk)
    permissions.prime_permissions(cy, world.org)
    assert len(permissions._rule_caches) == before + 1

    # when the user object is dropped
    del cy
    gc.collect()

    # then so is its cache
    assert len(permissions._rule_caches) == before
