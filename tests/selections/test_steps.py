import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from circlewise.circles.models import RoleAssignment
from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.selections import permissions, services, services_consent
from circlewise.selections.models import Answer, Nomination, Selection, Step

from .. import factories as f
from .helpers import nominating, proposed, revealed, secretary, started


def _verbs(selection: Selection) -> list[str]:
    return list(
        LedgerEvent.objects.filter(payload__selection=selection.pk)
        .order_by("pk")
        .values_list("verb", flat=True)
    )


def test_a_selection_starts_with_the_circle_as_its_roster(world):
    # when Fay starts the selection of Garden's secretary
    selection = started(world)
    # then the roster is Garden's active members, by name (no meeting has seated them yet)
    assert permissions.elector_ids(selection) == [
        world.circle_member.pk, world.facilitator.pk, world.member.pk,
    ]  # fmt: skip
    assert selection.step == Step.PREPARE and selection.term_months == 12
    assert _verbs(selection) == ["selection.started"]


def test_one_selection_per_role_at_a_time(world):
    started(world)
    with pytest.raises(ServiceError) as refused:
        services.start_selection(role=secretary(world), actor=world.facilitator)
    assert refused.value.status == 409
    # and the database itself refuses a second open one
    with pytest.raises(IntegrityError), transaction.atomic():
        Selection.objects.create(
            role=secretary(world), circle=world.garden, facilitator=world.facilitator,
            started_by=world.facilitator,
        )  # fmt: skip


def test_only_the_circle_starts_a_selection(world):
    with pytest.raises(ServiceError) as refused:
        services.start_selection(role=secretary(world), actor=world.member)
    assert refused.value.status == 403
    assert not Selection.objects.exists()


def test_an_objection_to_the_term_holds_the_nominations_back_until_a_new_version(world):
    selection = started(world)
    services.answer_preparation(
        selection=selection, actor=world.circle_member, consents=False,
        reason="A year is long for someone new.",
    )  # fmt: skip
    with pytest.raises(ServiceError) as refused:
        services.open_nominations(selection=selection, actor=world.facilitator)
    assert refused.value.status == 409
    services.prepare(
        selection=selection, actor=world.facilitator, term_months=6,
        qualifications="Writes clearly\nKeeps dates",
    )  # fmt: skip
    services.open_nominations(selection=selection, actor=world.facilitator)
    selection.refresh_from_db()
    assert (selection.step, selection.prepare_version) == (Step.NOMINATE, 2)
    # the consented list is kept on the role for next time
    assert secretary(world).qualifications == "Writes clearly\nKeeps dates"


def test_an_objection_needs_its_reason_and_nothing_is_recorded_without(world):
    selection = started(world)
    with pytest.raises(ServiceError) as refused:
        services.answer_preparation(selection=selection, actor=world.member, consents=False)
    assert refused.value.field == "reason"
    assert not selection.prepare_answers.exists()


def test_a_member_adds_a_qualification_once(world):
    selection = started(world)
    services.add_qualification(selection=selection, actor=world.member, qualification="Patient")
    with pytest.raises(ServiceError):
        services.add_qualification(selection=selection, actor=world.member, qualification="patient")
    selection.refresh_from_db()
    assert selection.qualification_list() == ["Patient"]


def test_nominations_stay_secret_until_the_last_one_reveals_them(world):
    selection = nominating(world)
    fay, cy, mo = world.facilitator, world.circle_member, world.member
    services.nominate(selection=selection, actor=cy, nominee=fay, reason="Careful.")
    services.nominate(selection=selection, actor=fay, nominee=cy, reason="Clear.")
    selection.refresh_from_db()
    # before the reveal no event names a nominee, and nobody but the author sees a nomination
    events = LedgerEvent.objects.filter(verb="selection.nominated")
    assert [set(e.payload) & {"nominee", "nominee_name"} for e in events] == [set(), set()]
    assert not permissions.can_view_nominations(fay, selection)
    assert not selection.is_revealed
    # when Mo writes the last one
    services.nominate(selection=selection, actor=mo, nominee=fay, reason="Calm.")
    selection.refresh_from_db()
    # then they are revealed, with the grid in the record, and the change round is open
    assert selection.is_revealed and selection.step == Step.CHANGE
    grid = LedgerEvent.objects.get(verb="selection.revealed").payload["grid"]
    assert {(g["nominator"], g["nominee"]) for g in grid} == {
        (cy.pk, fay.pk), (fay.pk, cy.pk), (mo.pk, fay.pk),
    }  # fmt: skip
    assert permissions.can_view_nominations(world.circle_member, selection)


def test_a_nomination_rewritten_before_the_reveal_stays_one(world):
    selection = nominating(world)
    cy = world.circle_member
    services.nominate(selection=selection, actor=cy, nominee=world.facilitator, reason="A")
    services.nominate(selection=selection, actor=cy, nominee=world.member, reason="B")
    rows = Nomination.objects.filter(selection=selection, nominator=cy)
    assert [(n.nominee_id, n.reason) for n in rows] == [(world.member.pk, "B")]


