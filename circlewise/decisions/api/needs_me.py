"""The API's answer to what needs me, across my circles."""

from typing import Any

from django.http import HttpRequest

from circlewise.circles import permissions as circle_permissions
from circlewise.core.api import responses
from circlewise.core.api_auth import auth_user

from .. import selectors
from ..models import (
    BacklogItem,
    Proposal,
)
from ..schemas import (
    NeedsMeOut,
)
from ._common import _title, next_action_out, router

# What needs me -----------------------------------------------------------------------------


@router.get(
    "/organisations/{slug}/needs-me",
    response=responses(NeedsMeOut),
    operation_id="getNeedsMe",
    summary="What needs you in your circles: rounds to answer, objections to confirm, "
    "proposals to take part in, the backlog",
)
def needs_me(request: HttpRequest, slug: str) -> dict[str, Any]:
    user = auth_user(request)
    organisation = circle_permissions.get_organisation_for(user, slug)
    found = selectors.needs_me(user, circle_permissions.circle_ids_of(user, organisation))
    objections = found["objections_to_confirm"]
    ids = {r.proposal_id for r in found["rounds"]} | {o.proposal_id for o in objections}
    ids |= {p.pk for p in found["proposals"]}
    proposals = {
        p.pk: p
        for p in Proposal.objects.filter(pk__in=ids)
        .select_related("author")
        .annotate(title=_title())
    }
    return {
        "rounds": [
            {
                "id": r.pk,
                "proposal_id": r.proposal_id,
                "circle_id": r.proposal.circle_id,
                "title": proposals[r.proposal_id].title,  # type: ignore[attr-defined]
                "closes_at": r.closes_at,
            }
            for r in found["rounds"]
        ],
        "objections_to_confirm": [
            {
                "id": o.pk,
                "proposal_id": o.proposal_id,
                "title": proposals[o.proposal_id].title,  # type: ignore[attr-defined]
                "stated_back": o.stated_back,
            }
            for o in objections
        ],
        "proposals": [_with_step(proposals[p.pk], p.next_step) for p in found["proposals"]],
        "backlog": _with_people(found["backlog"]),
    }


def _with_step(proposal: Proposal, step: selectors.NextStep) -> Proposal:
    proposal.next_action = next_action_out(step, proposal.pk)  # type: ignore[attr-defined]
    return proposal


def _with_people(items: list[BacklogItem]) -> list[BacklogItem]:
    """The same items, with their owners and who raised them, in one more query."""
    loaded = BacklogItem.objects.select_related("owner", "raised_by", "closed_by").in_bulk(
        [item.pk for item in items]
    )
    return [loaded[item.pk] for item in items]
