"""A selection run live in the room, through the selections app's own services.

An agenda item may carry a selection of the circle's (`AgendaItem.selection`). At such an item
the selection's rounds are the room's rounds, over the people present who are on its roster:

- the nomination round: starting it reveals the nominations (selections' `reveal`, by the
  selection's facilitator) if they are not yet, and each turn is the speaker saying whom they
  nominate and why, shown on every screen; nobody passes;
- the change round: the speaker keeps or changes their nomination (selections'
  `change_nomination`) as their turn ends, and the grid changes on every screen;
- the consent round: its order is selections' `consent_order`, starting beside the nominee, who
  answers last; each turn is the speaker's answer (selections' `answer`, `for_person` when the
  facilitator records it for someone without a device); nobody passes.

Nothing here writes a selections row itself: each step is a selections service, which checks its
own rules and appends its own ledger events; the room's side (its round and turns) appends the
meetings' events, and each change moves the room's version and is broadcast after commit.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.core.errors import ServiceError
from circlewise.selections import services as selections
from circlewise.selections import services_consent as selection_consent
from circlewise.selections.models import Nomination, Selection, Step

from . import permissions
from . import services_room as room
from .models import AgendaItem, Attendance, Meeting, Round, Turn
from .selectors_selection import SELECTION_ROUNDS, selection_of

Kind = Round.Kind


def _current(meeting: Meeting) -> tuple[AgendaItem, Selection]:
    """The item the meeting is at, and its selection; a clear refusal otherwise."""
    if meeting.phase != Meeting.Phase.ITEMS or meeting.current_item_id is None:
        raise ServiceError(_("Move the meeting on to the selection's item first."), status=409)
    item = AgendaItem.objects.get(pk=meeting.current_item_id)
    selection = selection_of(item)
    if selection is None:
        raise ServiceError(
            _("“%(topic)s” carries no selection.") % {"topic": item.title}, status=409
        )
    return item, selection


def carries_selection(meeting: Meeting) -> bool:
    """Whether the meeting is, as it is now, at an item that carries a selection."""
    return Meeting.objects.filter(
        pk=meeting.pk, phase=Meeting.Phase.ITEMS, current_item__selection__isnull=False
    ).exists()


def _present_voters(meeting: Meeting, selection: Selection) -> list[int]:
    """Those in the room who are on the selection's roster, in seat order."""
    voting = set(selections.voters(selection))
    return [
        pk
        for pk in Attendance.objects.filter(meeting=meeting)
        .in_room()
        .order_by("seat", "pk")
        .values_list("user_id", flat=True)
        if pk in voting
    ]


def _order(
    meeting: Meeting, selection: Selection, actor: User, kind: str, first: User | None,
    clockwise: bool,
) -> tuple[list[int], str]:  # fmt: skip
    """Who speaks in the round, in order, and the prompt it is given unless the facilitator
    writes one."""
    present = _present_voters(meeting, selection)
    if kind == Kind.CONSENT:
        selections.at(selection, Step.CONSENT)
        candidate = selection_consent.current_candidate(selection)
        assert candidate is not None
        waiting = selection_consent.waiting_for(selection, candidate)
        order = [pk for pk in waiting if pk in present]  # beside the nominee, the nominee last
        prompt = _("Do you consent to %(name)s holding the role for %(months)s months?") % {
            "name": candidate.nominee.name,
            "months": candidate.term_months,
        }
        if not order:
            raise ServiceError(_("Nobody in the room is still to answer."), status=409)
        return order, prompt
    if kind == Kind.NOMINATION:
        if selection.step == Step.NOMINATE:
            selections.reveal(selection=selection, actor=actor)
        elif not selection.is_revealed:
            selections.at(selection, Step.NOMINATE)
        prompt = _("Whom do you nominate, and why?")
    else:
        selections.at(selection, Step.CHANGE)
        answered = set(
            Nomination.objects.filter(
                selection=selection, round=Nomination.Round.CHANGE
            ).values_list("nominator_id", flat=True)
        )
        present = [pk for pk in present if pk not in answered]
        prompt = _("Having heard everyone: do you keep your nomination, or change it?")
    if not present:
        raise ServiceError(_("Nobody in the room is still to speak in this round."), status=409)
    if first is not None and first.pk not in present:
        raise ServiceError(
            _("%(name)s does not speak in this round: choose someone present on the roster.")
            % {"name": first.name},
            field="first",
        )
    return room.speaking_order(present, first.pk if first else None, clockwise), prompt


