"""What the consent process's pages share: finding the organisation, circle and
proposal, status looks, and redirects.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, Organisation
from circlewise.core import plainwords

from .. import permissions
from ..models import (
    Policy,
    Proposal,
    ProposalVersion,
)

State = Proposal.State


# Helpers -----------------------------------------------------------------------------------


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    return circle_permissions.get_organisation_for(request.user, slug)


def check_org(obj_org: Organisation, slug: str) -> None:
    """Something reached through another organisation's address is not found there."""
    if obj_org.slug != slug:
        raise Http404
    plainwords.use_for(obj_org)  # the words its pages use (core.plainwords)


def circle_members(circle: Circle) -> QuerySet[User]:
    return User.objects.filter(
        circle_memberships__circle=circle, circle_memberships__ended_on__isnull=True
    ).order_by("name")


def _title_subquery() -> Subquery:
    return Subquery(
        ProposalVersion.objects.filter(
            proposal=OuterRef("pk"), number=OuterRef("version_number")
        ).values("title")[:1]
    )


def with_titles(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """The current version's title on each proposal, in the same query."""
    return proposals.annotate(title=_title_subquery())


# Status words, icons and colours: never colour alone.
ANSWER_LOOK = {
    "consent": ("current", "check", gettext_lazy("consented")),
    "concern": ("ending", "info", gettext_lazy("consented with a concern")),
    "objection": ("expired", "alert", gettext_lazy("objected")),
    "waiting": ("neutral", "clock", gettext_lazy("not yet")),
    "left": ("ended", "out", gettext_lazy("left the circle during the round")),
    "absent": ("ended", "minus", gettext_lazy("absent: lazy consent")),
    "joined": ("neutral", "info", gettext_lazy("joined after it opened: not asked")),
    "unknown": ("ended", "minus", gettext_lazy("no answer recorded")),
}

POLICY_LOOK = {
    Policy.Status.ACTIVE: ("current", "check"),
    Policy.Status.REVIEW_DUE: ("ending", "clock"),
    Policy.Status.EXPIRED: ("expired", "alert"),
    Policy.Status.SUPERSEDED: ("ended", "minus"),
    Policy.Status.RETIRED: ("ended", "archive"),
}

STATE_LOOK = {
    State.DRAFT: ("neutral", "edit"),
    State.CLARIFYING: ("primary", "info"),
    State.REACTING: ("primary", "activity"),
    State.SYNTHESIS: ("primary", "edit"),
    State.CONSENT: ("accent", "check"),
    State.OBJECTIONS: ("ending", "alert"),
    State.DECIDED: ("current", "check"),
    State.POSTPONED: ("ended", "clock"),
    State.DROPPED: ("ended", "minus"),
    State.HANDED_OVER: ("ended", "arrow-right"),
    State.ESCALATED: ("ended", "arrow-right"),
    State.HANDED_BACK: ("ended", "arrow-right"),
}


def decorate_proposals(proposals: list[Proposal]) -> list[Proposal]:
    for p in proposals:
        p.look = STATE_LOOK.get(State(p.state), ("neutral", "info"))  # type: ignore[attr-defined]
    return proposals


def decorate_policy(policy: Policy, today: dt.date) -> Policy:
    status = policy.status(today)
    css, icon = POLICY_LOOK[status]
    policy.status_key = status.value  # type: ignore[attr-defined]
    policy.status_label = status.label  # type: ignore[attr-defined]
    policy.status_css = css  # type: ignore[attr-defined]
    policy.status_icon = icon  # type: ignore[attr-defined]
    return policy


GET_POST = require_http_methods(["GET", "HEAD", "POST"])


# Helpers -----------------------------------------------------------------------------------


def _proposal(
    request: HttpRequest, org: str, proposal_id: int, need: permissions.ProposalNeed = "take_part"
) -> Proposal:
    proposal = permissions.get_proposal_for(request.user, proposal_id, need=need)
    check_org(proposal.circle.organisation, org)
    return proposal


def _to_proposal(proposal: Proposal, anchor: str = "") -> HttpResponse:
    url = reverse(
        "decisions:proposal_detail", args=[proposal.circle.organisation.slug, proposal.pk]
    )
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _circle(request: HttpRequest, org: str, circle: str) -> Circle:
    organisation = circle_permissions.get_organisation_for(request.user, org)
    return circle_permissions.get_circle_for(request.user, organisation, circle)


def _policies_of(circle: Circle) -> Any:
    return Policy.objects.filter(
        circle=circle, retired_at__isnull=True, superseded_by__isnull=True
    ).order_by("title")
