"""A selection from its proposal to its outcome: a candidate proposed with reasons and a term,
the consent round in which the nominee answers last, objections integrated in a new version or
another nominee proposed, and, when everyone consents, the role assignment, created in the same
transaction as the selection's outcome and their ledger events.

The renewal path (consent to renew the current holder) is a proposal of the holder straight
after the term and qualifications, without nominations.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles import services as circle_services
from circlewise.circles.models import Circle, Role, RoleAssignment
from circlewise.core.errors import ServiceError

from . import permissions
from .models import Answer, Candidate, Nomination, Selection, Step
from .services import append, at, locked, standing_prepare_objections, text, voters


def current_candidate(selection: Selection) -> Candidate | None:
    return (
        Candidate.objects.filter(selection=selection)
        .select_related("nominee")
        .order_by("-created_at", "-pk")
        .first()
    )


def consent_order(selection: Selection, nominee_id: int) -> list[int]:
    """The consent round starts beside the nominee and goes round the seats, so that the nominee
    answers last."""
    seats = voters(selection)
    if nominee_id not in seats:
        return seats
    at_ = seats.index(nominee_id)
    return seats[at_ + 1 :] + seats[:at_] + [nominee_id]


def _nominated_ids(selection: Selection) -> set[int]:
    return set(Nomination.objects.filter(selection=selection).values_list("nominee_id", flat=True))


def _check_candidate(selection: Selection, nominee: User | None, actor: User) -> User:
    if nominee is None:
        raise ServiceError(_("Choose whom you propose."), field="nominee")
    if nominee.pk not in voters(selection):
        raise ServiceError(
            _("%(name)s is not on this selection's roster.") % {"name": nominee.name},
            field="nominee",
        )
    problems = circle_services.link_problems_for_assignment(
        selection.role, nominee, selection.circle, reader=actor
    )
    if problems:
        raise ServiceError(" ".join(problems), field="nominee")
    return nominee


def _new_candidate(
    selection: Selection, actor: User, nominee: User, reasons: str, term_months: int | None,
    measures: str, version: int,
) -> Candidate:  # fmt: skip
    months = int(term_months if term_months is not None else selection.term_months)
    if not 1 <= months <= 60:
        raise ServiceError(_("A term lasts between 1 and 60 months."), field="term_months")
    return Candidate.objects.create(
        selection=selection, nominee=nominee, version=version, proposed_by=actor,
        reasons=text(reasons, "reasons", _("Give the reasons for your proposal.")),
        term_months=months, measures=(measures or "").strip(),
    )  # fmt: skip


def _to_consent(selection: Selection, actor: User, candidate: Candidate, verb: str) -> None:
    selection.step = Step.CONSENT
    selection.save(update_fields=["step", *selection.restart_clock(None)])
    append(
        selection, actor, verb, voters(selection),
        candidate=candidate.pk, nominee=candidate.nominee_id,
        nominee_name=candidate.nominee.name, version=candidate.version,
        term_months=candidate.term_months,
    )  # fmt: skip


def standing_objections(candidate: Candidate) -> list[Answer]:
    return [a for a in candidate.answers.select_related("person") if a.stands]


@transaction.atomic
def propose(
    *,
    selection: Selection,
    actor: User,
    nominee: User | None,
    reasons: str,
    term_months: int | None = None,
    measures: str = "",
) -> Candidate:
    """Propose one of the nominees, with reasons and the term; after an objection, another."""
    selection = locked(selection)
    permissions.require("propose", actor, selection)
    at(selection, Step.PROPOSE, Step.CONSENT)
    person = _check_candidate(selection, nominee, actor)
    if person.pk not in _nominated_ids(selection):
        raise ServiceError(
            _("%(name)s was not nominated: propose one of the nominees.") % {"name": person.name},
            field="nominee",
        )
    if selection.step == Step.CONSENT:
        candidate = current_candidate(selection)
        if candidate is not None and not standing_objections(candidate):
            raise ServiceError(
                _("The consent round is under way and no objection stands: let it finish."),
                status=409,
            )
    candidate = _new_candidate(selection, actor, person, reasons, term_months, measures, 1)
    _to_consent(selection, actor, candidate, "selection.proposed")
    return candidate


@transaction.atomic
def propose_renewal(
    *, selection: Selection, actor: User, reasons: str, measures: str = ""
) -> Candidate:
    """The shorter path: the circle is asked to consent to renew the current holder's term,
    without nominations. Anyone objecting brings the full selection back (`open_nominations`
    after cancelling and starting again)."""
    selection = locked(selection)
    permissions.require("propose", actor, selection)
    at(selection, Step.PREPARE)
    if standing_prepare_objections(selection):
        raise ServiceError(
            _("An objection to the term or the qualifications stands: change them first."),
            status=409,
        )
    holder = (
        RoleAssignment.objects.current()
        .filter(role_id=selection.role_id)
        .select_related("holder")
        .first()
    )
    if holder is None:
        raise ServiceError(_("Nobody holds this role now: there is no term to renew."), status=409)
    person = _check_candidate(selection, holder.holder, actor)
    candidate = _new_candidate(selection, actor, person, reasons, None, measures, 1)
    _to_consent(selection, actor, candidate, "selection.renewal_proposed")
    return candidate


@transaction.atomic
def integrate(
    *,
    selection: Selection,
    actor: User,
    reasons: str,
    term_months: int | None = None,
    measures: str = "",
) -> Candidate:
    """Integrate the objections in a new version of the proposal (training, a shorter term,
    measures): everyone answers the new version afresh, the nominee last again."""
    selection = locked(selection)
    permissions.require("propose", actor, selection)
    at(selection, Step.CONSENT)
    candidate = current_candidate(selection)
    if candidate is None or not standing_objections(candidate):
        raise ServiceError(_("No objection stands: there is nothing to integrate."), status=409)
    months = term_months if term_months is not None else candidate.term_months
    new = _new_candidate(
        selection, actor, candidate.nominee, reasons, months, measures, candidate.version + 1
    )
    _to_consent(selection, actor, new, "selection.integrated")
    return new


def waiting_for(selection: Selection, candidate: Candidate) -> list[int]:
    """Who has still to answer the candidate, in the round's order."""
    answered = set(candidate.answers.values_list("person_id", flat=True))
    return [pk for pk in consent_order(selection, candidate.nominee_id) if pk not in answered]


