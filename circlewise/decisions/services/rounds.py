"""Consent rounds: opening one (its roster fixed), answering, closing, and what a closing decides."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, CircleMembership, Role
from circlewise.core import ledger
from circlewise.core.errors import ServiceError
from circlewise.core.perf.prepared import Prepared

from .. import permissions
from ..models import (
    BacklogItem,
    CircleDecisionSettings,
    ConsentResponse,
    ConsentRound,
    Decision,
    Objection,
    Policy,
    Proposal,
    ProposalVersion,
    RosterEntry,
)
from ._common import (
    State,
    _append,
    _clean,
    _lock,
    _public_name,
    _require_state,
    current_member_ids,
    role_holder_ids,
    settings_for,
)
from .backlog import _close_items, close_item
from .deadlines import default_end, set_step_end
from .helping import extend_mandate
from .policies import _apply_consented_settings
from .proposals import Action, _require_in_force
from .quorum import _unanswered, quorum_of, waiting_for
from .records import _participation, build_record


@transaction.atomic
def open_consent_round(
    *,
    proposal: Proposal,
    actor: User,
    subject: str = ConsentRound.Subject.PROPOSAL,
    handed_to: Circle | None = None,
    closes_at: dt.datetime | None = None,
    version_number: int | None = None,
) -> ConsentRound:
    """Open a round on the current version; the roster is the circle's members at this moment.
    `version_number`, when given, is the version the facilitator saw: a newer one is refused."""
    proposal = _lock(proposal)
    circle_permissions.refuse_if_ended(proposal.circle)
    permissions.require_steer(actor, proposal)
    _check_round_subject(proposal, actor, subject, handed_to, version_number)
    if closes_at is not None and closes_at <= timezone.now():
        raise ServiceError(_("The window must end in the future."), field="closes_at")
    if proposal.rounds.filter(outcome=ConsentRound.Outcome.OPEN).exists():
        raise ServiceError(_("A consent round is already open on this proposal."), status=409)
    members = current_member_ids(proposal.circle)
    if not members:
        raise ServiceError(_("The circle has no members to ask."), status=409)
    circle_settings = settings_for(proposal.circle)
    closes_at = closes_at or default_end(proposal, State.CONSENT)
    lazy = (
        proposal.mode == Proposal.Mode.LIVE
        and circle_settings.absentee_policy == CircleDecisionSettings.Absentees.LAZY
    )
    round_ = ConsentRound.objects.create(
        proposal=proposal, version_number=proposal.version_number, subject=subject,
        handed_to=handed_to, lazy=lazy, opened_by=actor, closes_at=closes_at,
        quorum_percent=circle_settings.quorum_percent,
    )  # fmt: skip
    RosterEntry.objects.bulk_create(RosterEntry(round=round_, user_id=uid) for uid in members)
    proposal.state = State.CONSENT
    proposal.save(update_fields=["state", *set_step_end(proposal, closes_at)])
    _append(
        proposal, actor, "consent.round_opened",
        {"round": round_.pk, "version": proposal.version_number, "subject": subject,
         "handed_to": handed_to.pk if handed_to else None,
         "handed_to_name": _public_name(handed_to), "lazy": lazy,
         "quorum_percent": round_.quorum_percent, "roster": sorted(members),
         "closes_at": closes_at.isoformat() if closes_at else None},
        obj=round_, notify=members,
    )  # fmt: skip
    return round_


def _check_round_subject(
    proposal: Proposal,
    actor: User,
    subject: str,
    handed_to: Circle | None,
    version_number: int | None,
) -> None:
    """What a round on this subject needs: consent on the version the facilitator saw, with no
    objection to it standing; a helping circle the actor sees to hand over to; a parent circle
    to escalate to."""
    if subject not in ConsentRound.Subject.values:
        raise ServiceError(_("Unknown subject."), field="subject")
    if subject == ConsentRound.Subject.PROPOSAL:
        _require_state(
            proposal, State.CLARIFYING, State.REACTING, State.SYNTHESIS, State.OBJECTIONS
        )
        if version_number is not None and version_number != proposal.version_number:
            raise ServiceError(
                _(
                    "This proposal now has version %(current)d. Read it before asking for "
                    "consent on it."
                )
                % {"current": proposal.version_number},
                status=409,
            )
        standing = proposal.objections.filter(
            status=Objection.Status.OPEN, version_number=proposal.version_number
        )
        if standing.exists():
            raise ServiceError(
                _(
                    "Objections to this version still stand. Integrate them in a new version, or "
                    "the objector may withdraw them, before a new consent round."
                ),
                status=409,
            )
        if proposal.amends is not None:
            _require_in_force(proposal.amends, status=409)
    else:
        _require_state(proposal, *Proposal.OPEN_STATES)
    if subject == ConsentRound.Subject.HAND_OVER:
        if handed_to is None or handed_to.kind != Circle.Kind.HELPING:
            raise ServiceError(_("Choose the helping circle to hand it to."), field="handed_to")
        if (
            handed_to.organisation_id != proposal.circle.organisation_id
            or handed_to.is_archived
            # A private helping circle is offered only by someone who sees it (one of its
            # members): to anyone else it does not exist.
            or not circle_permissions.can_view_circle_now(actor, handed_to)
        ):
            raise ServiceError(
                _("Choose an active helping circle of this organisation that you can see."),
                field="handed_to",
            )
    if subject == ConsentRound.Subject.ESCALATE and proposal.circle.parent_id is None:
        raise ServiceError(_("This circle has no parent circle to escalate to."), status=409)


def _sync_roster(round_: ConsentRound, proposal: Proposal | None = None) -> None:
    """Members who left the circle since the round opened are no longer required: record it.
    Nobody does this: the round follows the circle's membership (the event has no actor)."""
    proposal = proposal or round_.proposal
    # One query, usually empty: roster entries whose person is no longer a current member.
    still_member = CircleMembership.objects.current().filter(
        circle_id=proposal.circle_id, user_id=OuterRef("user_id")
    )
    leavers = (
        round_.roster.filter(required=True, left_circle_at__isnull=True)
        .exclude(Exists(still_member))
        .select_related("user")
    )
    for entry in leavers:
        now = timezone.now()
        entry.required = False
        entry.left_circle_at = now
        entry.save(update_fields=["required", "left_circle_at"])
        _append(
            proposal, None, "consent.roster_member_left",
            {"round": round_.pk, "user": entry.user_id, "user_name": entry.user.name,
             "left_at": now.isoformat()},
            obj=round_, occurred_at=now,
        )  # fmt: skip


