"""The consent process. Every step is a function here, shared by the pages, the API and (later)
the live meeting room, so the three cannot drift apart. Every step appends to the ledger.

The guards that matter most are checked here, under a lock on the proposal row:
- a proposal is never decided while an objection on its current version stands;
- never while a required member of the round has not answered (unless the circle uses lazy
  consent for absentees, and then absentees may still object afterwards);
- one answer per member per round, and a round is on one version: answers to an old version
  never count;
- the roster is fixed when the round opens; later changes are recorded, not silently applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, CircleMembership, Role, RoleAssignment
from circlewise.circles.services import add_months
from circlewise.core import ledger
from circlewise.core.errors import ServiceError
from circlewise.core.export import read_events
from circlewise.core.models import LedgerEvent
from circlewise.core.prepared import Prepared, PreparedRows, insert_row, update_row

from .models import (
    QUORUM_RANGE,
    BacklogItem,
    CircleDecisionSettings,
    ConsentResponse,
    ConsentRound,
    Contribution,
    Decision,
    Measure,
    Objection,
    ObjectionMessage,
    Policy,
    Proposal,
    ProposalVersion,
    RosterEntry,
    quorum_needed,
)

State = Proposal.State
REMINDER_INTERVAL = dt.timedelta(days=7)
REVIEW_NOTICE_DAYS = 30
TERM_NOTICE_DAYS = 30


# Helpers -----------------------------------------------------------------------------------


def settings_for(circle: Circle) -> CircleDecisionSettings:
    found = CircleDecisionSettings.objects.filter(circle=circle).first()
    return found or CircleDecisionSettings(circle=circle)


def current_member_ids(circle: Circle) -> list[int]:
    return list(
        CircleMembership.objects.current().filter(circle=circle).values_list("user_id", flat=True)
    )


def _is_member(circle: Circle, user: User) -> bool:
    """Whether the person is a current member of the circle, read afresh."""
    return circle_permissions.is_current_member(circle.pk, user.pk)


def role_holder_ids(circle: Circle, *kinds: str) -> list[int]:
    return list(
        RoleAssignment.objects.current()
        .filter(role__circle=circle, role__kind__in=kinds)
        .values_list("holder_id", flat=True)
    )


def _lock(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update()
        .select_related("circle__organisation", "author")
        .get(pk=proposal.pk)
    )


def _append(
    proposal: Proposal,
    actor: User | None,
    verb: str,
    payload: dict[str, Any],
    *,
    obj: Any = None,
    notify: Iterable[int] = (),
    circle: Circle | None = None,
    occurred_at: dt.datetime | None = None,
) -> LedgerEvent:
    data = {"proposal": proposal.pk, **payload}
    if verb not in PRIVATE_VERBS:
        # Every sentence about a proposal names it, as it was titled when this happened.
        data.setdefault("proposal_title", proposal.current_version.title)
    return ledger.append(
        organisation=proposal.circle.organisation,
        actor=actor,
        verb=verb,
        obj=obj if obj is not None else proposal,
        circle=circle if circle is not None else proposal.circle,
        payload=data,
        notify=notify,
        occurred_at=occurred_at,
    )


# A draft's events carry no text: the draft is private to its author.
PRIVATE_VERBS = frozenset({"proposal.drafted", "proposal.draft_updated"})


def _version_payload(version: ProposalVersion) -> dict[str, Any]:
    return {
        "version": version.number,
        "title": version.title,
        "driver": version.driver,
        "text": version.text,
        "aim": version.aim,
        "review_on": version.review_on.isoformat() if version.review_on else None,
        "measures": version.measures,
        "feedback_channel": version.feedback_channel,
        "change_note": version.change_note,
        "measure_set": [
            {"metric": m.metric, "threshold": m.threshold, "owner": m.owner_id,
             "objection": m.objection_id}
            for m in version.measure_set.order_by("pk")
        ],
    }  # fmt: skip


def _require_member(circle: Circle, user: User, message: str | None = None) -> None:
    if not _is_member(circle, user):
        raise ServiceError(
            message
            or _("Only members of %(circle)s take part in its decisions.")
            % {"circle": circle.name},
            status=403,
        )


def _require_state(proposal: Proposal, *states: str) -> None:
    if proposal.state not in states:
        raise ServiceError(
            _("This proposal is at the step “%(state)s”, so that cannot be done now.")
            % {"state": proposal.get_state_display()},
            status=409,
        )


def _clean(text: str) -> str:
    return (text or "").strip()


def can_steer(circle: Circle, user: User) -> bool:
    """Facilitator or leader of the circle: they step the process along."""
    return user.pk in role_holder_ids(circle, Role.Kind.FACILITATOR, Role.Kind.LEADER)


def can_synthesise(proposal: Proposal, user: User) -> bool:
    if can_steer(proposal.circle, user):
        return True
    mode = settings_for(proposal.circle).synthesis_by
    return mode == CircleDecisionSettings.Synthesis.AUTHOR and proposal.author_id == user.pk


def _require_steer(proposal: Proposal, user: User) -> None:
    if not can_steer(proposal.circle, user):
        raise ServiceError(
            _("Only the circle's facilitator or leader can move the process along."), status=403
        )


# Settings ----------------------------------------------------------------------------------


@transaction.atomic
def update_settings(*, circle: Circle, actor: User, **fields: Any) -> CircleDecisionSettings:
    allowed = {
        "default_review_months", "synthesis_by", "allow_concerns", "absentee_policy",
        "lazy_consent_hours",
    }  # fmt: skip
    current, _created = CircleDecisionSettings.objects.get_or_create(circle=circle)
    changes = {}
    for key, value in fields.items():
        if key in CONSENTED_SETTINGS:
            if getattr(current, key) == value:
                continue
            raise ServiceError(
                _(
                    "The quorum changes only by the circle's consent: propose the new quorum, and "
                    "it takes effect when the circle consents to it."
                ),
                field=key,
                status=403,
            )
        if key not in allowed:
            raise ServiceError(_("Unknown setting: %(field)s") % {"field": key})
        if getattr(current, key) != value:
            changes[key] = value
    if "default_review_months" in changes and not 1 <= int(changes["default_review_months"]) <= 60:
        raise ServiceError(
            _("A review period lasts between 1 and 60 months."), field="default_review_months"
        )
    if "lazy_consent_hours" in changes and not 1 <= int(changes["lazy_consent_hours"]) <= 336:
        raise ServiceError(
            _("Give absentees between 1 hour and 14 days."), field="lazy_consent_hours"
        )
    if (
        "synthesis_by" in changes
        and changes["synthesis_by"] not in CircleDecisionSettings.Synthesis.values
    ):
        raise ServiceError(_("Unknown choice."), field="synthesis_by")
    if (
        "absentee_policy" in changes
        and changes["absentee_policy"] not in CircleDecisionSettings.Absentees.values
    ):
        raise ServiceError(_("Unknown choice."), field="absentee_policy")
    if changes:
        for key, value in changes.items():
            setattr(current, key, value)
        current.save()
        ledger.append(
            organisation=circle.organisation, actor=actor, verb="decisions.settings_changed",
            obj=current, circle=circle,
            payload={"circle_name": circle.name, **{k: changes[k] for k in sorted(changes)}},
        )  # fmt: skip
    return current


# What only a consent decision of the circle changes (a proposal's `quorum_percent`).
CONSENTED_SETTINGS = ("quorum_percent",)


def _check_quorum(value: int | None) -> int | None:
    low, high = QUORUM_RANGE
    if value is not None and not low <= int(value) <= high:
        raise ServiceError(
            _("A quorum is between %(low)d and %(high)d percent of the members asked.")
            % {"low": low, "high": high},
            field="quorum_percent",
        )
    return None if value is None else int(value)


def _apply_consented_settings(proposal: Proposal, decision: Decision, actor: User | None) -> None:
    """The decision changes the circle's quorum: the one way it changes."""
    if proposal.quorum_percent is None:
        return
    current, _created = CircleDecisionSettings.objects.select_for_update().get_or_create(
        circle=proposal.circle
    )
    if current.quorum_percent == proposal.quorum_percent:
        return
    current.quorum_percent = proposal.quorum_percent
    current.save(update_fields=["quorum_percent"])
    _append(
        proposal, actor, "decisions.settings_changed",
        {"circle_name": proposal.circle.name, "quorum_percent": current.quorum_percent,
         "decision": decision.pk},
        obj=current,
    )  # fmt: skip


