"""A selection up to its proposal: started for a role with the circle's roster fixed in seat
order; the term and qualifications consented; nominations written in secret and revealed when
everyone has nominated, when the facilitator reveals them or when the step ends; the change
round. The proposal, the consent round and the outcome are in services_consent.py.

Every step appends to the ledger in its transaction. Until the nominations are revealed, no
event says who nominated whom: a nomination's event names its author only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles.models import Circle, CircleMembership, Role, RoleAssignment
from circlewise.core import ledger
from circlewise.core.errors import ServiceError

from . import permissions
from .models import Elector, Nomination, PrepareAnswer, Selection, Step

LONGEST_STEP = dt.timedelta(days=90)
# Called with the selection in the transaction of each of its changes (the meetings app tells
# the live rooms at its item).
SELECTION_CHANGED: list[Callable[[Selection], None]] = []


def append(
    selection: Selection,
    actor: User | None,
    verb: str,
    notify: Iterable[int] = (),
    **extra: object,
) -> None:
    ledger.append(
        organisation=selection.circle.organisation,
        actor=actor,
        verb=verb,
        obj=selection,
        circle=selection.circle,
        payload={
            "selection": selection.pk,
            "role": selection.role_id,
            "role_name": selection.role.name,
            "circle_name": selection.circle.name,
            "step": selection.step,
            **extra,
        },
        notify=[pk for pk in notify if actor is None or pk != actor.pk],
    )
    for hook in SELECTION_CHANGED:
        hook(selection)


def locked(selection: Selection) -> Selection:
    """The selection read afresh and locked for the rest of the transaction."""
    fresh = (
        Selection.objects.select_for_update(of=("self",))
        .select_related("circle__organisation", "role", "facilitator", "proposer")
        .get(pk=selection.pk)
    )
    permissions.forget_electors(selection)
    return fresh


def at(selection: Selection, *steps: Step) -> None:
    if selection.step in steps:
        return
    if selection.step == Step.COMPLETED:
        raise ServiceError(_("This selection is complete: nothing in it changes now."), status=409)
    if selection.step == Step.CANCELLED:
        raise ServiceError(
            _("This selection was cancelled: nothing in it changes now."), status=409
        )
    raise ServiceError(
        _("The selection is at “%(step)s”: this is not for now.")
        % {"step": selection.get_step_display()},
        status=409,
    )


def text(value: str | None, field: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(missing, field=field)
    return value


def voters(selection: Selection) -> list[int]:
    """The roster, in seat order, without those who have left the circle or the organisation
    since it was fixed: they neither nominate nor answer any more."""
    roster = permissions.elector_ids(selection)
    staying = set(
        CircleMembership.objects.current()
        .filter(circle_id=selection.electors_circle_id, user_id__in=roster, user__is_active=True)
        .values_list("user_id", flat=True)
    )
    return [pk for pk in roster if pk in staying]


def _seat_order(circle_id: int, people: list[int]) -> list[int]:
    """The seat order of the circle's last meeting, then everyone else by name."""
    from circlewise.meetings.models import Attendance

    last = (
        Attendance.objects.filter(meeting__circle_id=circle_id)
        .order_by("-meeting__starts_at", "-meeting_id")
        .values_list("meeting_id", flat=True)
        .first()
    )
    seated: list[int] = []
    if last is not None:
        seated = [
            pk
            for pk in Attendance.objects.filter(meeting_id=last)
            .order_by("seat", "pk")
            .values_list("user_id", flat=True)
            if pk in people
        ]
    rest = User.objects.filter(pk__in=set(people) - set(seated)).order_by("name", "pk")
    return seated + list(rest.values_list("pk", flat=True))


def electing_circle(role: Role) -> Circle:
    """Who selects the role's holder: its circle, but the parent circle for a leader."""
    circle = role.circle
    if role.kind == Role.Kind.LEADER and circle.parent_id is not None:
        return Circle.objects.get(pk=circle.parent_id)
    return circle