def member_left_circle(circle: Circle, user: User, actor: User) -> None:
    """Someone left a circle: its open consent rounds stop waiting for them, recorded now. A round
    that was waiting only for them closes. (Registered with circles.services.MEMBERSHIP_ENDED.)"""
    entries = (
        RosterEntry.objects.filter(
            user=user, required=True, left_circle_at__isnull=True,
            round__outcome=ConsentRound.Outcome.OPEN, round__proposal__circle=circle,
        )
        .values_list("round_id", "round__proposal_id")
    )  # fmt: skip
    for round_id, proposal_id in list(entries):
        proposal = _lock(Proposal(pk=proposal_id))
        round_ = ConsentRound.objects.select_for_update().get(pk=round_id)
        if round_.is_open:
            _sync_roster(round_, proposal)
            # Everyone left is waited for no longer; but a round that nobody in the circle
            # answered stays open: it decides nothing.
            if not _unanswered(round_, circle.pk).exists() and quorum_of(round_).met:
                _close(proposal, round_, actor=None)


# The answer's own reads, under the proposal's lock: compiled once (circlewise.core.perf.prepared).
_locked_proposal = Prepared(
    Proposal, lambda pk: Proposal.objects.select_for_update().filter(pk=pk), 1
)


_locked_round = Prepared(
    ConsentRound, lambda pk: ConsentRound.objects.select_for_update().filter(pk=pk), 1
)