# Drafting and presenting ---------------------------------------------------------------------


@transaction.atomic
def create_proposal(
    *,
    circle: Circle,
    author: User,
    title: str,
    driver: str,
    text: str,
    aim: str = "",
    review_on: dt.date | None = None,
    measures: str = "",
    feedback_channel: str = "",
    is_policy: bool = True,
    amends: Policy | None = None,
    policy_action: str = "",
    quorum_percent: int | None = None,
    extends_circle: Circle | None = None,
    extends_until: dt.date | None = None,
) -> Proposal:
    """A draft, private to its author until presented. A proposal may target one of its circle's
    policies in force (`amends`) and say what consent does with it (`policy_action`): amend it (a
    new version of the same policy), replace it (a new policy supersedes it) or retire it. It may
    also change the circle's quorum (`quorum_percent`): consent to it is the only way to. And it
    may extend the mandate of one of the circle's helping circles (`extends_circle` until
    `extends_until`): services_mandates."""
    from .services_mandates import check_extension

    if circle.is_archived:
        raise ServiceError(_("An archived circle takes no proposals."), status=409)
    circle_permissions.refuse_if_ended(circle)
    _require_member(
        circle,
        author,
        _(
            "You can propose only in your own circles. To bring something to %(circle)s, raise it "
            "with that circle: it goes to their backlog."
        )
        % {"circle": circle.name},
    )
    title, driver, text = _clean(title), _clean(driver), _clean(text)
    if not title:
        raise ServiceError(_("A proposal needs a title."), field="title")
    if not driver:
        raise ServiceError(
            _("Say what need or tension this proposal answers (its driver)."), field="driver"
        )
    if not text:
        raise ServiceError(_("Write what you propose."), field="text")
    policy_action = _check_target(circle, amends, policy_action)
    quorum_percent = _check_quorum(quorum_percent)
    extends_circle, extends_until = check_extension(circle, extends_circle, extends_until)
    if extends_circle is not None:
        is_policy = False  # a mandate is a decision, not a rule for the register
    if policy_action:
        # Amending or replacing sets a rule; retiring ends one and sets none.
        is_policy = policy_action != Proposal.PolicyAction.RETIRE
    if review_on is None:
        review_on = add_months(timezone.localdate(), settings_for(circle).default_review_months)
    if review_on <= timezone.localdate():
        raise ServiceError(_("The review date must be in the future."), field="review_on")
    proposal = Proposal.objects.create(
        circle=circle, author=author, is_policy=is_policy, amends=amends,
        policy_action=policy_action, quorum_percent=quorum_percent,
        extends_circle=extends_circle, extends_until=extends_until,
    )  # fmt: skip
    ProposalVersion.objects.create(
        proposal=proposal, number=1, title=title, driver=driver, text=text, aim=_clean(aim),
        review_on=review_on, measures=_clean(measures), feedback_channel=_clean(feedback_channel),
        created_by=author,
    )  # fmt: skip
    # A draft is private: its event carries no text, and feeds do not show it.
    _append(proposal, author, "proposal.drafted", {"author": author.pk})
    return proposal


DRAFT_FIELDS = ("title", "driver", "text", "aim", "review_on", "measures", "feedback_channel")
TARGET_FIELDS = ("amends", "policy_action")

Action = Proposal.PolicyAction


def _check_target(circle: Circle, target: Policy | None, action: str) -> str:
    """The policy a proposal targets and what it does with it, checked; returns the action to
    store ("" when there is no target)."""
    action = action or ""
    if action and action not in Action.values:
        raise ServiceError(
            _("Say whether the proposal amends, replaces or retires the policy."),
            field="policy_action",
        )
    if target is None:
        if action == Action.REPLACE:
            raise ServiceError(_("Choose the policy this proposal replaces."), field="amends")
        if action == Action.RETIRE:
            raise ServiceError(_("Choose the policy this proposal retires."), field="amends")
        return ""
    if target.circle_id != circle.pk:
        raise ServiceError(
            _("A proposal can amend, replace or retire only its own circle's policies."),
            field="amends",
        )
    _require_in_force(target, field="amends")
    return action or Action.AMEND


def _require_in_force(policy: Policy, *, field: str | None = None, status: int = 400) -> None:
    if policy.superseded_by_id is not None:
        raise ServiceError(
            _("“%(title)s” has already been replaced by another policy: it is no longer in force.")
            % {"title": policy.title},
            field=field,
            status=status,
        )
    if policy.retired_at is not None:
        raise ServiceError(
            _("“%(title)s” has been retired: it is no longer in force.") % {"title": policy.title},
            field=field,
            status=status,
        )


@transaction.atomic
def update_draft(*, proposal: Proposal, actor: User, **fields: Any) -> Proposal:
    proposal = _lock(proposal)
    if proposal.author_id != actor.pk:
        raise ServiceError(_("Only the author edits a draft."), status=403)
    _require_state(proposal, State.DRAFT)
    version = proposal.current_version
    target_changes = {k: fields.pop(k) for k in TARGET_FIELDS if k in fields}
    settings_changes = {k: fields.pop(k) for k in CONSENTED_SETTINGS if k in fields}
    if "quorum_percent" in settings_changes:
        proposal.quorum_percent = _check_quorum(settings_changes["quorum_percent"])
        proposal.save(update_fields=["quorum_percent"])
    for key, value in fields.items():
        if key not in DRAFT_FIELDS:
            raise ServiceError(_("Unknown field: %(field)s") % {"field": key})
        setattr(version, key, _clean(value) if isinstance(value, str) else value)
    if target_changes:
        target = target_changes.get("amends", proposal.amends)
        action = target_changes.get("policy_action", proposal.policy_action)
        if "amends" in target_changes and target is None and "policy_action" not in target_changes:
            action = ""  # no target left, so nothing to do with one
        retired_before = proposal.target_action == Action.RETIRE
        proposal.policy_action = _check_target(proposal.circle, target, action)
        proposal.amends = target
        if proposal.policy_action:
            proposal.is_policy = proposal.policy_action != Action.RETIRE
        elif retired_before:
            proposal.is_policy = True  # no longer a retirement: a proposal that sets a rule
        proposal.save(update_fields=["amends", "policy_action", "is_policy"])
    fields = {**fields, **target_changes, **settings_changes}
    for key, message in (
        ("title", _("A proposal needs a title.")),
        ("driver", _("Say what need or tension this proposal answers (its driver).")),
        ("text", _("Write what you propose.")),
    ):
        if not getattr(version, key):
            raise ServiceError(message, field=key)
    version.save()
    _append(proposal, actor, "proposal.draft_updated", {"fields": sorted(fields)})
    return proposal


