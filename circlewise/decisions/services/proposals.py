"""Drafting and presenting a proposal, clarifying and reacting to it, and its new versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle
from circlewise.circles.services import add_months
from circlewise.core.errors import ServiceError

from .. import permissions
from ..models import (
    BacklogItem,
    ConsentRound,
    Contribution,
    Measure,
    Objection,
    Policy,
    Proposal,
    ProposalVersion,
)
from ._common import (
    CONSENTED_SETTINGS,
    State,
    _append,
    _check_quorum,
    _clean,
    _lock,
    _require_state,
    _version_payload,
    current_member_ids,
    settings_for,
)
from .deadlines import default_end, set_step_end
from .helping import check_extension


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
    `extends_until`): services.helping."""
    if circle.is_archived:
        raise ServiceError(_("An archived circle takes no proposals."), status=409)
    circle_permissions.refuse_if_ended(circle)
    permissions.require_member(
        author,
        circle,
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
    permissions.require_author(actor, proposal, _("Only the author edits a draft."))
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
    permissions.require_author(actor, proposal, _("Only the author presents their proposal."))
    _require_state(proposal, State.DRAFT)
    circle_permissions.refuse_if_ended(proposal.circle)
    permissions.require_member(actor, proposal.circle)
    if mode not in Proposal.Mode.values:
        raise ServiceError(_("Unknown mode."), field="mode")
    if clarifying_until is not None and clarifying_until <= timezone.now():
        raise ServiceError(_("The window must end in the future."), field="clarifying_until")
    if proposal.amends is not None:
        _require_in_force(proposal.amends, status=409)
    proposal.state = State.CLARIFYING
    proposal.mode = mode
    proposal.presented_at = timezone.now()
    clarifying_until = clarifying_until or default_end(proposal, State.CLARIFYING)
    proposal.save(
        update_fields=["state", "mode", "presented_at", *set_step_end(proposal, clarifying_until)]
    )
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


@transaction.atomic
def ask_question(
    *, proposal: Proposal, member: User, text: str = "", passed: bool = False
) -> Contribution:
    proposal = _lock(proposal)
    _require_state(proposal, State.CLARIFYING)
    permissions.require_member(member, proposal.circle)
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
    permissions.require_answer_question(actor, proposal)
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
    permissions.require_member(member, proposal.circle)
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
    permissions.require_member(member, proposal.circle)
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
    permissions.require_take_up_amendment(actor, proposal)
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
    permissions.require_steer(actor, proposal)
    if until is not None and until <= timezone.now():
        raise ServiceError(_("The window must end in the future."), field="until")
    before = proposal.state
    proposal.state = NEXT_STEP[State(proposal.state)]
    until = until or default_end(proposal, proposal.state)
    proposal.save(update_fields=["state", *set_step_end(proposal, until)])
    _append(
        proposal, actor, "proposal.step_changed",
        {"from": before, "to": proposal.state,
         "step_ends_at": until.isoformat() if until else None},
        notify=current_member_ids(proposal.circle),
    )  # fmt: skip
    return proposal


def _check_measures(proposal: Proposal, measures_to_add: Sequence[tuple[str, str, User]]) -> None:
    circle_members = set(current_member_ids(proposal.circle))
    for metric, threshold, owner in measures_to_add:
        if owner.pk not in circle_members:
            raise ServiceError(
                _("A measure's owner must be a member of the circle."), field="measures"
            )
        if not _clean(metric) or not _clean(threshold):
            raise ServiceError(_("A measure needs a metric and a threshold."), field="measures")


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
    permissions.require_revise(actor, proposal)
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
    _check_measures(proposal, measures_to_add)
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