def test_a_nomination_needs_a_reason_and_someone_on_the_roster(world):
    selection = nominating(world)
    with pytest.raises(ServiceError) as no_reason:
        services.nominate(
            selection=selection, actor=world.member, nominee=world.facilitator, reason=" "
        )
    with pytest.raises(ServiceError) as outsider:
        services.nominate(
            selection=selection, actor=world.member, nominee=world.outsider, reason="Why not"
        )
    assert (no_reason.value.field, outsider.value.field) == ("reason", "nominee")
    assert not Nomination.objects.exists()


def test_only_the_roster_nominates(world):
    selection = nominating(world)
    with pytest.raises(ServiceError) as refused:
        services.nominate(
            selection=selection, actor=world.admin, nominee=world.facilitator, reason="Good"
        )
    assert refused.value.status == 403


def test_the_facilitator_reveals_early_but_not_an_empty_grid(world):
    selection = nominating(world)
    with pytest.raises(ServiceError):
        services.reveal(selection=selection, actor=world.facilitator)
    services.nominate(
        selection=selection, actor=world.member, nominee=world.facilitator, reason="Good"
    )
    services.reveal(selection=selection, actor=world.facilitator)
    selection.refresh_from_db()
    assert selection.step == Step.CHANGE and selection.is_revealed


def test_the_change_round_asks_why_of_a_change_and_answers_once(world):
    selection = revealed(world)
    with pytest.raises(ServiceError) as no_reason:
        services.change_nomination(
            selection=selection, actor=world.member, nominee=world.circle_member
        )
    assert no_reason.value.field == "reason"
    services.change_nomination(
        selection=selection, actor=world.member, nominee=world.circle_member,
        reason="Having heard Fay, Cy writes the clearest minutes.",
    )  # fmt: skip
    with pytest.raises(ServiceError) as twice:
        services.change_nomination(selection=selection, actor=world.member, nominee=None)
    assert twice.value.status == 409
    changed = Nomination.objects.get(selection=selection, round="change", nominator=world.member)
    assert (changed.nominee, changed.kept) == (world.circle_member, False)


def test_the_last_change_answer_moves_on_to_the_proposal(world):
    selection = revealed(world)
    for person in (world.circle_member, world.facilitator, world.member):
        services.change_nomination(selection=selection, actor=person, nominee=None)
    selection.refresh_from_db()
    assert selection.step == Step.PROPOSE


def test_after_handing_over_only_the_appointed_member_proposes(world):
    selection = revealed(world)
    services.hand_over(selection=selection, actor=world.facilitator, proposer=world.member)
    services.close_change_round(selection=selection, actor=world.facilitator)
    with pytest.raises(ServiceError) as refused:
        services_consent.propose(
            selection=selection, actor=world.facilitator, nominee=world.facilitator, reasons="Me"
        )
    assert refused.value.status == 403
    with pytest.raises(ServiceError) as not_nominated:
        services_consent.propose(
            selection=selection, actor=world.member, nominee=world.member, reasons="Me"
        )
    assert not_nominated.value.field == "nominee"


def test_the_consent_round_starts_beside_the_nominee_who_answers_last(world):
    selection = proposed(world)
    fay, cy, mo = world.facilitator, world.circle_member, world.member
    candidate = services_consent.current_candidate(selection)
    # seats by name: Cy, Fay, Mo; beside Fay sits Mo, then round to Cy, and Fay last
    assert services_consent.consent_order(selection, candidate.nominee_id) == [mo.pk, cy.pk, fay.pk]
    with pytest.raises(ServiceError) as early:
        services_consent.answer(selection=selection, actor=fay, consents=True)
    assert early.value.status == 409 and "last" in early.value.message
    assert not Answer.objects.exists()


def test_nobody_passes_in_the_consent_round(world):
    selection = proposed(world)
    with pytest.raises(ServiceError) as refused:
        services_consent.answer(selection=selection, actor=world.member, consents=False, reason="")
    assert refused.value.field == "reason"
    assert not Answer.objects.exists()


def test_everyones_consent_makes_the_assignment_in_the_same_transaction(world):
    selection = proposed(world)
    fay, cy, mo = world.facilitator, world.circle_member, world.member
    services_consent.answer(selection=selection, actor=mo, consents=True)
    services_consent.answer(selection=selection, actor=cy, consents=True)
    services_consent.answer(selection=selection, actor=fay, consents=True)
    selection.refresh_from_db()
    assignment = RoleAssignment.objects.current().get(role=secretary(world))
    assert selection.step == Step.COMPLETED and selection.outcome == assignment
    assert assignment.holder == fay and assignment.term_start == timezone.localdate()
    assert (assignment.term_end - assignment.term_start).days in range(365, 367)
    last_two = list(LedgerEvent.objects.order_by("-pk").values_list("verb", flat=True)[:2])
    assert last_two == ["selection.completed", "role.assigned"]


