"""The sociocratic invariants, enforced by the services whatever path calls them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from circlewise.circles import services
from circlewise.circles.models import CircleMembership, RoleAssignment, TermStatus
from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent

from .. import factories as f


def _events(org, verb):
    return LedgerEvent.objects.filter(organisation=org, verb=verb)


def test_a_circle_gets_the_four_circle_roles(world):
    kinds = set(world.garden.roles.values_list("kind", flat=True))
    assert kinds == {"leader", "delegate", "facilitator", "secretary"}


def test_a_parent_cycle_is_refused_with_a_clear_message(world):
    # given General contains Garden
    # when General is moved inside Garden
    with pytest.raises(ServiceError, match="inside"):
        services.update_circle(circle=world.general, actor=world.admin, parent=world.garden)
    # then nothing changed
    world.general.refresh_from_db()
    assert world.general.parent_id is None


def test_a_circle_cannot_be_its_own_parent(world):
    with pytest.raises(ServiceError):
        services.update_circle(circle=world.garden, actor=world.admin, parent=world.garden)


def test_nesting_to_any_depth(world):
    parent = world.garden
    for depth in range(6):
        parent = f.make_circle(world.org, f"Depth {depth}", parent=parent)
    assert parent.parent.parent.parent.parent.parent.parent == world.garden


def test_delegate_is_never_the_leader_of_the_same_circle(world):
    # given the circle member leads Garden (and is a member of General, the parent)
    f.add(world.general, world.circle_member)
    f.give_role(world.garden, "leader", world.circle_member)
    before = RoleAssignment.objects.count()
    # when they are made delegate of the same circle
    with pytest.raises(ServiceError, match="two different people"):
        f.give_role(world.garden, "delegate", world.circle_member)
    # then the assignment is refused and nothing was recorded
    assert RoleAssignment.objects.count() == before


def test_leader_must_be_a_member_of_the_parent_circle(world):
    # given the facilitator is not in General
    with pytest.raises(ServiceError, match="parent circle"):
        f.give_role(world.garden, "leader", world.facilitator)
    # when they join General, the same assignment is accepted
    f.add(world.general, world.facilitator)
    assignment = f.give_role(world.garden, "leader", world.facilitator)
    assert assignment.role.kind == "leader"


def test_a_new_holder_ends_the_previous_term_and_history_is_kept(world):
    f.add(world.general, world.member, world.circle_member)
    first = f.give_role(world.garden, "delegate", world.member)
    second = f.give_role(world.garden, "delegate", world.circle_member)
    first.refresh_from_db()
    assert first.ended_on is not None
    assert second.ended_on is None
    assert RoleAssignment.objects.filter(role=second.role).count() == 2
    assert _events(world.org, "role.ended").filter(payload__reason="replaced").exists()


def test_assigning_adds_the_holder_to_the_circle(world):
    services.assign_role(
        role=f.role(world.garden, "secretary"), holder=world.member, actor=world.admin
    )
    assert (
        CircleMembership.objects.current().filter(circle=world.garden, user=world.member).exists()
    )


def test_a_term_must_end_after_it_starts(world):
    today = timezone.localdate()
    with pytest.raises(ServiceError, match="end after"):
        f.give_role(
            world.garden, "secretary", world.circle_member, term_start=today, term_end=today
        )


def test_term_status_reads_ending_and_expired(world):
    today = timezone.localdate()
    ending = f.give_role(
        world.garden,
        "secretary",
        world.circle_member,
        term_start=today - dt.timedelta(days=300),
        term_end=today + dt.timedelta(days=12),
    )
    assert ending.status(today) == TermStatus.ENDING
    assert ending.days_left(today) == 12
    assert ending.status(today + dt.timedelta(days=13)) == TermStatus.EXPIRED
    assert ending.status(today - dt.timedelta(days=60)) == TermStatus.CURRENT
    services.end_assignment(assignment=ending, actor=world.admin)
    ending.refresh_from_db()
    assert ending.status(today) == TermStatus.ENDED


def test_ending_a_membership_keeps_history_and_ends_roles(world):
    # given the facilitator of Garden
    services.end_membership(circle=world.garden, user=world.facilitator, actor=world.admin)
    # then the membership is kept with an end date and the role term ended
    membership = CircleMembership.objects.get(circle=world.garden, user=world.facilitator)
    assert membership.ended_on == timezone.localdate()
    assert not RoleAssignment.objects.current().filter(holder=world.facilitator).exists()
    # and they can join again later, as a new membership
    f.add(world.garden, world.facilitator)
    assert CircleMembership.objects.filter(circle=world.garden, user=world.facilitator).count() == 2


def test_adding_someone_twice_is_refused(world):
    with pytest.raises(ServiceError, match="already a member"):
        f.add(world.garden, world.circle_member)


def test_only_organisation_members_join_circles(world):
    with pytest.raises(ServiceError, match="not a member of this organisation"):
        f.add(world.garden, world.outsider)


def test_a_parent_from_another_organisation_is_refused(world):
    elsewhere = f.make_circle(world.other_org, "Elsewhere circle")
    with pytest.raises(ServiceError, match="same organisation"):
        services.update_circle(circle=world.garden, actor=world.admin, parent=elsewhere)


def test_archiving_requires_sub_circles_archived_first(world):
    with pytest.raises(ServiceError, match="sub-circles"):
        services.archive_circle(circle=world.general, actor=world.admin)
    services.archive_circle(circle=world.garden, actor=world.admin)
    world.garden.refresh_from_db()
    assert world.garden.is_archived
    assert not RoleAssignment.objects.current().filter(role__circle=world.garden).exists()


def test_only_a_helping_circle_has_an_end_date(world):
    with pytest.raises(ServiceError, match="helping"):
        f.make_circle(world.org, "Kitchen", ends_on=timezone.localdate())
    helping = f.make_circle(
        world.org,
        "Kitchen refit",
        kind="helping",
        ends_on=timezone.localdate(),
        mandate="Refit it.",
    )
    assert helping.ends_on == timezone.localdate()


def test_invitation_is_single_use_and_bound_to_its_organisation(world):
    _invitation, raw = services.invite(
        organisation=world.org, email="new@example.org", actor=world.admin
    )
    person = f.make_user("New Person", email="new@example.org")
    services.accept_invitation(raw_token=raw, user=person)
    assert person.org_memberships.get().organisation == world.org
    with pytest.raises(ServiceError, match="already been used"):
        services.accept_invitation(raw_token=raw, user=person)


def test_an_expired_invitation_is_refused(world):
    invitation, raw = services.invite(
        organisation=world.org, email="late@example.org", actor=world.admin
    )
    invitation.expires_at = timezone.now() - dt.timedelta(minutes=1)
    invitation.save()
    person = f.make_user("Late", email="late@example.org")
    with pytest.raises(ServiceError, match="expired"):
        services.accept_invitation(raw_token=raw, user=person)
    assert not person.org_memberships.exists()


def test_an_invitation_works_only_for_its_email(world):
    _invitation, raw = services.invite(
        organisation=world.org, email="right@example.org", actor=world.admin
    )
    with pytest.raises(ServiceError, match="another email"):
        services.accept_invitation(raw_token=raw, user=world.outsider)


def test_the_invitation_email_stays_out_of_the_ledger(world):
    services.invite(organisation=world.org, email="private@example.org", actor=world.admin)
    event = _events(world.org, "invitation.sent").get()
    assert "private@example.org" not in str(event.payload)


def test_the_last_admin_cannot_leave(world):
    with pytest.raises(ServiceError, match="at least one admin"):
        services.remove_org_member(organisation=world.org, user=world.admin, actor=world.admin)


def test_removing_a_member_ends_their_circle_memberships(world):
    services.remove_org_member(organisation=world.org, user=world.circle_member, actor=world.admin)
    assert not CircleMembership.objects.current().filter(user=world.circle_member).exists()