def default_facilitator(circle: Circle) -> int | None:
    """Who facilitates a selection made by `circle` unless someone is chosen: its facilitator,
    else its leader, else its secretary, among its active members."""
    holders = dict(
        RoleAssignment.objects.current()
        .filter(
            role__circle=circle,
            holder__is_active=True,
            holder__circle_memberships__circle=circle,
            holder__circle_memberships__ended_on__isnull=True,
        )
        .values_list("role__kind", "holder_id")
    )
    for kind in (Role.Kind.FACILITATOR, Role.Kind.LEADER, Role.Kind.SECRETARY):
        if kind in holders:
            return int(holders[kind])
    return None


def _check_end(ends_at: dt.datetime | None) -> None:
    if ends_at is None:
        return
    now = timezone.now()
    if ends_at <= now:
        raise ServiceError(_("The step ends in the future."), field="step_ends_at")
    if ends_at > now + LONGEST_STEP:
        raise ServiceError(_("A step lasts at most 90 days."), field="step_ends_at")


def _check_term(months: int) -> int:
    if not 1 <= int(months) <= 60:
        raise ServiceError(_("A term lasts between 1 and 60 months."), field="term_months")
    return int(months)


@transaction.atomic
def start_selection(
    *,
    role: Role,
    actor: User,
    facilitator: User | None = None,
    term_months: int | None = None,
    qualifications: str | None = None,
    step_ends_at: dt.datetime | None = None,
) -> Selection:
    """Start selecting the role's holder, with the circle's current members as the roster."""
    role = (
        Role.objects.select_for_update(of=("self",))
        .select_related("circle__organisation")
        .get(pk=role.pk)
    )
    permissions.require_start(actor, role)
    circle, electors = role.circle, electing_circle(role)
    if Selection.objects.open().filter(role=role).exists():
        raise ServiceError(_("A selection for this role is under way already."), status=409)
    members = list(
        CircleMembership.objects.current()
        .filter(circle=electors, user__is_active=True)
        .values_list("user_id", flat=True)
    )
    if not members:
        raise ServiceError(
            _("%(circle)s has no members to select from.") % {"circle": electors.name}
        )
    facilitator_id = facilitator.pk if facilitator else default_facilitator(electors)
    facilitator_id = facilitator_id or actor.pk
    chosen = User.objects.get(pk=facilitator_id)
    if not chosen.is_active or not permissions.sees_selection_of(chosen, circle, electors):
        raise ServiceError(
            _("%(name)s cannot see %(circle)s: choose someone who can.")
            % {"name": chosen.name, "circle": circle.name},
            field="facilitator",
        )
    _check_end(step_ends_at)
    months = _check_term(term_months if term_months is not None else role.default_term_months)
    try:
        with transaction.atomic():
            selection = Selection.objects.create(
                role=role, circle=circle, facilitator=chosen, started_by=actor, term_months=months,
                electing_circle=electors if electors.pk != circle.pk else None,
                qualifications=(qualifications if qualifications is not None
                                else role.qualifications).strip(),
                step_ends_at=step_ends_at,
            )  # fmt: skip
    except IntegrityError:
        raise ServiceError(
            _("A selection for this role is under way already."), status=409
        ) from None
    Elector.objects.bulk_create(
        Elector(selection=selection, person_id=pk, seat=i)
        for i, pk in enumerate(_seat_order(electors.pk, members))
    )
    append(
        selection, actor, "selection.started", members,
        facilitator=chosen.pk, facilitator_name=chosen.name, term_months=months,
        electing_circle=electors.pk, electing_circle_name=electors.name,
    )  # fmt: skip
    return selection


@transaction.atomic
def prepare(
    *,
    selection: Selection,
    actor: User,
    term_months: int,
    qualifications: str,
    step_ends_at: dt.datetime | None = None,
) -> Selection:
    """The facilitator writes down the term and the qualifications the circle agreed on: a
    change is a new version, which everyone answers afresh."""
    selection = locked(selection)
    permissions.require("facilitate", actor, selection)
    at(selection, Step.PREPARE)
    months = _check_term(term_months)
    listed = "\n".join(line.strip() for line in (qualifications or "").splitlines() if line.strip())
    _check_end(step_ends_at)
    changed = months != selection.term_months or listed != selection.qualifications
    clock = selection.restart_clock(step_ends_at) if step_ends_at != selection.step_ends_at else []
    if changed:
        selection.term_months, selection.qualifications = months, listed
        selection.prepare_version += 1
    selection.save(update_fields=["term_months", "qualifications", "prepare_version", *clock])
    append(
        selection, actor, "selection.prepared", voters(selection) if changed else [],
        term_months=months, version=selection.prepare_version,
    )  # fmt: skip
    return selection