_roster_entry = Prepared(
    RosterEntry,
    lambda round_id, user_id: RosterEntry.objects.filter(round_id=round_id).filter(user_id=user_id),
    1,
    1,
)


def _check_answer(circle: Circle, answer: str, reason: str) -> None:
    if answer not in ConsentResponse.Answer.values:
        raise ServiceError(
            _("Answer consent or objection; in a consent round nobody passes or abstains."),
            field="answer",
        )
    if answer == ConsentResponse.Answer.CONCERN and not settings_for(circle).allow_concerns:
        raise ServiceError(
            _("This circle does not record concerns: answer consent or objection."), field="answer"
        )
    if answer == ConsentResponse.Answer.OBJECTION and not reason:
        raise ServiceError(
            _("Give the reason for your objection: how would this harm the circle's aim?"),
            field="reason",
        )
    if answer == ConsentResponse.Answer.CONCERN and not reason:
        raise ServiceError(_("Say what your concern is."), field="reason")


class LateAnswerError(ServiceError):
    """An answer from someone absent from a lazily consented round, after the time to object
    ended. Nothing is recorded; the answer and its reason come back, so that the page can offer
    to call an early review with them."""

    def __init__(self, *, round_: ConsentRound, answer: str, reason: str) -> None:
        assert round_.lazy_until is not None
        self.ended_at = round_.lazy_until
        self.round = round_
        self.answer = answer
        self.reason = reason
        super().__init__(
            _(
                "The time to object after this lazy consent ended on %(date)s, so your answer was "
                "not recorded. The decision stands; you can still call an early review of it, "
                "with your reason."
            )
            % {"date": date_format(timezone.localtime(self.ended_at), "j M Y, H:i")},
            field="reason",
            status=409,
        )


@transaction.atomic
def respond(*, round_: ConsentRound, user: User, answer: str, reason: str = "") -> ConsentResponse:
    """One member's answer in a consent round: consent, objection (with a reason) or, where the
    circle allows it, consent with a concern. There is no passing and no abstaining.

    Answers are serialised on the proposal's row (on SQLite, by the write transaction itself), and
    the section under that lock is kept short: a handful of reads by primary key, the answer, its
    ledger event, and one query that says whether anyone is still to answer. The returned answer
    holds the round as it is afterwards (`response.round`: closed, with its outcome, when this was
    the last answer) and the round its proposal (`response.round.proposal.state`).
    """
    circle = round_.proposal.circle
    reason = _clean(reason)
    _check_answer(circle, answer, reason)
    proposal = _locked_proposal.first(round_.proposal_id)
    locked = _locked_round.first(round_.pk)
    if proposal is None or locked is None:  # pragma: no cover - rows are never deleted
        raise ServiceError(_("This consent round no longer exists."), status=404)
    round_ = locked
    proposal.circle = circle
    round_.proposal = proposal
    late = not round_.is_open and _answers_late(round_, user, answer, reason)
    if round_.version_number != proposal.version_number and not late:
        raise ServiceError(
            _("This round is on an earlier version; answer the current one."), status=409
        )
    entry = permissions.require_answer_round(user, circle, _roster_entry.first(round_.pk, user.pk))
    # The answer keeps the ledger's time, so that the ledger alone reproduces the record. One
    # answer per member per round: the unique constraint decides (a second answer inserts nothing).
    now = timezone.now()
    # While the round is open a member may change their answer: both stay on the record, the
    # later counts (_replace_answer). A late answer is given once.
    earlier = (
        None
        if late or entry.answered_at is None
        else _replace_answer(round_, user, answer, reason, now)
    )
    response = None
    if entry.answered_at is None or earlier is not None:
        try:
            with transaction.atomic():
                response = ConsentResponse.objects.create(
                    round=round_, user=user, answer=answer, reason=reason,
                    after_round_closed=late, created_at=now,
                )  # fmt: skip
        except IntegrityError:
            response = None
    if response is None:
        raise ServiceError(_("You have already answered in this round."), status=409)
    RosterEntry.objects.filter(pk=entry.pk).update(answered_at=now)
    objection = None
    if answer == ConsentResponse.Answer.OBJECTION:
        objection = Objection.objects.create(
            proposal=proposal, response=response, version_number=round_.version_number,
            objector=user, reason=reason,
        )  # fmt: skip
    _append(
        proposal, user, "consent.answered",
        {"round": round_.pk, "version": round_.version_number, "user": user.pk,
         "user_name": user.name, "answer": answer, "reason": reason,
         "objection": objection.pk if objection else None, "late": late,
         **({"replaces": earlier.pk, "changed_from": earlier.answer} if earlier else {})},
        obj=response,
        notify=[proposal.author_id, *role_holder_ids(circle, Role.Kind.FACILITATOR)]
        if objection else [],
        occurred_at=now,
    )  # fmt: skip
    if late:
        if objection is not None:
            _reopen_after_lazy_objection(proposal, round_, objection, user)
        return response
    if not _unanswered(round_, circle.pk).exists():
        # The last answer closes the round; the answerer does not: the circle's round closes.
        _close(proposal, round_, actor=None)
    return response