@transaction.atomic
def present(
    *,
    proposal: Proposal,
    actor: User,
    mode: str = Proposal.Mode.ASYNC,
    clarifying_until: dt.datetime | None = None,
) -> Proposal:
    proposal = _lock(proposal)
    if proposal.author_id != actor.pk:
        raise ServiceError(_("Only the author presents their proposal."), status=403)
    _require_state(proposal, State.DRAFT)
    circle_permissions.refuse_if_ended(proposal.circle)
    _require_member(proposal.circle, actor)
    if mode not in Proposal.Mode.values:
        raise ServiceError(_("Unknown mode."), field="mode")
    if clarifying_until is not None and clarifying_until <= timezone.now():
        raise ServiceError(_("The window must end in the future."), field="clarifying_until")
    if proposal.amends is not None:
        _require_in_force(proposal.amends, status=409)
    proposal.state = State.CLARIFYING
    proposal.mode = mode
    proposal.presented_at = timezone.now()
    proposal.step_ends_at = clarifying_until
    proposal.save(update_fields=["state", "mode", "presented_at", "step_ends_at"])
    version = proposal.current_version
    BacklogItem.objects.create(
        circle=proposal.circle, topic=version.title, source=BacklogItem.Source.PROPOSAL,
        proposal=proposal, owner=proposal.author, raised_by=actor,
        desired_outcome=BacklogItem.Outcome.DECIDE,
    )  # fmt: skip
    _append(
        proposal, actor, "proposal.presented",
        {"mode": mode, "author": proposal.author_id, "author_name": proposal.author.name,
         "is_policy": proposal.is_policy, "amends": proposal.amends_id,
         "policy_action": proposal.target_action or None,
         "quorum_percent": proposal.quorum_percent,
         "step_ends_at": clarifying_until.isoformat() if clarifying_until else None,
         **_version_payload(version)},
        notify=current_member_ids(proposal.circle),
    )  # fmt: skip
    return proposal


# Clarifying and reacting ---------------------------------------------------------------------


@transaction.atomic
def ask_question(
    *, proposal: Proposal, member: User, text: str = "", passed: bool = False
) -> Contribution:
    proposal = _lock(proposal)
    _require_state(proposal, State.CLARIFYING)
    _require_member(proposal.circle, member)
    text = _clean(text)
    if not passed and not text:
        raise ServiceError(_("Write your question, or pass."), field="text")
    question = Contribution.objects.create(
        proposal=proposal, version_number=proposal.version_number,
        kind=Contribution.Kind.QUESTION, author=member, text="" if passed else text, passed=passed,
    )  # fmt: skip
    _append(
        proposal, member, "proposal.question_asked",
        {"contribution": question.pk, "text": question.text, "passed": passed,
         "user_name": member.name},
        obj=question, notify=[] if passed else [proposal.author_id],
    )  # fmt: skip
    return question


@transaction.atomic
def answer_question(*, question: Contribution, actor: User, text: str) -> Contribution:
    proposal = _lock(question.proposal)
    _require_state(proposal, State.CLARIFYING, State.REACTING)
    if question.kind != Contribution.Kind.QUESTION or question.passed:
        raise ServiceError(_("Only a question can be answered."))
    if actor.pk != proposal.author_id and not can_steer(proposal.circle, actor):
        raise ServiceError(_("The author answers clarifying questions."), status=403)
    text = _clean(text)
    if not text:
        raise ServiceError(_("Write your answer."), field="text")
    answer = Contribution.objects.create(
        proposal=proposal, version_number=proposal.version_number, kind=Contribution.Kind.ANSWER,
        author=actor, text=text, reply_to=question,
    )  # fmt: skip
    _append(
        proposal, actor, "proposal.question_answered",
        {"contribution": answer.pk, "question": question.pk, "text": text},
        obj=answer, notify=[question.author_id],
    )  # fmt: skip
    return answer


@transaction.atomic
def react(
    *, proposal: Proposal, member: User, text: str = "", passed: bool = False
) -> Contribution:
    """A quick reaction. Passing is allowed, though discouraged: it is shown as a pass."""
    proposal = _lock(proposal)
    _require_state(proposal, State.REACTING)
    _require_member(proposal.circle, member)
    text = _clean(text)
    if not passed and not text:
        raise ServiceError(_("Write your reaction, or pass."), field="text")
    if Contribution.objects.filter(
        proposal=proposal, version_number=proposal.version_number,
        kind=Contribution.Kind.REACTION, author=member,
    ).exists():  # fmt: skip
        raise ServiceError(_("You have already reacted to this version."), status=409)
    reaction = Contribution.objects.create(
        proposal=proposal, version_number=proposal.version_number,
        kind=Contribution.Kind.REACTION, author=member, text="" if passed else text, passed=passed,
    )  # fmt: skip
    _append(
        proposal, member, "proposal.reacted",
        {"contribution": reaction.pk, "text": reaction.text, "passed": passed,
         "user_name": member.name},
        obj=reaction,
    )  # fmt: skip
    return reaction


@transaction.atomic
def suggest_amendment(*, proposal: Proposal, member: User, text: str) -> Contribution:
    proposal = _lock(proposal)
    _require_state(proposal, State.REACTING, State.SYNTHESIS)
    _require_member(proposal.circle, member)
    text = _clean(text)
    if not text:
        raise ServiceError(_("Describe the amendment you suggest."), field="text")
    amendment = Contribution.objects.create(
        proposal=proposal, version_number=proposal.version_number,
        kind=Contribution.Kind.AMENDMENT, author=member, text=text,
        amendment_status=Contribution.AmendmentStatus.OPEN,
    )  # fmt: skip
    _append(
        proposal, member, "proposal.amendment_suggested",
        {"contribution": amendment.pk, "text": text, "user_name": member.name},
        obj=amendment, notify=[proposal.author_id],
    )  # fmt: skip
    return amendment


@transaction.atomic
def resolve_amendment(*, amendment: Contribution, actor: User, accept: bool) -> Contribution:
    proposal = _lock(amendment.proposal)
    if not can_synthesise(proposal, actor):
        raise ServiceError(_("Only the person who synthesises can take up amendments."), status=403)
    if amendment.kind != Contribution.Kind.AMENDMENT:
        raise ServiceError(_("Only a suggested amendment can be accepted or declined."))
    if amendment.amendment_status != Contribution.AmendmentStatus.OPEN:
        raise ServiceError(_("This amendment has already been considered."), status=409)
    amendment.amendment_status = (
        Contribution.AmendmentStatus.ACCEPTED if accept else Contribution.AmendmentStatus.DECLINED
    )
    amendment.save(update_fields=["amendment_status"])
    _append(
        proposal, actor, "proposal.amendment_resolved",
        {"contribution": amendment.pk, "accepted": accept},
        obj=amendment, notify=[amendment.author_id],
    )  # fmt: skip
    return amendment


NEXT_STEP = {State.CLARIFYING: State.REACTING, State.REACTING: State.SYNTHESIS}


@transaction.atomic
def advance(*, proposal: Proposal, actor: User, until: dt.datetime | None = None) -> Proposal:
    """Move from clarifying to reactions, or from reactions to synthesis."""
    proposal = _lock(proposal)
    _require_state(proposal, State.CLARIFYING, State.REACTING)
    _require_steer(proposal, actor)
    if until is not None and until <= timezone.now():
        raise ServiceError(_("The window must end in the future."), field="until")
    before = proposal.state
    proposal.state = NEXT_STEP[State(proposal.state)]
    proposal.step_ends_at = until
    proposal.save(update_fields=["state", "step_ends_at"])
    _append(
        proposal, actor, "proposal.step_changed",
        {"from": before, "to": proposal.state,
         "step_ends_at": until.isoformat() if until else None},
        notify=current_member_ids(proposal.circle),
    )  # fmt: skip
    return proposal


# New versions ------------------------------------------------------------------------------