@transaction.atomic
def start_selection_round(
    *,
    meeting: Meeting,
    actor: User,
    kind: str,
    prompt: str = "",
    first: User | None = None,
    clockwise: bool = True,
) -> Round:
    """Start the selection's nomination, change or consent round at the current item, over the
    people present on its roster (in seat order from `first`; the consent round in its own
    order, the nominee last)."""
    meeting = room._locked(meeting)
    permissions.require_run_room(actor, meeting)
    room._require_live(meeting)
    if kind not in SELECTION_ROUNDS:
        raise ServiceError(_("Choose the kind of round from the list."), field="kind")
    if room.open_round(meeting) is not None:
        raise ServiceError(_("A round is going on: end it first."), status=409)
    item, selection = _current(meeting)
    order, suggested = _order(meeting, selection, actor, kind, first, clockwise)
    round_ = Round.objects.create(
        meeting=meeting,
        item=item,
        kind=kind,
        prompt=(prompt or "").strip()[:300] or suggested,
        order=order,
        clockwise=clockwise,
        started_by=actor,
    )
    Turn.objects.create(round=round_, user_id=order[0])
    Attendance.objects.filter(meeting=meeting, hand_raised_at__isnull=False).update(
        hand_raised_at=None
    )
    if meeting.discussion_started_at is not None:
        meeting.discussion_started_at = meeting.discussion_minutes = None
        meeting.save(update_fields=["discussion_started_at", "discussion_minutes"])
    room._append(
        meeting, actor, "round.started", round_, round=round_.pk, kind=kind,
        item=item.pk, topic=item.title, selection=selection.pk,
    )  # fmt: skip
    room._changed(meeting)
    return round_


def _turn(meeting: Meeting, kind: str, expected_user: int | None) -> tuple[Round, Turn, Selection]:
    room._require_live(meeting)
    round_ = room.open_round(meeting)
    if round_ is None or round_.kind != kind:
        raise ServiceError(_("No such round is going on."), status=409)
    _item, selection = _current(meeting)
    turn = Turn.objects.select_for_update(of=("self",)).get(round=round_, ended_at__isnull=True)
    if expected_user is not None and turn.user_id != expected_user:
        raise ServiceError(_("That turn is over already: the round has moved on."), status=409)
    return round_, turn, selection


@transaction.atomic
def change_turn(
    *,
    meeting: Meeting,
    actor: User,
    nominee: User | None = None,
    reason: str = "",
    passed: bool = False,
    come_back: bool = False,
    expected_user: int | None = None,
) -> Turn | None:
    """The speaker's turn in the change round: they keep their nomination (`nominee` None) or
    change it, saying why, as the turn ends (selections' `change_nomination`, in this
    transaction). The facilitator records it for someone without a device (what they said in the
    room); moving the turn on without it, they keep their nomination unless they answer on the
    selection's page."""
    meeting = room._locked(meeting)
    round_, turn, selection = _turn(meeting, Kind.CHANGE, expected_user)
    if actor.pk != turn.user_id:
        permissions.require_run_room(actor, meeting)
        if nominee is not None or (reason or "").strip():
            # Said in the room by someone without a device: the selection's facilitator records
            # it for them.
            selections.change_nomination(
                selection=selection, actor=actor, nominee=nominee, reason=reason,
                for_person=User.objects.get(pk=turn.user_id),
            )  # fmt: skip
    elif not (passed or come_back):
        answered = Nomination.objects.filter(
            selection=selection, round=Nomination.Round.CHANGE, nominator=actor
        ).exists()
        if not answered or nominee is not None or (reason or "").strip():
            selections.change_nomination(
                selection=selection, actor=actor, nominee=nominee, reason=reason
            )
    return room.complete_turn(
        round_=round_, actor=actor, passed=passed, come_back=come_back, expected_user=turn.user_id
    )


@transaction.atomic
def consent_turn(
    *,
    meeting: Meeting,
    actor: User,
    answer: str,
    reason: str = "",
    expected_user: int | None = None,
) -> Turn | None:
    """The speaker's answer in the selection's consent round: consent, or an objection with its
    reason; no passing. Given by the speaker, or in the room and recorded by the selection's
    facilitator (selections' `answer` with `for_person`); the turn ends in this transaction."""
    meeting = room._locked(meeting)
    round_, turn, selection = _turn(meeting, Kind.CONSENT, expected_user)
    if answer not in ("consent", "objection"):
        raise ServiceError(_("Choose the answer: consent or objection."), field="answer")
    speaker = User.objects.get(pk=turn.user_id)
    if actor.pk != speaker.pk:
        permissions.require_run_room(actor, meeting)
    selection_consent.answer(
        selection=selection,
        actor=actor,
        consents=answer == "consent",
        reason=reason,
        for_person=speaker if actor.pk != speaker.pk else None,
    )
    return room.complete_turn(round_=round_, actor=actor, expected_user=speaker.pk)
