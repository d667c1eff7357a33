"""A circle's decision settings (what only consent changes among them), and its policies: an early
review or a withdrawn consent goes to the backlog."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles.models import Circle, Role
from circlewise.core import ledger
from circlewise.core.errors import ServiceError

from .. import permissions
from ..models import (
    BacklogItem,
    CircleDecisionSettings,
    Decision,
    Policy,
    Proposal,
)
from ._common import CONSENTED_SETTINGS, _append, _clean, current_member_ids, role_holder_ids
from .proposals import _require_in_force


@transaction.atomic
def update_settings(*, circle: Circle, actor: User, **fields: Any) -> CircleDecisionSettings:
    allowed = {
        "default_review_months", "synthesis_by", "allow_concerns", "absentee_policy",
        "lazy_consent_hours", "clarifying_days", "reactions_days", "consent_days",
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
    for window in ("clarifying_days", "reactions_days", "consent_days"):
        if window in changes and not 1 <= int(changes[window]) <= 30:
            raise ServiceError(_("A step lasts between 1 and 30 days."), field=window)
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


@transaction.atomic
def call_early_review(*, policy: Policy, actor: User, reason: str) -> BacklogItem:
    """Anyone in the circle may call a review before it falls due: it goes to the backlog."""
    permissions.require_member(actor, policy.circle)
    _require_in_force(policy, status=409)
    reason = _clean(reason)
    if not reason:
        raise ServiceError(_("Say why the policy should be reviewed now."), field="reason")
    return _policy_item(policy, actor, BacklogItem.Source.EARLY_REVIEW, reason)


@transaction.atomic
def withdraw_consent(*, policy: Policy, actor: User, reason: str) -> BacklogItem:
    """Withdrawing consent does not end a policy: it stays in force and a review is called."""
    permissions.require_member(actor, policy.circle)
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
