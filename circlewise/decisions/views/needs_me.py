"""What needs me, across my circles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Organisation
from circlewise.core import cache

from .. import selectors
from ..models import (
    ProposalVersion,
)
from ._common import _organisation, decorate_proposals
from .proposal_page import NEED_LABELS, OBJECTION_LABELS, Need

# What needs me -----------------------------------------------------------------------------


@login_required
def needs_me(request: HttpRequest, org: str) -> HttpResponse:
    """Rounds waiting for my answer, objections stated back to me, the proposals where I have a
    step to take (the step the proposal's own page names: selectors.needs_me), what the role
    reviews one takes part in ask (reviews.selectors.needs_of) and the backlog."""
    from circlewise.reviews import selectors as reviews
    from circlewise.selections import selectors as selections

    organisation = _organisation(request, org)
    user = request.user
    assert isinstance(user, User)
    found = needs_of(user, organisation)
    asked = reviews.needs_of(user, organisation)
    choosing = selections.waiting_on(user, organisation)
    return render(
        request,
        "decisions/needs_me.html",
        {
            "organisation": organisation,
            "rounds": found["rounds"],
            "objections": found["objections_to_confirm"],
            "proposals": found["proposals"],
            "backlog": found["backlog"],
            "asked": asked,
            "choosing": choosing,
            "nothing": not found["count"] and not asked and not choosing,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_safe
def needs_me_count(request: HttpRequest, org: str) -> HttpResponse:
    """The navigation's count of what needs the person (selectors.needs_count, the count the home
    and the page show, and what the role reviews they take part in ask of them, as the page lists
    it), asked for by the navigation after the page has loaded (htmx), so that no page waits for
    it. Kept per person on the version of their circles and of their open reviews' circles (a
    reviewer need not be a member of the circle of the role under review)."""
    from circlewise.reviews import selectors as reviews
    from circlewise.selections import selectors as selections

    organisation = _organisation(request, org)
    user = request.user
    assert isinstance(user, User)
    mine = circle_permissions.circle_ids_of(user, organisation)
    watched = set(mine) | reviews.open_review_circle_ids(user, organisation)
    watched |= selections.open_selection_circle_ids(user, organisation)
    count = cache.value(
        f"needs-count:{organisation.pk}:{user.pk}",
        version=cache.circles_version(organisation, watched),
        compute=lambda: (
            selectors.needs_me(user, mine)["count"]
            + reviews.needs_of(user, organisation).count
            + len(selections.waiting_on(user, organisation))
        ),
    )
    return render(request, "decisions/includes/needs_count.html", {"count": count})


def needs_of(user: User, organisation: Organisation) -> dict[str, Any]:
    """selectors.needs_me for a person in an organisation, each thing with its title and (for
    proposals) the step as the page shows it: what the "what needs me" page and the home show."""
    found = selectors.needs_me(user, circle_permissions.circle_ids_of(user, organisation))
    proposals = found["proposals"]
    ids = {r.proposal_id for r in found["rounds"]} | {p.pk for p in proposals}
    ids |= {o.proposal_id for o in found["objections_to_confirm"]}
    titles = {
        v.proposal_id: v.title
        for v in ProposalVersion.objects.filter(
            proposal_id__in=ids, number=F("proposal__version_number")
        ).only("proposal_id", "title")
    }
    for row in [*found["rounds"], *found["objections_to_confirm"]]:
        row.title = titles.get(row.proposal_id, "")
    for p in proposals:
        p.title = titles.get(p.pk, "")
        p.need = _listed_need(p.next_step, organisation.slug, p.pk)
    decorate_proposals(proposals)
    return found


def _listed_need(step: selectors.NextStep, org: str, proposal_id: int) -> Need:
    """A step as "what needs me" lists it: the label the proposal's panel gives it, and a link
    to that panel (or to the objection it concerns)."""
    page = reverse("decisions:proposal_detail", args=[org, proposal_id])
    need = Need(step.sentence, kind=step.kind, href=page + "#now")
    if step.kind in NEED_LABELS:
        need.action = str(NEED_LABELS[step.kind][0])
    elif step.kind in OBJECTION_LABELS and step.target is not None:
        need.action = str(OBJECTION_LABELS[step.kind])
        need.href = reverse("decisions:objection_detail", args=[org, step.target])
    elif step.kind == "advance":
        need.action = _("Move on")
    elif step.kind == "close_round":
        need.action = _("Close the round")
    return need