@transaction.atomic
def add_qualification(*, selection: Selection, actor: User, qualification: str) -> Selection:
    """In the qualifications round a member adds what they look for in the role's holder."""
    selection = locked(selection)
    permissions.require("elect", actor, selection)
    at(selection, Step.PREPARE)
    line = " ".join(text(qualification, "qualification", _("Write the qualification.")).split())
    if len(line) > 300:
        raise ServiceError(_("Keep a qualification under 300 characters."), field="qualification")
    if line.casefold() in (q.casefold() for q in selection.qualification_list()):
        raise ServiceError(_("That qualification is on the list already."), field="qualification")
    selection.qualifications = "\n".join([*selection.qualification_list(), line])
    selection.prepare_version += 1
    selection.save(update_fields=["qualifications", "prepare_version"])
    append(
        selection, actor, "selection.qualification_added", [selection.facilitator_id],
        version=selection.prepare_version,
    )  # fmt: skip
    return selection


@transaction.atomic
def answer_preparation(
    *, selection: Selection, actor: User, consents: bool, reason: str = ""
) -> PrepareAnswer:
    """Consent to the term and the list of qualifications as they stand, or object saying why."""
    selection = locked(selection)
    permissions.require("elect", actor, selection)
    at(selection, Step.PREPARE)
    reason = (reason or "").strip()
    if not consents and not reason:
        raise ServiceError(_("Say what you object to, and why."), field="reason")
    if PrepareAnswer.objects.filter(
        selection=selection, version=selection.prepare_version, person=actor
    ).exists():
        raise ServiceError(_("You have answered this version already."), status=409)
    answer = PrepareAnswer.objects.create(
        selection=selection, version=selection.prepare_version, person=actor,
        consents=consents, reason=reason,
    )  # fmt: skip
    append(
        selection, actor, "selection.preparation_answered",
        [] if consents else [selection.facilitator_id],
        consents=consents, version=selection.prepare_version,
    )  # fmt: skip
    return answer


def standing_prepare_objections(selection: Selection) -> list[PrepareAnswer]:
    return list(
        PrepareAnswer.objects.filter(
            selection=selection, version=selection.prepare_version, consents=False
        ).select_related("person")
    )


@transaction.atomic
def open_nominations(
    *, selection: Selection, actor: User, step_ends_at: dt.datetime | None = None
) -> Selection:
    """The circle has consented to the term and the qualifications (or objected to renewing the
    holder's term): everyone nominates. The consented list is kept on the role for its next
    selection."""
    selection = locked(selection)
    permissions.require("facilitate", actor, selection)
    at(selection, Step.PREPARE, Step.CONSENT)
    if selection.step == Step.CONSENT:
        _renewal_objected(selection)
    elif standing_prepare_objections(selection):
        raise ServiceError(
            _("An objection to the term or the qualifications stands: change them first, and "
              "ask again."),
            status=409,
        )  # fmt: skip
    _check_end(step_ends_at)
    role = Role.objects.select_for_update(of=("self",)).get(pk=selection.role_id)
    if role.qualifications != selection.qualifications:
        role.qualifications = selection.qualifications
        role.save(update_fields=["qualifications"])
    selection.step = Step.NOMINATE
    selection.save(update_fields=["step", *selection.restart_clock(step_ends_at)])
    append(
        selection, actor, "selection.nominations_opened", voters(selection),
        term_months=selection.term_months,
        step_ends_at=step_ends_at.isoformat() if step_ends_at else None,
    )  # fmt: skip
    return selection