def _replace_answer(
    round_: ConsentRound, user: User, answer: str, reason: str, now: dt.datetime
) -> ConsentResponse:
    """The member's answer in this open round, marked as replaced by the one they give now; an
    objection it raised is withdrawn (by its own objector, the one who may). Refused when the new
    answer is the same."""
    earlier = ConsentResponse.objects.current().filter(round=round_, user=user).first()
    if earlier is None:  # pragma: no cover - answered_at is set with the answer
        raise ServiceError(_("You have already answered in this round."), status=409)
    if earlier.answer == answer and earlier.reason == reason:
        raise ServiceError(
            _("You have already answered “%(answer)s” in this round.")
            % {"answer": earlier.get_answer_display()},
            status=409,
        )
    earlier.replaced_at = now
    earlier.save(update_fields=["replaced_at"])
    raised = Objection.objects.filter(response=earlier, status=Objection.Status.OPEN).first()
    if raised is not None:
        raised.status = Objection.Status.WITHDRAWN
        raised.resolved_at = now
        raised.save(update_fields=["status", "resolved_at"])
        _append(
            round_.proposal, user, "objection.withdrawn",
            {"objection": raised.pk, "by_changed_answer": True},
            obj=raised, notify=[round_.proposal.author_id],
        )  # fmt: skip
    return earlier


def _answers_late(round_: ConsentRound, user: User, answer: str, reason: str) -> bool:
    """An answer to a closed round: taken (late) only from an absentee of a round closed by lazy
    consent, before its window ends (after it: LateAnswerError); refused otherwise."""
    entry = round_.roster.filter(user=user, absent=True).first()
    lazily_consented = (
        entry is not None
        and round_.lazy_until is not None
        and round_.outcome == ConsentRound.Outcome.CONSENTED
    )
    if lazily_consented and round_.lazy_until is not None and timezone.now() >= round_.lazy_until:
        raise LateAnswerError(round_=round_, answer=answer, reason=reason)
    if not lazily_consented:
        raise ServiceError(
            _("This consent round has closed; your answer was not recorded."), status=409
        )
    return True