@transaction.atomic
def answer(
    *,
    selection: Selection,
    actor: User,
    consents: bool,
    reason: str = "",
    for_person: User | None = None,
) -> Answer:
    """Consent to the candidate, or object with a reason; nobody passes, and the nominee answers
    once everyone else has. In a meeting the facilitator records the answer of someone without a
    device (`for_person`)."""
    selection = locked(selection)
    if for_person is not None and for_person.pk != actor.pk:
        permissions.require("facilitate", actor, selection)
        person, recorded_by = for_person, actor
    else:
        permissions.require("elect", actor, selection)
        person, recorded_by = actor, None
    at(selection, Step.CONSENT)
    candidate = current_candidate(selection)
    assert candidate is not None
    waiting = waiting_for(selection, candidate)
    if person.pk not in waiting:
        if person.pk not in voters(selection):
            raise ServiceError(
                _("%(name)s is not on this selection's roster.") % {"name": person.name}
            )
        raise ServiceError(_("This version has been answered already."), status=409)
    if person.pk == candidate.nominee_id and waiting != [person.pk]:
        raise ServiceError(
            _("The nominee answers last: %(count)s still to answer before %(name)s.")
            % {"count": len(waiting) - 1, "name": person.name},
            status=409,
        )
    reason = (reason or "").strip()
    if not consents and not reason:
        raise ServiceError(
            _("An objection says how this selection would harm the circle's aim: write it."),
            field="reason",
        )
    given = Answer.objects.create(
        candidate=candidate, person=person, consents=consents, reason=reason,
        recorded_by=recorded_by,
    )  # fmt: skip
    notify = [] if consents else [selection.facilitator_id, selection.proposer_id or 0]
    append(
        selection, actor, "selection.answered", [pk for pk in notify if pk],
        candidate=candidate.pk, version=candidate.version, consents=consents,
        person=person.pk, person_name=person.name, recorded=recorded_by is not None,
    )  # fmt: skip
    _complete_if_consented(selection, candidate)
    return given