def _renewal_objected(selection: Selection) -> None:
    """From a consent round on renewing the holder's term, an objection opens the nominations:
    the full selection runs."""
    from .services_consent import current_candidate, standing_objections

    candidate = current_candidate(selection)
    renewal = not Nomination.objects.filter(selection=selection).exists()
    if not renewal or candidate is None or not standing_objections(candidate):
        raise ServiceError(
            _("The consent round is under way: nominations open only when an objection to "
              "renewing the term stands."),
            status=409,
        )  # fmt: skip


def _nominee(selection: Selection, nominee: User | None) -> User:
    if nominee is None:
        raise ServiceError(_("Choose whom you nominate."), field="nominee")
    if nominee.pk not in voters(selection):
        raise ServiceError(
            _("%(name)s is not on this selection's roster: nominate a member of %(circle)s.")
            % {"name": nominee.name, "circle": selection.circle.name},
            field="nominee",
        )
    return nominee


@transaction.atomic
def nominate(*, selection: Selection, actor: User, nominee: User | None, reason: str) -> Nomination:
    """Write one's nomination, hidden from everyone until they are revealed; rewritten as often
    as one likes until then. The last one missing reveals them all."""
    selection = locked(selection)
    permissions.require("elect", actor, selection)
    at(selection, Step.NOMINATE)
    person = _nominee(selection, nominee)
    why = text(reason, "reason", _("Say why you nominate them: the circle hears your reason."))
    nomination, created = Nomination.objects.update_or_create(
        selection=selection, round=Nomination.Round.NOMINATION, nominator=actor,
        defaults={"nominee": person, "reason": why, "created_at": timezone.now()},
    )  # fmt: skip
    # The event names the nominator alone: who was nominated stays secret until the reveal.
    append(selection, actor, "selection.nominated", [], rewritten=not created)
    waiting = set(voters(selection)) - set(
        Nomination.objects.filter(selection=selection, round=Nomination.Round.NOMINATION)
        .values_list("nominator_id", flat=True)
    )  # fmt: skip
    if not waiting:
        _reveal(selection, None, why="everyone")
    return nomination


def _reveal(selection: Selection, actor: User | None, *, why: str) -> None:
    selection.revealed_at = timezone.now()
    selection.step = Step.CHANGE
    selection.save(update_fields=["revealed_at", "step", *selection.restart_clock(None)])
    grid = [
        {"nominator": n.nominator_id, "nominee": n.nominee_id}
        for n in Nomination.objects.filter(selection=selection, round=Nomination.Round.NOMINATION)
    ]
    append(selection, actor, "selection.revealed", voters(selection), why=why, grid=grid)


@transaction.atomic
def reveal(*, selection: Selection, actor: User) -> Selection:
    """The facilitator reveals the nominations before everyone has nominated (in a meeting: at
    the start of the nomination round)."""
    selection = locked(selection)
    permissions.require("facilitate", actor, selection)
    at(selection, Step.NOMINATE)
    if not Nomination.objects.filter(selection=selection).exists():
        raise ServiceError(
            _("Nobody has nominated anyone yet: there is nothing to reveal."), status=409
        )
    _reveal(selection, actor, why="facilitator")
    return selection