@transaction.atomic
def revise(
    *,
    proposal: Proposal,
    actor: User,
    change_note: str,
    measures_to_add: Sequence[tuple[str, str, User]] = (),
    integrations: dict[int, str] | None = None,
    **fields: Any,
) -> ProposalVersion:
    """A substantive change: a new version. Answers to the old version no longer count.

    `integrations` maps objection ids to how this version integrates them; `measures_to_add`
    adds (metric, threshold, owner) measures, e.g. to measure an objector's concern.
    """
    proposal = _lock(proposal)
    _require_state(proposal, State.REACTING, State.SYNTHESIS, State.CONSENT, State.OBJECTIONS)
    if not can_synthesise(proposal, actor):
        raise ServiceError(_("Only the person who synthesises can make a new version."), status=403)
    change_note = _clean(change_note)
    if not change_note:
        raise ServiceError(_("Say what changed in this version."), field="change_note")
    old = proposal.current_version
    new = ProposalVersion(
        proposal=proposal, number=old.number + 1, title=old.title, driver=old.driver,
        text=old.text, aim=old.aim, review_on=old.review_on, measures=old.measures,
        feedback_channel=old.feedback_channel, change_note=change_note, created_by=actor,
    )  # fmt: skip
    for key, value in fields.items():
        if key not in DRAFT_FIELDS:
            raise ServiceError(_("Unknown field: %(field)s") % {"field": key})
        setattr(new, key, _clean(value) if isinstance(value, str) else value)
    if not new.title or not new.text or not new.driver:
        raise ServiceError(_("A version keeps its title, driver and text."))
    if new.review_on is not None and new.review_on <= timezone.localdate():
        raise ServiceError(_("The review date must be in the future."), field="review_on")
    objections = {o.pk: o for o in proposal.objections.filter(status=Objection.Status.OPEN)}
    for objection_id in integrations or {}:
        if objection_id not in objections:
            raise ServiceError(
                _("That objection is not open on this proposal."), field="integrations"
            )
    circle_members = set(current_member_ids(proposal.circle))
    for _metric, _threshold, owner in measures_to_add:
        if owner.pk not in circle_members:
            raise ServiceError(
                _("A measure's owner must be a member of the circle."), field="measures"
            )
        if not _clean(_metric) or not _clean(_threshold):
            raise ServiceError(_("A measure needs a metric and a threshold."), field="measures")
    new.save()
    carried = Measure.objects.filter(version=old)
    for m in carried:
        Measure.objects.create(version=new, metric=m.metric, threshold=m.threshold, owner=m.owner,
                               objection=m.objection)  # fmt: skip
    integrations = integrations or {}
    for metric, threshold, owner in measures_to_add:
        linked = next(iter(integrations), None)
        Measure.objects.create(version=new, metric=_clean(metric), threshold=_clean(threshold),
                               owner=owner, objection_id=linked)  # fmt: skip
    for objection_id, note in integrations.items():
        objection = objections[objection_id]
        objection.integration = _clean(note)
        objection.integrated_in_version = new.number
        objection.save(update_fields=["integration", "integrated_in_version"])
    open_round = proposal.rounds.filter(outcome=ConsentRound.Outcome.OPEN).first()
    if open_round is not None:
        open_round.outcome = ConsentRound.Outcome.SUPERSEDED
        open_round.closed_at = timezone.now()
        open_round.save(update_fields=["outcome", "closed_at"])
    proposal.version_number = new.number
    if proposal.state in (State.REACTING, State.CONSENT):
        proposal.state = State.SYNTHESIS
    proposal.save(update_fields=["version_number", "state"])
    _append(
        proposal, actor, "proposal.revised",
        {**_version_payload(new),
         "superseded_round": open_round.pk if open_round else None,
         "integrations": {str(k): _clean(v) for k, v in integrations.items()}},
        obj=new, notify=current_member_ids(proposal.circle),
    )  # fmt: skip
    return new


# Consent rounds ----------------------------------------------------------------------------


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
    _require_steer(proposal, actor)
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
    if closes_at is not None and closes_at <= timezone.now():
        raise ServiceError(_("The window must end in the future."), field="closes_at")
    if proposal.rounds.filter(outcome=ConsentRound.Outcome.OPEN).exists():
        raise ServiceError(_("A consent round is already open on this proposal."), status=409)
    members = current_member_ids(proposal.circle)
    if not members:
        raise ServiceError(_("The circle has no members to ask."), status=409)
    circle_settings = settings_for(proposal.circle)
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
    proposal.step_ends_at = closes_at
    proposal.save(update_fields=["state", "step_ends_at"])
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


def _public_name(circle: Circle | None) -> str | None:
    """A circle's name for the feed of another circle: a private one is not named there."""
    return circle.name if circle is not None and not circle.is_private else None


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


def _unanswered(round_: ConsentRound, circle_id: int | None = None) -> Any:
    """Required members who are still in the circle and have not answered. Someone who left the
    circle is not waited for, even before `_sync_roster` has recorded that they left."""
    if circle_id is None:
        circle_id = round_.proposal.circle_id
    answered = ConsentResponse.objects.filter(round_id=round_.pk, user_id=OuterRef("user_id"))
    still_member = CircleMembership.objects.current().filter(
        circle_id=circle_id, user_id=OuterRef("user_id")
    )
    # `answered_at` (set with each answer) lets the partial index "roster_waiting" skip those who
    # have answered; the answers themselves stay the reference.
    return round_.roster.filter(
        required=True, left_circle_at__isnull=True, answered_at__isnull=True
    ).filter(~Exists(answered), Exists(still_member))


# Asked after every answer, under the lock: compiled once (the samples are ids no row has).
_anyone_unanswered = PreparedRows(
    lambda round_id, circle_id: _unanswered(ConsentRound(pk=round_id), circle_id).values_list("pk")[
        :1
    ],
    -7_100_001,
    -7_100_002,
)


@dataclass(frozen=True)
class Quorum:
    """How many of those asked in a round have answered, and how many must before it can close
    with consent. Those asked are the roster fixed at opening, less anyone who left the circle
    without answering (an answer given before leaving stands, like its objection)."""

    percent: int
    asked: int
    answered: int
    needed: int

    @property
    def met(self) -> bool:
        return self.answered >= self.needed

    @property
    def short(self) -> int:
        """How many more answers the round needs to reach its quorum."""
        return max(0, self.needed - self.answered)

    def as_payload(self) -> dict[str, int]:
        return {"percent": self.percent, "asked": self.asked, "answered": self.answered,
                "needed": self.needed}  # fmt: skip

    def message(self) -> str:
        """Why a round below its quorum cannot close, with the numbers."""
        return (
            ngettext(
                "Below the quorum: %(answered)d of the %(asked)d members asked has answered, and at "
                "least %(needed)d must answer before this round can close (the circle's quorum is "
                "%(percent)d%% of those asked).",
                "Below the quorum: %(answered)d of the %(asked)d members asked have answered, and at "
                "least %(needed)d must answer before this round can close (the circle's quorum is "
                "%(percent)d%% of those asked).",
                self.answered,
            )
            % self.as_payload()
        )


def count_quorum(
    percent: int,
    roster: Iterable[tuple[int, dt.datetime | None]],
    answered: Collection[int],
    members: Collection[int] | None = None,
) -> Quorum:
    """The quorum of a round from its roster (user id, when they left the circle), who answered
    in it, and, while it is open, who is still in the circle (someone who left is not asked any
    more, even before the round has recorded it)."""
    asked = 0
    answers = 0
    for user_id, left_at in roster:
        if user_id in answered:
            asked += 1
            answers += 1
        elif left_at is None and (members is None or user_id in members):
            asked += 1
    return Quorum(percent, asked, answers, quorum_needed(asked, percent))


def quorum_of(round_: ConsentRound) -> Quorum:
    """The round's quorum from the database. Answers given after a lazy consent closed do not
    count: the quorum is about the round as it closed."""
    answered = set(
        round_.responses.filter(after_round_closed=False).values_list("user_id", flat=True)
    )
    members = None
    if round_.is_open:
        members = set(current_member_ids(Circle(pk=round_.proposal.circle_id)))
    roster = round_.roster.values_list("user_id", "left_circle_at")
    return count_quorum(round_.quorum_percent, roster, answered, members)


def waiting_for(round_: ConsentRound) -> list[int]:
    """Required members who have not answered yet."""
    return list(_unanswered(round_).values_list("user_id", flat=True))