@transaction.atomic
def withdraw_objection(*, selection: Selection, actor: User) -> Answer:
    """Only its author withdraws an objection."""
    selection = locked(selection)
    permissions.require("elect", actor, selection)
    at(selection, Step.CONSENT)
    candidate = current_candidate(selection)
    assert candidate is not None
    objection = next((a for a in standing_objections(candidate) if a.person_id == actor.pk), None)
    if objection is None:
        raise ServiceError(_("You have no objection standing here."), status=409)
    objection.withdrawn_at = timezone.now()
    objection.save(update_fields=["withdrawn_at"])
    append(
        selection, actor, "selection.objection_withdrawn", [selection.facilitator_id],
        candidate=candidate.pk, version=candidate.version,
    )  # fmt: skip
    _complete_if_consented(selection, candidate)
    return objection


def _complete_if_consented(selection: Selection, candidate: Candidate) -> None:
    if waiting_for(selection, candidate) or standing_objections(candidate):
        return
    today = timezone.localdate()
    assignment = circle_services.assign_role(
        role=selection.role, holder=candidate.nominee, actor=selection.facilitator,
        term_start=today, term_end=circle_services.add_months(today, candidate.term_months),
    )  # fmt: skip
    selection.step, selection.closed_at, selection.outcome = (
        Step.COMPLETED,
        timezone.now(),
        assignment,
    )
    selection.save(update_fields=["step", "closed_at", "outcome"])
    append(
        selection, None, "selection.completed", voters(selection),
        candidate=candidate.pk, nominee=candidate.nominee_id, nominee_name=candidate.nominee.name,
        assignment=assignment.pk, term_end=assignment.term_end.isoformat(),
    )  # fmt: skip
    _ask_for_confirmation(selection, candidate.nominee, assignment)


def _ask_for_confirmation(selection: Selection, holder: User, assignment: RoleAssignment) -> None:
    """A delegate is confirmed by the parent circle, a leader selected by the parent is consented
    to by the receiving circle: a consent item on that circle's backlog, raised by the
    facilitator. A circle that cannot take items (archived or ended) is not asked."""
    from circlewise.decisions.services import add_backlog_item

    role, circle = selection.role, selection.circle
    values = {"name": holder.name, "role": role.name, "circle": circle.name}
    if role.kind == Role.Kind.DELEGATE and circle.parent_id is not None:
        asked = Circle.objects.get(pk=circle.parent_id)
        topic = _("Confirm %(name)s as %(circle)s's delegate") % values
        details = _(
            "%(circle)s selected %(name)s as its delegate by consent, until %(end)s. The parent "
            "circle confirms its delegates: consent, or raise an objection with %(circle)s."
        )
    elif role.kind == Role.Kind.LEADER and selection.electing_circle_id is not None:
        asked = circle
        topic = _("Consent to %(name)s as our leader") % values
        details = _(
            "%(electors)s selected %(name)s as the leader of %(circle)s, until %(end)s. The "
            "receiving circle consents to its leader: consent, or raise an objection."
        )
    else:
        return
    text = details % {**values, "end": date_format(assignment.term_end, "j M Y"),
                      "electors": (selection.electing_circle or circle).name}  # fmt: skip
    try:
        with transaction.atomic():
            add_backlog_item(
                circle=asked, actor=selection.facilitator, topic=topic[:200], description=text
            )
    except ServiceError:
        pass