@transaction.atomic
def close_round(*, round_: ConsentRound, actor: User, reason: str = "") -> ConsentRound:
    """Close a round by hand. With answers missing this is refused, unless the circle uses lazy
    consent in a live meeting: then the facilitator closes it early, saying why (on the record),
    provided the round has reached its quorum; absentees are recorded and may object afterwards."""
    proposal = _lock(round_.proposal)
    round_ = ConsentRound.objects.select_for_update().get(pk=round_.pk)
    round_.proposal = proposal
    permissions.require_steer(actor, proposal)
    if not round_.is_open:
        raise ServiceError(_("This consent round has already closed."), status=409)
    _sync_roster(round_, proposal)
    missing = waiting_for(round_)
    if missing and not round_.lazy and _closes_lazily_at_its_end(proposal):
        # An asynchronous round whose time has passed, in a circle whose absent members may
        # object afterwards: it closes as a lazy round does in a meeting.
        round_.lazy = True
        round_.save(update_fields=["lazy"])
    if missing and not round_.lazy:
        names = ", ".join(
            User.objects.filter(pk__in=missing).order_by("name").values_list("name", flat=True)
        )
        raise ServiceError(
            _(
                "Still waiting for answers from: %(names)s. Everyone in the circle answers before the "
                "round closes."
            )
            % {"names": names},
            status=409,
        )
    if missing:
        reason = _clean(reason)
        if not reason:
            raise ServiceError(
                _(
                    "Say why the round closes before everyone has answered: the reason goes on "
                    "the record."
                ),
                field="reason",
            )
        quorum = quorum_of(round_)
        if not quorum.met:
            raise ServiceError(quorum.message(), status=409)
        RosterEntry.objects.filter(round=round_, user_id__in=missing).update(absent=True)
        hours = settings_for(proposal.circle).lazy_consent_hours
        round_.lazy_until = timezone.now() + dt.timedelta(hours=hours)
        round_.closed_by = actor
        round_.close_reason = reason
        round_.save(update_fields=["lazy_until", "closed_by", "close_reason"])
    _close(proposal, round_, actor=actor)
    return round_


def _closes_lazily_at_its_end(proposal: Proposal) -> bool:
    return (
        proposal.mode == Proposal.Mode.ASYNC
        and proposal.step_overdue
        and settings_for(proposal.circle).absentee_policy == CircleDecisionSettings.Absentees.LAZY
    )


def _close(proposal: Proposal, round_: ConsentRound, *, actor: User | None) -> None:
    """Close the round: `actor` is the person who closed it by hand, None when it closed by
    itself (its last answer, or the last person it waited for leaving the circle). What follows,
    a decision or an exit, is the circle's act by consent: nobody's in the ledger."""
    _sync_roster(round_, proposal)
    objections = list(round_.responses.current().filter(answer=ConsentResponse.Answer.OBJECTION))
    round_.closed_at = timezone.now()
    members_now = set(current_member_ids(proposal.circle))
    on_roster = set(round_.roster.values_list("user_id", flat=True))
    round_.joined_after_opening = sorted(members_now - on_roster)
    round_.outcome = ConsentRound.Outcome.OBJECTED if objections else ConsentRound.Outcome.CONSENTED
    if not objections and not quorum_of(round_).met:
        # The guard where consent is recorded: close_round says so with the numbers first.
        raise ServiceError(quorum_of(round_).message(), status=409)
    round_.save(update_fields=["closed_at", "outcome", "joined_after_opening"])
    _append(
        proposal, actor, "consent.round_closed",
        {"round": round_.pk, "version": round_.version_number, "subject": round_.subject,
         "outcome": round_.outcome, "objections": [o.pk for o in objections],
         **_participation(round_), "by_hand": actor is not None,
         "lazy_until": round_.lazy_until.isoformat() if round_.lazy_until else None},
        obj=round_, notify=sorted(members_now),
    )  # fmt: skip
    if objections:
        proposal.state = (
            State.OBJECTIONS if round_.subject == ConsentRound.Subject.PROPOSAL else State.SYNTHESIS
        )
        proposal.save(update_fields=["state", *set_step_end(proposal, None)])
        return
    if round_.subject == ConsentRound.Subject.PROPOSAL:
        _decide(proposal, round_)
    else:
        _exit(proposal, round_)