# The answer's own reads, under the proposal's lock: compiled once (circlewise.core.prepared).
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
    late = False
    if not round_.is_open:
        entry = round_.roster.filter(user=user, absent=True).first()
        lazily_consented = (
            entry is not None
            and round_.lazy_until is not None
            and round_.outcome == ConsentRound.Outcome.CONSENTED
        )
        if (
            lazily_consented
            and round_.lazy_until is not None
            and timezone.now() >= round_.lazy_until
        ):
            raise LateAnswerError(round_=round_, answer=answer, reason=reason)
        if not lazily_consented:
            raise ServiceError(
                _("This consent round has closed; your answer was not recorded."), status=409
            )
        late = True
    if round_.version_number != proposal.version_number and not late:
        raise ServiceError(
            _("This round is on an earlier version; answer the current one."), status=409
        )
    entry = _roster_entry.first(round_.pk, user.pk)
    if entry is None:
        raise ServiceError(
            _("You joined the circle after this round opened, so you are not asked in it."),
            status=403,
        )
    if entry.left_circle_at is not None or not _is_member(circle, user):
        raise ServiceError(
            _("You have left the circle, so your answer is no longer asked."), status=403
        )
    # The answer keeps the ledger's time, so that the ledger alone reproduces the record. One
    # answer per member per round: the unique constraint decides (a second answer inserts nothing).
    now = timezone.now()
    response = None
    if entry.answered_at is None:
        response = insert_row(
            ConsentResponse(
                round=round_, user=user, answer=answer, reason=reason,
                after_round_closed=late, created_at=now,
            ),
            unless_conflict=True,
        )  # fmt: skip
    if response is None:
        raise ServiceError(_("You have already answered in this round."), status=409)
    update_row(RosterEntry, entry.pk, answered_at=now)
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
         "objection": objection.pk if objection else None, "late": late},
        obj=response,
        notify=[proposal.author_id, *role_holder_ids(circle, Role.Kind.FACILITATOR)]
        if objection else [],
        occurred_at=now,
    )  # fmt: skip
    if late:
        if objection is not None:
            _reopen_after_lazy_objection(proposal, round_, objection, user)
        return response
    if not _anyone_unanswered.rows(round_.pk, circle.pk):
        # The last answer closes the round; the answerer does not: the circle's round closes.
        _close(proposal, round_, actor=None)
    return response


@transaction.atomic
def close_round(*, round_: ConsentRound, actor: User, reason: str = "") -> ConsentRound:
    """Close a round by hand. With answers missing this is refused, unless the circle uses lazy
    consent in a live meeting: then the facilitator closes it early, saying why (on the record),
    provided the round has reached its quorum; absentees are recorded and may object afterwards."""
    proposal = _lock(round_.proposal)
    round_ = ConsentRound.objects.select_for_update().get(pk=round_.pk)
    round_.proposal = proposal
    _require_steer(proposal, actor)
    if not round_.is_open:
        raise ServiceError(_("This consent round has already closed."), status=409)
    _sync_roster(round_, proposal)
    missing = waiting_for(round_)
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


def _participation(round_: ConsentRound) -> dict[str, Any]:
    """Who took part in a closed round, beyond the answers: those absent under lazy consent,
    those who left the circle during it (and when), those who joined after it opened (not
    asked), the quorum, and who closed it early and why. The same in the round's closing event
    and in the decision record."""
    left = [
        {"user": entry.user_id, "at": entry.left_circle_at.isoformat()}
        for entry in round_.roster.filter(left_circle_at__isnull=False).order_by("user_id")
        if entry.left_circle_at is not None
    ]
    closed_early = None
    if round_.closed_by_id is not None:
        closed_early = {"by": round_.closed_by_id, "reason": round_.close_reason}
    return {
        "absent": sorted(round_.roster.filter(absent=True).values_list("user_id", flat=True)),
        "left": left,
        "joined_after_opening": sorted(round_.joined_after_opening),
        "quorum": quorum_of(round_).as_payload(),
        "closed_early": closed_early,
    }


def _close(proposal: Proposal, round_: ConsentRound, *, actor: User | None) -> None:
    """Close the round: `actor` is the person who closed it by hand, None when it closed by
    itself (its last answer, or the last person it waited for leaving the circle). What follows,
    a decision or an exit, is the circle's act by consent: nobody's in the ledger."""
    _sync_roster(round_, proposal)
    objections = list(round_.responses.filter(answer=ConsentResponse.Answer.OBJECTION))
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
        proposal.step_ends_at = None
        proposal.save(update_fields=["state", "step_ends_at"])
        return
    if round_.subject == ConsentRound.Subject.PROPOSAL:
        _decide(proposal, round_)
    else:
        _exit(proposal, round_)


def _decide(proposal: Proposal, round_: ConsentRound) -> Decision:
    """The circle's decision by consent: its events have no actor (nobody decides alone)."""
    actor = None
    version = proposal.current_version
    # The guards, checked once more where the decision is made.
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
    now = timezone.now()
    # Objections to earlier versions: the objector has now consented, so they were integrated.
    for objection in proposal.objections.filter(status=Objection.Status.OPEN):
        objection.status = Objection.Status.INTEGRATED
        objection.resolved_at = now
        if objection.integrated_in_version is None:
            objection.integrated_in_version = version.number
        objection.save(update_fields=["status", "resolved_at", "integrated_in_version"])
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
    from .services_mandates import extend_mandate

    extend_mandate(proposal, decision)
    decision.record = record
    decision.ledger_hash = event.hash
    decision.ledger_sequence = event.sequence
    decision.save(update_fields=["record", "ledger_hash", "ledger_sequence"])
    proposal.state = State.DECIDED
    proposal.closed_at = now
    proposal.step_ends_at = None
    proposal.save(update_fields=["state", "closed_at", "step_ends_at"])
    _close_items(proposal, actor)
    # A new version of a policy settles any review item that was waiting on it; so does
    # replacing or retiring it.
    for settled in (policy, ended):
        if settled is not None:
            for item in BacklogItem.objects.open().filter(policy=settled):
                close_item(item, actor, BacklogItem.Status.DONE)
    return decision


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
    proposal.step_ends_at = None
    receiving: Circle | None = None
    if target == State.HANDED_OVER:
        receiving = round_.handed_to
        proposal.handed_to = receiving
    elif target == State.ESCALATED:
        receiving = proposal.circle.parent
        proposal.handed_to = receiving
    proposal.save(update_fields=["state", "closed_at", "step_ends_at", "handed_to"])
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


def _close_items(proposal: Proposal, actor: User | None) -> None:
    for item in BacklogItem.objects.open().filter(proposal=proposal, circle=proposal.circle):
        close_item(item, actor, BacklogItem.Status.DONE)


def close_item(
    item: BacklogItem,
    actor: User | None,
    status: str,
    *,
    resolution: str | None = None,
    by_hand: bool = False,
    reason: str = "",
    notify: Iterable[int] = (),
) -> None:
    """Close the item and record it. `by_hand`: a person closed it (done or dropped), not the
    process; only then is it kept as `closed_by`, and only then can it be reopened."""
    item.status = status
    item.closed_at = timezone.now()
    item.closed_by = actor if by_hand else None
    item.close_reason = reason
    item.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
    payload: dict[str, Any] = {"item": item.pk, "topic": item.topic, "status": status}
    if resolution is not None:
        payload["resolution"] = resolution
    if by_hand and actor is not None:
        payload["closed_by"] = actor.pk
    if reason:
        payload["reason"] = reason
    ledger.append(
        organisation=item.circle.organisation, actor=actor, verb="backlog.item_closed", obj=item,
        circle=item.circle, payload=payload, notify=notify, occurred_at=item.closed_at,
    )  # fmt: skip


def term_ended(assignment: RoleAssignment, actor: User, reason: str) -> None:
    """A term ended. When the circle selected again (the same person, "renewed", or someone new,
    "replaced"), the term's "term ending" item is settled and closes. A term ended early leaves
    the role empty, so its item stays for the circle to select someone.
    (Registered with circles.services.TERM_ENDED.)"""
    if reason not in ("renewed", "replaced"):
        return
    items = (
        BacklogItem.objects.select_for_update()
        .open()
        .filter(assignment=assignment, source=BacklogItem.Source.TERM_ENDING)
        .select_related("circle__organisation")
    )
    for item in items:
        close_item(item, actor, BacklogItem.Status.DONE, resolution=reason)


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


