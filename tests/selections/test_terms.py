"""Stepping down early, and the circles around a link role: a leader is selected by the parent
circle and consented to by the receiving circle; a delegate is confirmed by the parent."""

import pytest
from django.urls import reverse

from circlewise.circles.models import RoleAssignment
from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.decisions.models import BacklogItem
from circlewise.selections import permissions, services, services_consent, services_terms
from circlewise.selections.models import Selection, Step

from .. import factories as f


def _fay_term(world):
    return RoleAssignment.objects.current().get(
        role__circle=world.garden, role__kind="facilitator", holder=world.facilitator
    )


def test_stepping_down_ends_the_term_and_opens_a_selection(world):
    term = _fay_term(world)
    selection = services_terms.step_down(
        assignment=term, actor=world.facilitator, reason="I am away until spring."
    )
    term.refresh_from_db()
    assert term.ended_on is not None
    ended = LedgerEvent.objects.get(verb="role.ended")
    assert (ended.payload["reason"], ended.payload["note"]) == (
        "stepped_down", "I am away until spring.",
    )  # fmt: skip
    assert selection.role_id == term.role_id and selection.step == Step.PREPARE


def test_only_the_holder_steps_down(world):
    with pytest.raises(ServiceError) as refused:
        services_terms.step_down(assignment=_fay_term(world), actor=world.circle_member)
    assert refused.value.status == 403
    assert _fay_term(world).ended_on is None and not Selection.objects.exists()


def test_the_step_down_page_for_the_holder_only(world, client):
    term = _fay_term(world)
    url = reverse("selections:step_down", args=["willow", "garden", term.pk])
    client.force_login(world.circle_member)
    assert client.get(url).status_code == 403
    client.force_login(world.facilitator)
    role_page = client.get(reverse("circles:role_detail", args=["willow", "garden", term.role_id]))
    assert url in role_page.content.decode()
    answer = client.post(url, {"reason": ""})
    selection = Selection.objects.get()
    assert answer["Location"] == reverse(
        "selections:selection_detail", args=["willow", selection.pk]
    )


def _through(selection, nominee, people):
    services.open_nominations(selection=selection, actor=selection.facilitator)
    for person in people:
        services.nominate(selection=selection, actor=person, nominee=nominee, reason="Good.")
    for person in people:
        services.change_nomination(selection=selection, actor=person, nominee=None)
    selection.refresh_from_db()
    services_consent.propose(
        selection=selection, actor=selection.facilitator, nominee=nominee, reasons="All of us."
    )
    for pk in services_consent.consent_order(selection, nominee.pk):
        person = next(p for p in people if p.pk == pk)
        services_consent.answer(selection=selection, actor=person, consents=True)
    selection.refresh_from_db()
    return selection


def test_a_leader_is_selected_by_the_parent_circle_and_the_circle_is_asked_to_consent(world):
    # given General (Garden's parent) with Ada and Mo, and Mo also in Garden
    f.add(world.general, world.admin, world.member)
    f.add(world.garden, world.member)
    leader = f.role(world.garden, "leader")
    selection = services.start_selection(role=leader, actor=world.admin, facilitator=world.admin)
    # then General's members are the roster, not Garden's
    assert selection.electing_circle == world.general
    assert set(permissions.elector_ids(selection)) == {world.admin.pk, world.member.pk}
    assert not permissions.is_elector(world.circle_member, selection)
    selection = _through(selection, world.member, [world.admin, world.member])
    assert selection.outcome.holder == world.member
    item = BacklogItem.objects.get(circle=world.garden)
    assert item.topic == "Consent to Mo Member as our leader"


def test_a_delegate_is_confirmed_on_the_parents_backlog(world):
    f.add(world.general, world.circle_member)
    delegate = f.role(world.garden, "delegate")
    selection = services.start_selection(
        role=delegate, actor=world.facilitator, facilitator=world.facilitator
    )
    assert selection.electing_circle is None
    people = [world.circle_member, world.facilitator]
    selection = _through(selection, world.circle_member, people)
    item = BacklogItem.objects.get(circle=world.general)
    assert item.topic == "Confirm Cy Circle as Garden's delegate"
    assert item.source == BacklogItem.Source.OTHER_CIRCLE and item.raised_from == world.garden