@transaction.atomic
def change_nomination(
    *,
    selection: Selection,
    actor: User,
    nominee: User | None,
    reason: str = "",
    for_person: User | None = None,
) -> Nomination:
    """In the change round, having heard everyone: keep one's nomination (`nominee` None or the
    same person) or change it, saying why. Once each; the last answer ends the round. In a
    meeting the facilitator records the answer of someone without a device (`for_person`)."""
    selection = locked(selection)
    recorder: User | None = None
    if for_person is not None and for_person.pk != actor.pk:
        permissions.require("facilitate", actor, selection)
        if for_person.pk not in voters(selection):
            raise ServiceError(
                _("%(name)s is not on this selection's roster.") % {"name": for_person.name}
            )
        recorder, actor = actor, for_person
    else:
        permissions.require("elect", actor, selection)
    at(selection, Step.CHANGE)
    first = Nomination.objects.filter(
        selection=selection, round=Nomination.Round.NOMINATION, nominator=actor
    ).first()
    if Nomination.objects.filter(
        selection=selection, round=Nomination.Round.CHANGE, nominator=actor
    ).exists():
        raise ServiceError(_("You have answered in the change round already."), status=409)
    kept = nominee is None or (first is not None and nominee.pk == first.nominee_id)
    if kept and first is None:
        raise ServiceError(
            _("You did not nominate anyone before the reveal: nominate someone now."),
            field="nominee",
        )
    person = first.nominee if kept and first is not None else _nominee(selection, nominee)
    reason = (reason or "").strip()
    if not kept and not reason:
        raise ServiceError(_("Say why you change your nomination."), field="reason")
    nomination = Nomination.objects.create(
        selection=selection, round=Nomination.Round.CHANGE, nominator=actor, nominee=person,
        reason=reason or (first.reason if first else ""), kept=kept, recorded_by=recorder,
    )  # fmt: skip
    append(
        selection, recorder or actor, "selection.changed", [], kept=kept,
        nominee=person.pk, nominee_name=person.name,
        **({"person": actor.pk, "person_name": actor.name} if recorder else {}),
    )  # fmt: skip
    answered = set(
        Nomination.objects.filter(selection=selection, round=Nomination.Round.CHANGE)
        .values_list("nominator_id", flat=True)
    )  # fmt: skip
    if not set(voters(selection)) - answered:
        _to_proposal(selection, None)
    return nomination


def _to_proposal(selection: Selection, actor: User | None) -> None:
    selection.step = Step.PROPOSE
    selection.save(update_fields=["step", *selection.restart_clock(None)])
    proposer = selection.proposer_id or selection.facilitator_id
    append(selection, actor, "selection.change_round_closed", [proposer])


@transaction.atomic
def close_change_round(*, selection: Selection, actor: User) -> Selection:
    """The facilitator ends the change round: whoever has not answered keeps their nomination."""
    selection = locked(selection)
    permissions.require("facilitate", actor, selection)
    at(selection, Step.CHANGE)
    _to_proposal(selection, actor)
    return selection


@transaction.atomic
def hand_over(*, selection: Selection, actor: User, proposer: User | None) -> Selection:
    """A nominated facilitator hands the proposal over to another member (None: takes it back)."""
    selection = locked(selection)
    permissions.require("facilitate", actor, selection)
    at(selection, Step.PREPARE, Step.NOMINATE, Step.CHANGE, Step.PROPOSE)
    if proposer is not None and (proposer.pk == actor.pk or proposer.pk not in voters(selection)):
        raise ServiceError(
            _("Hand the proposal over to another member of %(circle)s.")
            % {"circle": selection.circle.name},
            field="proposer",
        )
    selection.proposer = proposer
    selection.save(update_fields=["proposer"])
    append(
        selection, actor, "selection.handed_over", [proposer.pk] if proposer else [],
        proposer=proposer.pk if proposer else None,
        proposer_name=proposer.name if proposer else "",
    )  # fmt: skip
    return selection


@transaction.atomic
def set_step_end(
    *, selection: Selection, actor: User, step_ends_at: dt.datetime | None
) -> Selection:
    selection = locked(selection)
    permissions.require("facilitate", actor, selection)
    at(selection, Step.PREPARE, Step.NOMINATE, Step.CHANGE, Step.CONSENT)
    _check_end(step_ends_at)
    selection.save(update_fields=selection.restart_clock(step_ends_at))
    append(
        selection, actor, "selection.step_end_set", voters(selection),
        step_ends_at=step_ends_at.isoformat() if step_ends_at else None,
    )  # fmt: skip
    return selection


@transaction.atomic
def cancel(*, selection: Selection, actor: User, reason: str) -> Selection:
    selection = locked(selection)
    permissions.require("cancel", actor, selection)
    at(selection, Step.PREPARE, Step.NOMINATE, Step.CHANGE, Step.PROPOSE, Step.CONSENT)
    why = text(reason, "reason", _("Say why the selection is cancelled: the circle reads it."))
    selection.step, selection.closed_at = Step.CANCELLED, timezone.now()
    selection.save(update_fields=["step", "closed_at"])
    append(selection, actor, "selection.cancelled", voters(selection), reason=why)
    return selection