# Objection handling ------------------------------------------------------------------------


def _lock_objection(objection: Objection) -> tuple[Proposal, Objection]:
    proposal = _lock(objection.proposal)
    return proposal, Objection.objects.select_for_update().get(pk=objection.pk)


@transaction.atomic
def discuss_objection(*, objection: Objection, author: User, text: str) -> ObjectionMessage:
    proposal, objection = _lock_objection(objection)
    _require_member(proposal.circle, author)
    text = _clean(text)
    if not text:
        raise ServiceError(_("Write something."), field="text")
    message = ObjectionMessage.objects.create(objection=objection, author=author, text=text)
    _append(
        proposal, author, "objection.discussed",
        {"objection": objection.pk, "message": message.pk, "text": text},
        obj=message, notify=[objection.objector_id],
    )  # fmt: skip
    return message


@transaction.atomic
def state_back(*, objection: Objection, actor: User, text: str) -> Objection:
    """Someone says the objection back in their own words; the objector then confirms."""
    proposal, objection = _lock_objection(objection)
    _require_member(proposal.circle, actor)
    if objection.status != Objection.Status.OPEN:
        raise ServiceError(_("This objection is no longer open."), status=409)
    if actor.pk == objection.objector_id:
        raise ServiceError(_("Someone else states your objection back to you."), status=403)
    text = _clean(text)
    if not text:
        raise ServiceError(_("Say the objection back in your own words."), field="text")
    objection.stated_back = text
    objection.stated_back_by = actor
    objection.stated_back_at = timezone.now()
    objection.confirmed_at = None
    objection.save(
        update_fields=["stated_back", "stated_back_by", "stated_back_at", "confirmed_at"]
    )
    _append(
        proposal, actor, "objection.stated_back",
        {"objection": objection.pk, "text": text},
        obj=objection, notify=[objection.objector_id],
    )  # fmt: skip
    return objection


@transaction.atomic
def confirm_heard(*, objection: Objection, objector: User) -> Objection:
    """The objector: “yes, that is my objection”. Being heard is recorded."""
    proposal, objection = _lock_objection(objection)
    if objector.pk != objection.objector_id:
        raise ServiceError(_("Only the objector confirms they were understood."), status=403)
    if not objection.stated_back:
        raise ServiceError(_("Nobody has stated the objection back yet."), status=409)
    if objection.confirmed_at is not None:
        raise ServiceError(_("You have already confirmed this."), status=409)
    objection.confirmed_at = timezone.now()
    objection.save(update_fields=["confirmed_at"])
    _append(
        proposal, objector, "objection.confirmed",
        {"objection": objection.pk, "stated_back": objection.stated_back},
        obj=objection,
        notify=[objection.stated_back_by_id] if objection.stated_back_by_id else [],
    )  # fmt: skip
    return objection


@transaction.atomic
def withdraw_objection(*, objection: Objection, actor: User) -> Objection:
    """Only the objector withdraws their objection: nobody, the facilitator included, clears it."""
    proposal, objection = _lock_objection(objection)
    if actor.pk != objection.objector_id:
        raise ServiceError(_("Only the person who objected can withdraw an objection."), status=403)
    if objection.status != Objection.Status.OPEN:
        raise ServiceError(_("This objection is no longer open."), status=409)
    objection.status = Objection.Status.WITHDRAWN
    objection.resolved_at = timezone.now()
    objection.save(update_fields=["status", "resolved_at"])
    _append(
        proposal, actor, "objection.withdrawn", {"objection": objection.pk},
        obj=objection, notify=[proposal.author_id],
    )  # fmt: skip
    # If that was the last objection of the last round on this version, the round's answers are
    # complete and no objection stands: the proposal is decided.
    last = proposal.rounds.exclude(outcome=ConsentRound.Outcome.SUPERSEDED).order_by("-pk").first()
    standing = proposal.objections.filter(
        status=Objection.Status.OPEN, version_number=proposal.version_number
    )
    if (
        last is not None
        and last.outcome == ConsentRound.Outcome.OBJECTED
        and last.version_number == proposal.version_number
        and proposal.state == State.OBJECTIONS
        and not standing.exists()
        and not waiting_for(last)
    ):
        last.outcome = ConsentRound.Outcome.CONSENTED
        last.save(update_fields=["outcome"])
        if last.subject == ConsentRound.Subject.PROPOSAL:
            _decide(proposal, last)
        else:
            _exit(proposal, last)
    return objection


# The decision record -----------------------------------------------------------------------


def build_record(proposal: Proposal, decision: Decision) -> dict[str, Any]:
    """Everything on a decision, from the database. `record_from_ledger` rebuilds the same."""
    version = decision.version
    round_ = decision.consent_round
    return {
        "proposal": proposal.pk,
        "circle": proposal.circle_id,
        "author": proposal.author_id,
        # What the decision does to the policy register: the policy it sets (new, amended, or
        # the successor of the one it replaces), what it does with the policy it targets, and
        # which one that is.
        "policy": decision.policy_id,
        "policy_action": proposal.target_action or None,
        "policy_target": proposal.amends_id,
        "version": _version_payload(version),
        "rationale": decision.rationale,
        "review_on": decision.review_on.isoformat() if decision.review_on else None,
        "round": round_.pk,
        "roster": sorted(round_.roster.values_list("user_id", flat=True)),
        "answers": [
            {"user": r.user_id, "answer": r.answer, "reason": r.reason,
             "at": r.created_at.isoformat()}
            for r in round_.responses.order_by("pk")
        ],
        "objections": [
            {"id": o.pk, "version": o.version_number, "objector": o.objector_id,
             "reason": o.reason, "stated_back": o.stated_back,
             "confirmed": o.confirmed_at is not None, "status": o.status,
             "integration": o.integration, "integrated_in_version": o.integrated_in_version}
            for o in proposal.objections.order_by("pk")
        ],
        "concerns": [
            {"user": r.user_id, "reason": r.reason}
            for r in round_.responses.filter(answer=ConsentResponse.Answer.CONCERN).order_by("pk")
        ],
        # Who took part beyond the answers (absent, left during the round, joined after it
        # opened), the quorum, an early close; and the quorum the decision sets, if it does.
        **_participation(round_),
        "quorum_percent": proposal.quorum_percent,
    }  # fmt: skip


def record_from_ledger(proposal: Proposal) -> dict[str, Any]:
    """Rebuild a decision's record from the ledger events alone (no other table is read): the
    proposal's events up to its (last) decision, as the record is kept as it was when the circle
    consented; what came after (a late answer under lazy consent) is not part of it."""
    events = LedgerEvent.objects.filter(
        organisation_id=proposal.circle.organisation_id, payload__proposal=proposal.pk
    ).order_by("sequence")
    return rebuild_record(proposal.pk, list(events))


def record_from_export(lines: Iterable[str], proposal_id: int) -> dict[str, Any]:
    """Rebuild a decision's record from an exported ledger alone, without the database: the same
    rebuilding as `record_from_ledger`, from the export's lines (core/export.py)."""
    events = [
        event
        for _, event in read_events(lines)
        if isinstance(event.payload, dict) and event.payload.get("proposal") == proposal_id
    ]
    return rebuild_record(proposal_id, events)


@dataclass(frozen=True)
class ExportedDecision:
    """A decision found in an export, and whether its record is what the events before it say
    (None: some of those events are not in the export, so it could not be rebuilt)."""

    proposal: int
    line: int
    sequence: int
    holds: bool | None


