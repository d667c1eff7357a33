"""A proposal's consent process run live in the room, through the decisions app's own services.

An agenda item taken from the backlog may carry a proposal (`proposal_of`): the item's backlog
topic is the proposal's, or the draft written from the topic's discussion. In the room the
proposal is presented (a draft, by its author), goes through a clarifying and a reaction round
(ordinary rounds on the item), and then through the consent round: a meetings `Round` of kind
consent over the people present who are members of the circle, in seat order, tied to the
decisions `ConsentRound` opened on the proposal at the same moment. Completing a turn in it is
giving one's answer (`answer`): the turn ends and `decisions.services.rounds.respond` records the
answer in the same transaction, so neither exists without the other. An objection is stated back
in the room (`state_back`), the proposal amended by decisions' new version (`amend`), and the
consent round opened again.

Who decides is who is present. Under the circle's lazy consent (a proposal presented for a live
meeting, in a circle whose absent members may object afterwards) the facilitator closes the round
once everyone present has answered (`close_consent`): decisions' `close_round` checks the quorum,
records the absentees, and gives them the circle's lazy-consent period to object. Otherwise the
round is the ordinary one: the room records the present people's answers and it waits for the
others.

Nothing here writes a decisions row itself: every step is a decisions service, which checks its
own rules (who steers, who presents, who may answer) and appends its own ledger events; the room's
side (its round and turns) appends the meetings' events, and each change moves the room's version
and is broadcast after commit (`services_room._changed`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles.models import CircleMembership
from circlewise.core.errors import ServiceError
from circlewise.decisions import services as decisions
from circlewise.decisions.models import ConsentRound, Objection, Proposal

from . import permissions
from . import services_room as room
from .models import AgendaItem, Attendance, Meeting, Round, Turn
from .selectors_consent import proposal_of


def _current_item(meeting: Meeting) -> tuple[AgendaItem, Proposal]:
    """The item the meeting is at, and its proposal; a clear refusal otherwise."""
    if meeting.phase != Meeting.Phase.ITEMS or meeting.current_item_id is None:
        raise ServiceError(_("Move the meeting on to the proposal's item first."), status=409)
    item = AgendaItem.objects.select_related("backlog_item").get(pk=meeting.current_item_id)
    item.meeting = meeting
    proposal = proposal_of(item)
    if proposal is None:
        raise ServiceError(
            _("“%(topic)s” carries no proposal: there is nothing to consent to.")
            % {"topic": item.title},
            status=409,
        )
    return item, proposal


def open_consent_round_of(proposal: Proposal) -> ConsentRound | None:
    return proposal.rounds.filter(outcome=ConsentRound.Outcome.OPEN).first()


def consent_round_for(round_: Round) -> ConsentRound | None:
    """The proposal's open consent round a room's consent round gives answers to, or None (a
    consent round on an item without a proposal is an ordinary round)."""
    if round_.kind != Round.Kind.CONSENT or round_.item_id is None:
        return None
    item = AgendaItem.objects.select_related("backlog_item", "meeting").get(pk=round_.item_id)
    proposal = proposal_of(item)
    return open_consent_round_of(proposal) if proposal is not None else None


def _start(meeting: Meeting, actor: User) -> tuple[Meeting, AgendaItem, Proposal]:
    meeting = room._locked(meeting)
    permissions.require_run_room(actor, meeting)
    room._require_live(meeting)
    item, proposal = _current_item(meeting)
    return meeting, item, proposal


@transaction.atomic
def present(*, meeting: Meeting, actor: User) -> Proposal:
    """Present the item's proposal to the room: a draft is presented by its author, for this
    live meeting (decisions' rule: nobody presents another's draft)."""
    meeting = room._locked(meeting)
    room._require_live(meeting)
    permissions.require_join_room(actor, meeting)
    _item, proposal = _current_item(meeting)
    if proposal.state != Proposal.State.DRAFT:
        raise ServiceError(_("This proposal has been presented already."), status=409)
    proposal = decisions.present(proposal=proposal, actor=actor, mode=Proposal.Mode.LIVE)
    room._changed(meeting)
    return proposal


@transaction.atomic
def open_consent(
    *,
    meeting: Meeting,
    actor: User,
    first: User | None = None,
    clockwise: bool = True,
    prompt: str = "",
) -> Round:
    """Open the consent round in the room on the proposal's current version: decisions' round
    (its roster the circle's members, its lazy consent and quorum the circle's), and the room's
    round of turns over those present who are asked in it and have not answered yet, in seat
    order from `first`. Guests in the room (an admin keeping the agenda) are not asked."""
    meeting, item, proposal = _start(meeting, actor)
    if room.open_round(meeting) is not None:
        raise ServiceError(_("A round is going on: end it first."), status=409)
    consent = open_consent_round_of(proposal)
    if consent is None:
        consent = decisions.open_consent_round(proposal=proposal, actor=actor)
    elif consent.version_number != proposal.version_number:  # pragma: no cover - revise closes it
        raise ServiceError(_("This round is on an earlier version."), status=409)
    members = set(
        CircleMembership.objects.current()
        .filter(circle_id=meeting.circle_id)
        .values_list("user_id", flat=True)
    )
    asked = set(
        consent.roster.filter(
            required=True, left_circle_at__isnull=True, answered_at__isnull=True
        ).values_list("user_id", flat=True)
    )
    present = [
        pk
        for pk in Attendance.objects.filter(meeting=meeting, present=True)
        .order_by("seat", "pk")
        .values_list("user_id", flat=True)
        if pk in members and pk in asked
    ]
    if not present:
        raise ServiceError(
            _("Nobody in the room is still to answer in this consent round."), status=409
        )
    if first is not None and first.pk not in present:
        raise ServiceError(
            _("%(name)s is not asked in the room: choose someone present to start.")
            % {"name": first.name},
            field="first",
        )
    order = room.speaking_order(present, first.pk if first else None, clockwise)
    round_ = Round.objects.create(
        meeting=meeting,
        item=item,
        kind=Round.Kind.CONSENT,
        prompt=(prompt or "").strip()[:300]
        or _("Do you consent to version %(version)d?") % {"version": proposal.version_number},
        order=order,
        clockwise=clockwise,
        started_by=actor,
    )
    Turn.objects.create(round=round_, user_id=order[0])
    room._append(
        meeting, actor, "round.started", round_, round=round_.pk, kind=round_.kind,
        item=item.pk, topic=item.title, proposal=proposal.pk, consent_round=consent.pk,
    )  # fmt: skip
    room._changed(meeting)
    return round_


@transaction.atomic
def answer(
    *,
    meeting: Meeting,
    actor: User,
    answer: str,
    reason: str = "",
    expected_user: int | None = None,
) -> Turn | None:
    """The speaker's answer in the room's consent round: consent, objection (with its reason) or,
    where the circle allows it, consent with a concern; no passing. Given by the speaker on their
    device, or in the room and recorded by the facilitator or secretary (the turn says by whom).
    The turn ends and the answer is recorded by decisions' `respond` in this transaction; the
    next turn, or None when the round is over."""
    meeting = room._locked(meeting)
    room._require_live(meeting)
    round_ = room.open_round(meeting)
    if round_ is None:
        raise ServiceError(_("No round is going on."), status=409)
    consent = consent_round_for(round_)
    if consent is None:
        raise ServiceError(_("No consent round on a proposal is going on in the room."), status=409)
    turn = Turn.objects.select_for_update(of=("self",)).get(round=round_, ended_at__isnull=True)
    if expected_user is not None and turn.user_id != expected_user:
        raise ServiceError(_("That turn is over already: the round has moved on."), status=409)
    if actor.pk != turn.user_id:
        permissions.require_run_room(actor, meeting)
    speaker = User.objects.get(pk=turn.user_id)
    decisions.respond(round_=consent, user=speaker, answer=answer, reason=reason)
    return room.complete_turn(round_=round_, actor=actor, expected_user=speaker.pk)


@transaction.atomic
def close_consent(*, meeting: Meeting, actor: User) -> ConsentRound:
    """Those present have answered: close the proposal's consent round under the circle's lazy
    consent (decisions' `close_round`, which checks the quorum and gives the absentees the
    circle's period to object). Where the circle waits for everyone, decisions refuses with the
    names it still waits for, and the round stays open for them."""
    meeting, _item, proposal = _start(meeting, actor)
    if room.open_round(meeting) is not None:
        raise ServiceError(_("End the round first: everyone in it is heard."), status=409)
    consent = open_consent_round_of(proposal)
    if consent is None:
        raise ServiceError(_("No consent round is open on this proposal."), status=409)
    waiting = set(decisions.waiting_for(consent))
    present = set(
        Attendance.objects.filter(meeting=meeting).in_room().values_list("user_id", flat=True)
    )
    still = sorted(User.objects.filter(pk__in=waiting & present).values_list("name", flat=True))
    if still:
        raise ServiceError(
            _("Still to answer in the room: %(names)s. Start the consent round again for them.")
            % {"names": ", ".join(still)},
            status=409,
        )
    hours = decisions.settings_for(proposal.circle).lazy_consent_hours
    reason = _(
        "Those present in the meeting decided; absent members may object within %(hours)d hours."
    ) % {"hours": hours}
    closed = decisions.close_round(round_=consent, actor=actor, reason=reason)
    room._changed(meeting)
    return closed


def _objection_of(proposal: Proposal, objection_id: int | None) -> Objection:
    found = (
        proposal.objections.filter(pk=objection_id).first() if objection_id is not None else None
    )
    if found is None:
        raise ServiceError(_("That objection is not on this proposal."), field="objection")
    return found


@transaction.atomic
def state_back(*, meeting: Meeting, actor: User, objection_id: int | None, text: str) -> Objection:
    """Someone in the room says an objection back in their own words (decisions' rules: not
    the objector); the objector then confirms they were understood."""
    meeting = room._locked(meeting)
    room._require_live(meeting)
    permissions.require_join_room(actor, meeting)
    _item, proposal = _current_item(meeting)
    objection = decisions.state_back(
        objection=_objection_of(proposal, objection_id), actor=actor, text=text
    )
    room._changed(meeting)
    return objection


@transaction.atomic
def amend(
    *,
    meeting: Meeting,
    actor: User,
    text: str,
    change_note: str,
    integrations: dict[int, str] | None = None,
) -> Any:
    """The proposal amended in the room: a new version (decisions' `revise`, by who synthesises),
    saying how it integrates each objection. Answers to the old version no longer count; the
    consent round is then opened again."""
    meeting, _item, proposal = _start(meeting, actor)
    if room.open_round(meeting) is not None:
        raise ServiceError(_("End the round first: everyone in it is heard."), status=409)
    fields: dict[str, Any] = {}
    if (text or "").strip():
        fields["text"] = text
    version = decisions.revise(
        proposal=proposal,
        actor=actor,
        change_note=change_note,
        integrations=integrations or {},
        **fields,
    )
    room._changed(meeting)
    return version