def _decide(proposal: Proposal, round_: ConsentRound) -> Decision:
    """The circle's decision by consent: its events have no actor (nobody decides alone)."""
    actor = None
    version = proposal.current_version
    _check_decidable(proposal, round_, version)
    now = timezone.now()
    _integrate_earlier_objections(proposal, version, now)
    action = proposal.target_action
    target = None
    if proposal.amends_id is not None:
        target = Policy.objects.select_for_update().get(pk=proposal.amends_id)
        # Another proposal may have replaced or retired it since this round opened.
        _require_in_force(target, status=409)
    policy = None
    if action == Action.AMEND and proposal.is_policy:
        policy = target
    elif action != Action.RETIRE and proposal.is_policy:
        # A new policy, or the successor of the one it replaces.
        policy = Policy(circle=proposal.circle, title=version.title)
    if policy is not None:
        policy.title = version.title
        policy.review_on = version.review_on
        policy.save()
    decision = Decision.objects.create(
        proposal=proposal, circle=proposal.circle, version=version, consent_round=round_,
        policy=policy, decided_at=now, review_on=version.review_on,
        rationale=version.driver, record={},
    )  # fmt: skip
    if policy is not None:
        policy.current_decision = decision
        policy.save(update_fields=["current_decision"])
    ended = target if action in (Action.REPLACE, Action.RETIRE) else None
    if target is not None and ended is not None:
        if action == Action.REPLACE:
            target.superseded_by = policy
        else:
            target.retired_at = now
        target.ended_by = decision
        target.save(update_fields=["superseded_by", "retired_at", "ended_by"])
    record = build_record(proposal, decision)
    event = _append(
        proposal, actor, "proposal.decided",
        {"decision": decision.pk, "policy": policy.pk if policy else None,
         "policy_action": action or None, "target": target.pk if target else None,
         "target_title": target.title if target else None, "record": record},
        obj=decision, notify=current_member_ids(proposal.circle),
    )  # fmt: skip
    if ended is not None:
        # The policy's own event: what ended it, and what took its place.
        _append(
            proposal, actor, "policy.superseded" if action == Action.REPLACE else "policy.retired",
            {"policy": ended.pk, "title": ended.title, "action": action, "decision": decision.pk,
             "superseded_by": policy.pk if policy else None,
             "new_title": policy.title if policy else None},
            obj=ended,
        )  # fmt: skip
    _apply_consented_settings(proposal, decision, actor)
    extend_mandate(proposal, decision)
    decision.record = record
    decision.ledger_hash = event.hash
    decision.ledger_sequence = event.sequence
    decision.save(update_fields=["record", "ledger_hash", "ledger_sequence"])
    proposal.state = State.DECIDED
    proposal.closed_at = now
    proposal.save(update_fields=["state", "closed_at", *set_step_end(proposal, None)])
    _close_items(proposal, actor)
    # A new version of a policy settles any review item that was waiting on it; so does
    # replacing or retiring it.
    for settled in (policy, ended):
        if settled is not None:
            for item in BacklogItem.objects.open().filter(policy=settled):
                close_item(item, actor, BacklogItem.Status.DONE)
    return decision


def _check_decidable(proposal: Proposal, round_: ConsentRound, version: ProposalVersion) -> None:
    """The guards, checked once more where the decision is made."""
    if round_.version_number != version.number:
        raise ServiceError(_("The round was on an earlier version."), status=409)
    if proposal.objections.filter(
        status=Objection.Status.OPEN, version_number=version.number
    ).exists():
        raise ServiceError(_("An objection to this version stands."), status=409)
    if waiting_for(round_) and not round_.lazy:
        raise ServiceError(_("Not everyone has answered."), status=409)
    quorum = quorum_of(round_)
    if not quorum.met:
        raise ServiceError(quorum.message(), status=409)


def _integrate_earlier_objections(
    proposal: Proposal, version: ProposalVersion, now: dt.datetime
) -> None:
    """Objections to earlier versions: the objector has now consented, so they were integrated."""
    for objection in proposal.objections.filter(status=Objection.Status.OPEN):
        objection.status = Objection.Status.INTEGRATED
        objection.resolved_at = now
        if objection.integrated_in_version is None:
            objection.integrated_in_version = version.number
        objection.save(update_fields=["status", "resolved_at", "integrated_in_version"])