def test_when_the_assignment_fails_the_last_answer_is_not_recorded(world):
    selection = proposed(world)
    mo, cy, fay = world.member, world.circle_member, world.facilitator
    services_consent.answer(selection=selection, actor=mo, consents=True)
    services_consent.answer(selection=selection, actor=cy, consents=True)
    role = secretary(world)
    role.archived_at = timezone.now()
    role.save(update_fields=["archived_at"])
    with pytest.raises(ServiceError):
        services_consent.answer(selection=selection, actor=fay, consents=True)
    selection.refresh_from_db()
    assert selection.step == Step.CONSENT and selection.outcome is None
    assert not Answer.objects.filter(person=fay).exists()


def test_an_objection_is_integrated_in_a_new_version_answered_again(world):
    selection = proposed(world)
    fay, cy, mo = world.facilitator, world.circle_member, world.member
    services_consent.answer(
        selection=selection, actor=mo, consents=False, reason="A year before training is long."
    )
    services_consent.answer(selection=selection, actor=cy, consents=True)
    services_consent.answer(selection=selection, actor=fay, consents=True)
    selection.refresh_from_db()
    assert selection.step == Step.CONSENT and selection.outcome is None
    services_consent.integrate(
        selection=selection, actor=mo, reasons="Six months, with minute-taking training.",
        term_months=6, measures="Training by March",
    )  # fmt: skip
    candidate = services_consent.current_candidate(selection)
    assert (candidate.version, candidate.term_months, candidate.answers.count()) == (2, 6, 0)
    for person in (mo, cy, fay):
        services_consent.answer(selection=selection, actor=person, consents=True)
    selection.refresh_from_db()
    assert selection.step == Step.COMPLETED


def test_only_its_author_withdraws_an_objection_and_that_completes_the_round(world):
    selection = proposed(world)
    fay, cy, mo = world.facilitator, world.circle_member, world.member
    services_consent.answer(selection=selection, actor=mo, consents=False, reason="Too soon.")
    services_consent.answer(selection=selection, actor=cy, consents=True)
    services_consent.answer(selection=selection, actor=fay, consents=True)
    with pytest.raises(ServiceError):
        services_consent.withdraw_objection(selection=selection, actor=cy)
    services_consent.withdraw_objection(selection=selection, actor=mo)
    selection.refresh_from_db()
    assert selection.step == Step.COMPLETED and selection.outcome.holder == fay


def test_another_nominee_is_proposed_after_an_objection_only(world):
    selection = proposed(world)
    mo = world.member
    with pytest.raises(ServiceError) as refused:
        services_consent.propose(
            selection=selection, actor=mo, nominee=world.circle_member, reasons="Cy, then."
        )
    assert refused.value.status == 409
    services_consent.answer(selection=selection, actor=mo, consents=False, reason="Fay is busy.")
    services_consent.propose(
        selection=selection, actor=mo, nominee=world.circle_member, reasons="Cy, then."
    )
    candidate = services_consent.current_candidate(selection)
    assert candidate.nominee == world.circle_member
    # beside Cy sits Fay, then Mo, and Cy last
    assert services_consent.waiting_for(selection, candidate) == [
        world.facilitator.pk, mo.pk, world.circle_member.pk,
    ]  # fmt: skip


def test_the_facilitator_records_an_answer_given_in_the_room(world):
    selection = proposed(world)
    services_consent.answer(
        selection=selection, actor=world.facilitator, consents=True, for_person=world.member
    )
    given = Answer.objects.get(person=world.member)
    assert given.recorded_by == world.facilitator
    with pytest.raises(ServiceError) as refused:
        services_consent.answer(
            selection=selection, actor=world.member, consents=True, for_person=world.circle_member
        )
    assert refused.value.status == 403


def test_renewing_the_holders_term_skips_the_nominations(world):
    # given Fay holds Garden's secretary role
    f.give_role(world.garden, "secretary", world.facilitator)
    selection = started(world)
    services_consent.propose_renewal(
        selection=selection, actor=world.facilitator, reasons="It goes well."
    )
    selection.refresh_from_db()
    assert selection.step == Step.CONSENT and not Nomination.objects.exists()
    # an objection to renewing opens the nominations: the full selection runs
    services_consent.answer(
        selection=selection, actor=world.member, consents=False, reason="Others should try."
    )
    services.open_nominations(selection=selection, actor=world.facilitator)
    selection.refresh_from_db()
    assert selection.step == Step.NOMINATE


def test_a_cancelled_selection_changes_no_more(world):
    selection = nominating(world)
    services.cancel(selection=selection, actor=world.facilitator, reason="The role is merged.")
    with pytest.raises(ServiceError) as refused:
        services.nominate(
            selection=selection, actor=world.member, nominee=world.facilitator, reason="x"
        )
    assert refused.value.status == 409
    # and the role may be selected again
    services.start_selection(role=secretary(world), actor=world.facilitator)