def check_export_decisions(lines: Iterable[str]) -> list[ExportedDecision]:
    """Every decision in an export, rebuilt from its proposal's events up to it and compared
    with the record written in its own event, without the database."""
    events: dict[int, list[Any]] = {}
    found = []
    for number, event in read_events(lines):
        payload = event.payload if isinstance(event.payload, dict) else {}
        proposal_id = payload.get("proposal")
        if not isinstance(proposal_id, int) or isinstance(proposal_id, bool):
            continue
        events.setdefault(proposal_id, []).append(event)
        if event.verb != "proposal.decided":
            continue
        holds: bool | None
        try:
            holds = rebuild_record(proposal_id, events[proposal_id]) == payload["record"]
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            holds = None
        found.append(ExportedDecision(proposal_id, number, event.sequence, holds))
    return found


def rebuild_record(proposal_id: int, events: Sequence[Any]) -> dict[str, Any]:
    """A decision's record from its proposal's events in sequence order: ledger rows or exported
    events (anything with verb, payload, occurred_at and circle_id). {} if it was not decided.
    What came after the last decision (a late answer, a reopening) is not part of its record."""
    decided_at = [i for i, event in enumerate(events) if event.verb == "proposal.decided"]
    if decided_at:
        events = events[: decided_at[-1] + 1]
    versions: dict[int, dict[str, Any]] = {}
    rounds: dict[int, dict[str, Any]] = {}
    objections: dict[int, dict[str, Any]] = {}
    answer_times: dict[tuple[int, int], str] = {}
    integrations: dict[int, dict[str, str]] = {}
    author = None
    target: dict[str, Any] = {}
    quorum_change = None
    left: dict[int, list[dict[str, Any]]] = {}
    closed: dict[int, dict[str, Any]] = {}
    decided: dict[str, Any] | None = None
    for event in events:
        p = event.payload
        if event.verb == "proposal.presented":
            author = p["author"]
            target = {"policy_action": p.get("policy_action"), "policy_target": p.get("amends")}
            quorum_change = p.get("quorum_percent")
            versions[p["version"]] = {k: p[k] for k in _VERSION_KEYS}
        elif event.verb == "proposal.revised":
            versions[p["version"]] = {k: p[k] for k in _VERSION_KEYS}
            integrations[p["version"]] = p.get("integrations") or {}
        elif event.verb == "consent.round_opened":
            rounds[p["round"]] = {"roster": p["roster"], "answers": [], "version": p["version"]}
        elif event.verb == "consent.answered":
            rounds[p["round"]]["answers"].append(
                {"user": p["user"], "answer": p["answer"], "reason": p["reason"]}
            )
            answer_times[(p["round"], p["user"])] = event.occurred_at.isoformat()
            if p.get("objection"):
                objections[p["objection"]] = {
                    "id": p["objection"], "version": p["version"], "objector": p["user"],
                    "reason": p["reason"], "stated_back": "", "confirmed": False,
                    "status": "open", "integration": "", "integrated_in_version": None,
                }  # fmt: skip
        elif event.verb == "objection.stated_back":
            objections[p["objection"]]["stated_back"] = p["text"]
            objections[p["objection"]]["confirmed"] = False
        elif event.verb == "objection.confirmed":
            objections[p["objection"]]["confirmed"] = True
        elif event.verb == "objection.withdrawn":
            objections[p["objection"]]["status"] = "withdrawn"
        elif event.verb == "consent.roster_member_left":
            at = p.get("left_at") or event.occurred_at.isoformat()
            left.setdefault(p["round"], []).append({"user": p["user"], "at": at})
        elif event.verb == "consent.round_closed":
            closed[p["round"]] = p
        elif event.verb == "proposal.decided":
            decided = p
    if decided is None:
        return {}
    # Integration notes and their versions are carried on the revisions.
    for number in sorted(integrations):
        for objection_id, note in integrations[number].items():
            objections[int(objection_id)]["integration"] = note
            objections[int(objection_id)]["integrated_in_version"] = number
    record = dict(decided["record"])
    final_round = record["round"]
    final_version = rounds[final_round]["version"]
    for o in objections.values():
        if o["status"] == "open":
            o["status"] = "integrated"
            if o["integrated_in_version"] is None:
                o["integrated_in_version"] = final_version
    rebuilt = {
        "proposal": proposal_id,
        "circle": event_circle(events),
        "author": author,
        "policy": decided.get("policy"),
        **target,
        "version": versions[final_version],
        "rationale": versions[final_version]["driver"],
        "review_on": versions[final_version]["review_on"],
        "round": final_round,
        "roster": sorted(rounds[final_round]["roster"]),
        "answers": [
            {**a, "at": answer_times[(final_round, a["user"])]}
            for a in rounds[final_round]["answers"]
        ],
        "objections": [objections[k] for k in sorted(objections)],
        "concerns": [
            {"user": a["user"], "reason": a["reason"]}
            for a in rounds[final_round]["answers"]
            if a["answer"] == ConsentResponse.Answer.CONCERN
        ],
        "absent": closed.get(final_round, {}).get("absent", []),
        "left": sorted(left.get(final_round, []), key=lambda e: e["user"]),
        "joined_after_opening": closed.get(final_round, {}).get("joined_after_opening", []),
        "quorum": closed.get(final_round, {}).get("quorum"),
        "closed_early": closed.get(final_round, {}).get("closed_early"),
        "quorum_percent": quorum_change,
    }
    if "policy_action" not in record:
        # Records made before decisions said what they do to the policy register.
        for key in ("policy", "policy_action", "policy_target"):
            del rebuilt[key]
    if "quorum" not in record:
        # Records made before they said who took part beyond the answers.
        for key in _PARTICIPATION_KEYS:
            del rebuilt[key]
    return rebuilt


_PARTICIPATION_KEYS = (
    "absent", "left", "joined_after_opening", "quorum", "closed_early", "quorum_percent",
)  # fmt: skip


_VERSION_KEYS = (
    "version", "title", "driver", "text", "aim", "review_on", "measures", "feedback_channel",
    "change_note", "measure_set",
)  # fmt: skip


def event_circle(events: Sequence[Any]) -> int | None:
    return events[0].circle_id if events else None


# Policies ----------------------------------------------------------------------------------


@transaction.atomic
def call_early_review(*, policy: Policy, actor: User, reason: str) -> BacklogItem:
    """Anyone in the circle may call a review before it falls due: it goes to the backlog."""
    _require_member(policy.circle, actor)
    _require_in_force(policy, status=409)
    reason = _clean(reason)
    if not reason:
        raise ServiceError(_("Say why the policy should be reviewed now."), field="reason")
    return _policy_item(policy, actor, BacklogItem.Source.EARLY_REVIEW, reason)


@transaction.atomic
def withdraw_consent(*, policy: Policy, actor: User, reason: str) -> BacklogItem:
    """Withdrawing consent does not end a policy: it stays in force and a review is called."""
    _require_member(policy.circle, actor)
    _require_in_force(policy, status=409)
    reason = _clean(reason)
    if not reason:
        raise ServiceError(_("Say why you withdraw your consent."), field="reason")
    return _policy_item(policy, actor, BacklogItem.Source.CONSENT_WITHDRAWN, reason)


def _policy_item(policy: Policy, actor: User | None, source: str, reason: str) -> BacklogItem:
    existing = BacklogItem.objects.open().filter(policy=policy, source=source).first()
    if existing is not None:
        if reason:
            existing.description = (existing.description + "\n\n" + reason).strip()
            existing.save(update_fields=["description"])
        item = existing
    else:
        item = BacklogItem.objects.create(
            circle=policy.circle, topic=_("Review: %(title)s") % {"title": policy.title},
            description=reason, source=source, raised_by=actor, policy=policy,
            desired_outcome=BacklogItem.Outcome.DECIDE, due_on=policy.review_on,
        )  # fmt: skip
    ledger.append(
        organisation=policy.circle.organisation, actor=actor, verb="policy.review_called",
        obj=policy, circle=policy.circle,
        payload={"policy": policy.pk, "title": policy.title, "source": source, "reason": reason,
                 "item": item.pk},
        notify=_review_audience(policy.circle),
    )  # fmt: skip
    return item