def _exit(proposal: Proposal, round_: ConsentRound) -> None:
    """The circle's consent to postpone, drop, hand over or escalate: nobody's act alone."""
    actor = None
    target = {
        ConsentRound.Subject.POSTPONE: State.POSTPONED,
        ConsentRound.Subject.DROP: State.DROPPED,
        ConsentRound.Subject.HAND_OVER: State.HANDED_OVER,
        ConsentRound.Subject.ESCALATE: State.ESCALATED,
    }[ConsentRound.Subject(round_.subject)]
    proposal.state = target
    proposal.closed_at = timezone.now()
    step_fields = set_step_end(proposal, None)
    receiving: Circle | None = None
    if target == State.HANDED_OVER:
        receiving = round_.handed_to
        proposal.handed_to = receiving
    elif target == State.ESCALATED:
        receiving = proposal.circle.parent
        proposal.handed_to = receiving
    proposal.save(update_fields=["state", "closed_at", "handed_to", *step_fields])
    if target != State.POSTPONED:
        _close_items(proposal, actor)
    version = proposal.current_version
    if receiving is not None:
        item = BacklogItem.objects.create(
            circle=receiving, topic=version.title, description=version.driver,
            source=BacklogItem.Source.OTHER_CIRCLE, raised_by=round_.opened_by,
            raised_from=proposal.circle,
            proposal=proposal, desired_outcome=BacklogItem.Outcome.DECIDE,
        )  # fmt: skip
        ledger.append(
            organisation=receiving.organisation, actor=actor, verb="backlog.item_added", obj=item,
            circle=receiving,
            payload={"item": item.pk, "topic": item.topic, "source": item.source,
                     "from_circle": proposal.circle.pk, "proposal": proposal.pk},
            notify=current_member_ids(receiving),
        )  # fmt: skip
    _append(proposal, actor, "proposal.exited", {"state": target,
            "handed_to": receiving.pk if receiving else None,
            "handed_to_name": _public_name(receiving)})  # fmt: skip


def _reopen_after_lazy_objection(
    proposal: Proposal, round_: ConsentRound, objection: Objection, user: User
) -> None:
    decision = Decision.objects.filter(proposal=proposal).first()
    now = timezone.now()
    if decision is not None and decision.reopened_at is None:
        decision.reopened_at = now
        decision.save(update_fields=["reopened_at"])
        policy = decision.policy
        if policy is not None and policy.current_decision_id == decision.pk:
            previous = (
                policy.decisions.exclude(pk=decision.pk).filter(reopened_at__isnull=True).first()
            )
            if previous is None:
                policy.retired_at = now
            else:
                policy.current_decision = previous
                policy.review_on = previous.review_on
                policy.title = previous.version.title
            policy.save()
    restored = []
    if decision is not None:
        # A policy this decision replaced or retired is in force again.
        for ended in Policy.objects.select_for_update().filter(ended_by=decision):
            ended.superseded_by = None
            ended.retired_at = None
            ended.ended_by = None
            ended.save(update_fields=["superseded_by", "retired_at", "ended_by"])
            restored.append(ended.pk)
    proposal.state = State.OBJECTIONS
    proposal.closed_at = None
    proposal.save(update_fields=["state", "closed_at"])
    item = BacklogItem.objects.create(
        circle=proposal.circle, topic=proposal.current_version.title,
        description=objection.reason, source=BacklogItem.Source.LAZY_OBJECTION,
        raised_by=user, proposal=proposal, desired_outcome=BacklogItem.Outcome.DECIDE,
    )  # fmt: skip
    _append(
        proposal, user, "proposal.reopened",
        {"decision": decision.pk if decision else None, "objection": objection.pk,
         "item": item.pk, "restored_policies": restored},
        notify=current_member_ids(proposal.circle),
    )  # fmt: skip