def _review_audience(circle: Circle) -> list[int]:
    """The secretary tracks reviews, but the whole circle is told: not only the author."""
    return sorted(
        set(current_member_ids(circle)) | set(role_holder_ids(circle, Role.Kind.SECRETARY))
    )


# Backlog -----------------------------------------------------------------------------------


@transaction.atomic
def add_backlog_item(
    *,
    circle: Circle,
    actor: User,
    topic: str,
    description: str = "",
    desired_outcome: str = BacklogItem.Outcome.DECIDE,
    owner: User | None = None,
    due_on: dt.date | None = None,
) -> BacklogItem:
    """A member adds a topic to their circle's backlog; someone from another circle raises it."""
    topic = _clean(topic)
    if not topic:
        raise ServiceError(_("Give the item a topic."), field="topic")
    if desired_outcome not in BacklogItem.Outcome.values:
        raise ServiceError(_("Choose understand, explore or decide."), field="desired_outcome")
    if circle.is_archived:
        raise ServiceError(_("An archived circle has no backlog."), status=409)
    circle_permissions.refuse_if_ended(circle)
    is_member = _is_member(circle, actor)
    if owner is not None and not _is_member(circle, owner):
        raise ServiceError(_("The owner must be a member of the circle."), field="owner")
    from_circle = None
    if not is_member:
        from_circle = (
            Circle.objects.filter(
                memberships__user=actor, memberships__ended_on__isnull=True,
                organisation=circle.organisation, archived_at__isnull=True,
            ).exclude(pk=circle.pk).order_by("name").first()
        )  # fmt: skip
    item = BacklogItem.objects.create(
        circle=circle, topic=topic, description=_clean(description),
        desired_outcome=desired_outcome, owner=owner if is_member else None, due_on=due_on,
        source=BacklogItem.Source.MEMBER if is_member else BacklogItem.Source.OTHER_CIRCLE,
        raised_by=actor, raised_from=from_circle,
    )  # fmt: skip
    ledger.append(
        organisation=circle.organisation, actor=actor, verb="backlog.item_added", obj=item,
        circle=circle,
        payload={"item": item.pk, "topic": topic, "source": item.source,
                 "from_circle": from_circle.pk if from_circle else None},
        notify=role_holder_ids(circle, Role.Kind.SECRETARY, Role.Kind.FACILITATOR)
        if not is_member else [],
    )  # fmt: skip
    return item


@transaction.atomic
def close_backlog_item(
    *, item: BacklogItem, actor: User, status: str = BacklogItem.Status.DONE, reason: str = ""
) -> BacklogItem:
    """Any member marks an item done. Dropping it is `services_backlog.drop_backlog_item`'s
    (who may, and why): asked for here, it goes there, so this is no way around its rule."""
    if status == BacklogItem.Status.DROPPED:
        from .services_backlog import drop_backlog_item  # it builds on this module

        return drop_backlog_item(item=item, actor=actor, reason=reason)
    item = lock_item(item)
    _require_member(item.circle, actor)
    require_open_item(item)
    if status != BacklogItem.Status.DONE:
        raise ServiceError(_("Unknown status."), field="status")
    close_item(item, actor, status, by_hand=True)
    return item


def lock_item(item: BacklogItem) -> BacklogItem:
    return (
        BacklogItem.objects.select_for_update(of=("self",))
        .select_related("circle__organisation", "owner", "raised_by")
        .get(pk=item.pk)
    )


def require_open_item(item: BacklogItem) -> None:
    if item.status != BacklogItem.Status.OPEN:
        raise ServiceError(_("This item is already closed."), status=409)


# Reminders ---------------------------------------------------------------------------------


def send_reminders(*, today: dt.date | None = None) -> int:
    """Put reviews and terms that fall due on their circle's backlog, and remind the circle's
    secretary and members, again every week until someone handles the item. Returns the number of
    reminders sent. Safe to run as often as you like (e.g. hourly from cron or the task worker)."""
    today = today or timezone.localdate()
    now = timezone.now()
    sent = 0
    horizon = today + dt.timedelta(days=REVIEW_NOTICE_DAYS)
    policies = Policy.objects.filter(
        retired_at__isnull=True, superseded_by__isnull=True, review_on__lte=horizon,
        circle__archived_at__isnull=True, circle__ended_at__isnull=True,
    ).select_related("circle__organisation")  # fmt: skip
    for policy in policies:
        sent += _remind_policy(policy, now)
    terms = (
        RoleAssignment.objects.current()
        .filter(term_end__lte=today + dt.timedelta(days=TERM_NOTICE_DAYS),
                role__circle__archived_at__isnull=True, role__circle__ended_at__isnull=True)
        .select_related("role__circle__organisation", "holder")
    )  # fmt: skip
    for assignment in terms:
        sent += _remind_term(assignment, now)
    return sent


@transaction.atomic
def _remind_policy(policy: Policy, now: dt.datetime) -> int:
    list(Policy.objects.select_for_update().filter(pk=policy.pk).values_list("pk"))  # see terms
    item = (
        BacklogItem.objects.select_for_update()
        .open()
        .filter(policy=policy, source=BacklogItem.Source.REVIEW_DUE)
        .first()
    )
    created = item is None
    if item is None:
        item = BacklogItem.objects.create(
            circle=policy.circle, topic=_("Review: %(title)s") % {"title": policy.title},
            source=BacklogItem.Source.REVIEW_DUE, policy=policy, due_on=policy.review_on,
            desired_outcome=BacklogItem.Outcome.DECIDE,
        )  # fmt: skip
    return _remind(item, now, created, {"policy": policy.pk, "title": policy.title,
                   "review_on": policy.review_on.isoformat() if policy.review_on else None})  # fmt: skip


@transaction.atomic
def _remind_term(assignment: RoleAssignment, now: dt.datetime) -> int:
    # The term's row is locked first: two runs at once (two schedulers, or a run by hand beside
    # the worker's) wait for each other here instead of both adding the item; a term renewed in
    # the meantime is skipped.
    term = RoleAssignment.objects.select_for_update().filter(pk=assignment.pk, ended_on=None)
    if not list(term.values_list("pk", flat=True)):
        return 0
    circle = assignment.role.circle
    item = BacklogItem.objects.select_for_update().open().filter(assignment=assignment).first()
    created = item is None
    if item is None:
        item = BacklogItem.objects.create(
            circle=circle,
            topic=_("Term ending: %(role)s (%(name)s)")
            % {"role": assignment.role.name, "name": assignment.holder.name},
            source=BacklogItem.Source.TERM_ENDING, assignment=assignment,
            due_on=assignment.term_end, desired_outcome=BacklogItem.Outcome.DECIDE,
        )  # fmt: skip
    return _remind(item, now, created, {"assignment": assignment.pk, "role_name": assignment.role.name,
                   "holder_name": assignment.holder.name,
                   "term_end": assignment.term_end.isoformat()})  # fmt: skip


def _remind(item: BacklogItem, now: dt.datetime, created: bool, payload: dict[str, Any]) -> int:
    if (
        not created
        and item.last_reminded_at is not None
        and now - item.last_reminded_at < REMINDER_INTERVAL
    ):
        return 0
    item.last_reminded_at = now
    item.reminders_sent += 1
    item.save(update_fields=["last_reminded_at", "reminders_sent"])
    ledger.append(
        organisation=item.circle.organisation, actor=None, verb="backlog.reminder",
        obj=item, circle=item.circle,
        payload={"item": item.pk, "topic": item.topic, "source": item.source,
                 "reminder": item.reminders_sent, "due_on": item.due_on.isoformat() if item.due_on else None,
                 **payload},
        notify=_review_audience(item.circle),
    )  # fmt: skip
    return 1
