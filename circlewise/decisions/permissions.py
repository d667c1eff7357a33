"""Who may see and do what in the consent process.

Drafts are visible to their author only, and to the members of their circle while the author
shares them for comment (circlewise.discussions). Presented proposals, decisions and policies are
visible to whoever can see the circle (open circles: the whole organisation). Taking part is for
the circle's current members; stepping the process along is for its facilitator or leader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, Organisation, Role, RoleAssignment
from circlewise.core.errors import ServiceError
from circlewise.core.perf.prepared import Prepared

from .models import (
    BacklogItem,
    CircleDecisionSettings,
    ConsentRound,
    Contribution,
    Decision,
    Objection,
    Policy,
    Proposal,
    RosterEntry,
)

if TYPE_CHECKING:
    from circlewise.core.types import Viewer

# Reads the rules need (the services use them too) ---------------------------------------------


def settings_for(circle: Circle) -> CircleDecisionSettings:
    found = CircleDecisionSettings.objects.filter(circle=circle).first()
    return found or CircleDecisionSettings(circle=circle)


def role_holder_ids(circle: Circle, *kinds: str) -> list[int]:
    return list(
        RoleAssignment.objects.current()
        .filter(role__circle=circle, role__kind__in=kinds)
        .values_list("holder_id", flat=True)
    )


# Rules the services check, read afresh inside their transaction -------------------------------


def is_member_now(user: Viewer, circle: Circle) -> bool:
    """Whether the person is a current member of the circle, read afresh."""
    return user.pk is not None and circle_permissions.is_current_member(circle.pk, user.pk)


def can_steer_circle(user: Viewer, circle: Circle) -> bool:
    """Facilitator or leader of the circle: they step the process along."""
    return user.pk in role_holder_ids(circle, Role.Kind.FACILITATOR, Role.Kind.LEADER)


def is_synthesiser(user: Viewer, proposal: Proposal) -> bool:
    """Who takes up amendments and writes new versions: those who steer the circle, and the
    author where the circle leaves synthesis to authors."""
    if can_steer_circle(user, proposal.circle):
        return True
    mode = settings_for(proposal.circle).synthesis_by
    return mode == CircleDecisionSettings.Synthesis.AUTHOR and proposal.author_id == user.pk


def require_member(user: Viewer, circle: Circle, message: str | None = None) -> None:
    if not is_member_now(user, circle):
        raise ServiceError(
            message
            or _("Only members of %(circle)s take part in its decisions.")
            % {"circle": circle.name},
            status=403,
        )


def require_steer(user: Viewer, proposal: Proposal) -> None:
    if not can_steer_circle(user, proposal.circle):
        raise ServiceError(
            _("Only the circle's facilitator or leader can move the process along."), status=403
        )


def can_present(user_id: int | None, proposal: Proposal) -> bool:
    """Presenting a draft is its author's (the room shows the button to them alone)."""
    return user_id is not None and proposal.is_draft and proposal.author_id == user_id


def require_author(user: Viewer, proposal: Proposal, message: str) -> None:
    """Editing and presenting a draft are its author's (`message` says which)."""
    if proposal.author_id != user.pk:
        raise ServiceError(message, status=403)


def require_answer_question(user: Viewer, proposal: Proposal) -> None:
    if user.pk != proposal.author_id and not can_steer_circle(user, proposal.circle):
        raise ServiceError(_("The author answers clarifying questions."), status=403)


def require_take_up_amendment(user: Viewer, proposal: Proposal) -> None:
    if not is_synthesiser(user, proposal):
        raise ServiceError(_("Only the person who synthesises can take up amendments."), status=403)


def require_revise(user: Viewer, proposal: Proposal) -> None:
    if not is_synthesiser(user, proposal):
        raise ServiceError(_("Only the person who synthesises can make a new version."), status=403)


def require_answer_round(user: Viewer, circle: Circle, entry: RosterEntry | None) -> RosterEntry:
    """Those asked in a round (its roster, fixed when it opened) answer while still members:
    their roster entry (`entry`, None if they are not on it) is returned."""
    if entry is None:
        raise ServiceError(
            _("You joined the circle after this round opened, so you are not asked in it."),
            status=403,
        )
    if entry.left_circle_at is not None or not is_member_now(user, circle):
        raise ServiceError(
            _("You have left the circle, so your answer is no longer asked."), status=403
        )
    return entry


def require_state_back(user: Viewer, objection: Objection) -> None:
    """Someone other than the objector says it back (being a member is `require_member`)."""
    if user.pk == objection.objector_id:
        raise ServiceError(_("Someone else states your objection back to you."), status=403)


def require_confirm_heard(user: Viewer, objection: Objection) -> None:
    if user.pk != objection.objector_id:
        raise ServiceError(_("Only the objector confirms they were understood."), status=403)


def require_withdraw_objection(user: Viewer, objection: Objection) -> None:
    """Only the objector withdraws their objection: nobody, the facilitator included, clears it."""
    if user.pk != objection.objector_id:
        raise ServiceError(_("Only the person who objected can withdraw an objection."), status=403)


# Rules the pages and the API read -------------------------------------------------------------


def can_view_proposal(user: Viewer, proposal: Proposal) -> bool:
    """A draft is its author's, and its circle's members' once the author shares it for comment."""
    if not circle_permissions.can_view_circle(user, proposal.circle):
        return False
    if not proposal.is_draft or proposal.author_id == user.pk:
        return True
    return circle_permissions.is_circle_member(user, proposal.circle) and is_shared_for_comment(
        proposal
    )


def is_shared_for_comment(proposal: Proposal) -> bool:
    """Whether the draft's author shares it for comment (the sharing is kept on the draft's
    discussion thread: circlewise.discussions)."""
    from circlewise.discussions.models import Thread

    return Thread.objects.filter(proposal_id=proposal.pk, shared_at__isnull=False).exists()


def can_take_part(user: Viewer, proposal: Proposal) -> bool:
    """Ask, react, answer and discuss: the circle's current members."""
    return can_view_proposal(user, proposal) and circle_permissions.is_circle_member(
        user, proposal.circle
    )


def can_steer(user: Viewer, proposal: Proposal) -> bool:
    return can_take_part(user, proposal) and can_steer_circle(user, proposal.circle)


def can_synthesise(user: Viewer, proposal: Proposal) -> bool:
    return can_take_part(user, proposal) and is_synthesiser(user, proposal)


def can_edit_draft(user: Viewer, proposal: Proposal) -> bool:
    return (
        proposal.is_draft
        and proposal.author_id == getattr(user, "pk", None)
        and can_take_part(user, proposal)
    )


def can_propose(user: Viewer, circle: Circle) -> bool:
    return (
        circle_permissions.can_view_circle(user, circle)
        and not circle.is_archived
        and not circle.has_ended
        and circle_permissions.is_circle_member(user, circle)
    )


def can_raise_item(user: Viewer, circle: Circle) -> bool:
    """Members add to their backlog; members of other circles raise topics with it."""
    return (
        circle_permissions.can_view_circle(user, circle)
        and not circle.is_archived
        and not circle.has_ended
    )


# An ended helping circle takes no new proposals, rounds or backlog items: pages show this
# sentence and change nothing, the API and the services answer 409 with it.
ended_refusal = circle_permissions.ended_refusal
refuse_if_ended = circle_permissions.refuse_if_ended


def extendable_circles(user: Viewer, circle: Circle) -> QuerySet[Circle]:
    """The helping circles inside `circle` whose mandate a proposal there may extend: those the
    person may see (a private one only to its members)."""
    return (
        Circle.objects.visible_to(user, circle.organisation)
        .active()
        .filter(parent=circle, kind=Circle.Kind.HELPING)
        .order_by("name")
    )


def can_view_decision(user: Viewer, decision: Decision) -> bool:
    return circle_permissions.can_view_circle(user, decision.circle)


def can_view_policy(user: Viewer, policy: Policy) -> bool:
    return circle_permissions.can_view_circle(user, policy.circle)


def can_review_policy(user: Viewer, policy: Policy) -> bool:
    return can_view_policy(user, policy) and circle_permissions.is_circle_member(
        user, policy.circle
    )


def can_close_item(user: Viewer, item: BacklogItem) -> bool:
    return circle_permissions.can_view_circle(
        user, item.circle
    ) and circle_permissions.is_circle_member(user, item.circle)


def can_drop_item(user: Viewer, item: BacklogItem, *, now: bool = False) -> bool:
    """Dropping an item is for the person it belongs to (its owner, or who raised it when nobody
    owns it) and for the circle's facilitator and secretary, who keep the backlog: each a current
    member of the circle. Another member asks one of them, so no topic disappears on a whim.
    `now`: read afresh, not from what the request has loaded (for the services)."""
    if not _in_backlog_circle(user, item.circle, now=now):
        return False
    return _drops(user, item, keeps=_keeps_backlog(user, item.circle))


def can_reopen_item(user: Viewer, item: BacklogItem, *, now: bool = False) -> bool:
    """Undoing a closing by hand: those who may drop the item, and the member who closed it
    (a "done" clicked by mistake is undone by the one who clicked it)."""
    if not _in_backlog_circle(user, item.circle, now=now):
        return False
    keeps = _keeps_backlog(user, item.circle)
    return _drops(user, item, keeps=keeps) or item.closed_by_id == user.pk


def backlog_rights(
    user: Viewer, circle: Circle, items: Iterable[BacklogItem]
) -> tuple[set[int], set[int]]:
    """The ids of the circle's items this person may drop, and may reopen: `can_drop_item` and
    `can_reopen_item` for a whole list, with the circle's roles read once."""
    if not _in_backlog_circle(user, circle):
        return set(), set()
    keeps = _keeps_backlog(user, circle)
    drop, reopen = set(), set()
    for item in items:
        if _drops(user, item, keeps=keeps):
            drop.add(item.pk)
            reopen.add(item.pk)
        elif item.closed_by_id == user.pk:
            reopen.add(item.pk)
    return drop, reopen


def _in_backlog_circle(user: Viewer, circle: Circle, *, now: bool = False) -> bool:
    if now:
        return (
            circle_permissions.can_view_circle_now(user, circle)
            and user.pk is not None
            and circle_permissions.is_current_member(circle.pk, user.pk)
        )
    return circle_permissions.can_view_circle(user, circle) and (
        circle_permissions.is_circle_member(user, circle)
    )


def _keeps_backlog(user: Viewer, circle: Circle) -> bool:
    kinds = (Role.Kind.FACILITATOR, Role.Kind.SECRETARY)
    return user.pk in role_holder_ids(circle, *kinds)


def _drops(user: Viewer, item: BacklogItem, *, keeps: bool) -> bool:
    belongs_to = item.owner_id if item.owner_id is not None else item.raised_by_id
    return keeps or (belongs_to is not None and belongs_to == user.pk)


def require_drop_item(user: Viewer, item: BacklogItem) -> None:
    """The services' own check, so that no way in (page, API, an old form) drops without it."""
    if not can_drop_item(user, item, now=True):
        raise ServiceError(
            _(
                "Only the item's owner (or who raised it, if nobody owns it), the circle's "
                "facilitator or its secretary can drop it."
            ),
            status=403,
        )


def require_reopen_item(user: Viewer, item: BacklogItem) -> None:
    if not can_reopen_item(user, item, now=True):
        raise ServiceError(
            _(
                "Only the item's owner (or who raised it, if nobody owns it), the circle's "
                "facilitator, its secretary or whoever closed it can reopen it."
            ),
            status=403,
        )


def can_change_settings(user: Viewer, circle: Circle) -> bool:
    return circle_permissions.can_edit_circle(user, circle)


def hand_over_circles(user: Viewer, organisation: Organisation) -> QuerySet[Circle]:
    """The helping circles this person may offer to hand a proposal to: the active ones they may
    see (the service refuses any other)."""
    return (
        Circle.objects.visible_to(user, organisation)
        .active()
        .filter(kind=Circle.Kind.HELPING)
        .order_by("name")
    )


# Fetch and authorise in one call -----------------------------------------------------------

# What a getter is asked for (`need=`): a typo is a type error, not a 500.
ProposalNeed = Literal["view", "take_part", "steer", "synthesise", "edit_draft"]
PolicyNeed = Literal["view", "review"]
ItemNeed = Literal["view", "close", "drop", "reopen"]

NEEDS: dict[ProposalNeed, Callable[[Any, Proposal], bool]] = {
    "view": can_view_proposal,
    "take_part": can_take_part,
    "steer": can_steer,
    "synthesise": can_synthesise,
    "edit_draft": can_edit_draft,
}


def get_proposal_for(user: Viewer, proposal_id: int, *, need: ProposalNeed = "view") -> Proposal:
    proposal = (
        Proposal.objects.select_related("circle__organisation", "circle__parent", "author")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise Http404
    _authorise(user, proposal, need)
    return proposal


def _authorise(user: Viewer, proposal: Proposal, need: ProposalNeed) -> None:
    if not can_view_proposal(user, proposal):
        raise Http404
    if not NEEDS[need](user, proposal):
        raise PermissionDenied


# Answering reads these on every request: compiled once (circlewise.core.perf.prepared).
_round_by_pk = Prepared(ConsentRound, lambda pk: ConsentRound.objects.filter(pk=pk), 1)
_proposal_by_pk = Prepared(Proposal, lambda pk: Proposal.objects.filter(pk=pk), 1)
_circle_by_pk = Prepared(Circle, lambda pk: Circle.objects.filter(pk=pk), 1)
_organisation_by_pk = Prepared(Organisation, lambda pk: Organisation.objects.filter(pk=pk), 1)


def get_round_for(user: Viewer, round_id: int, *, need: ProposalNeed = "view") -> ConsentRound:
    """The round, with its proposal, the proposal's circle and the circle's organisation, as
    authorised (the same checks as `get_proposal_for`). Read by primary key, one row each: the
    proposal's author and the circle's parent are read only if asked for."""
    round_ = _round_by_pk.first(round_id)
    proposal = _proposal_by_pk.first(round_.proposal_id) if round_ is not None else None
    circle = _circle_by_pk.first(proposal.circle_id) if proposal is not None else None
    if round_ is None or proposal is None or circle is None:
        raise Http404
    organisation = _organisation_by_pk.first(circle.organisation_id)
    if organisation is None:  # pragma: no cover - rows are never deleted
        raise Http404
    circle.organisation = organisation
    proposal.circle = circle
    round_.proposal = proposal
    _authorise(user, proposal, need)
    return round_


def get_objection_for(user: Viewer, objection_id: int, *, need: ProposalNeed = "view") -> Objection:
    objection = (
        Objection.objects.select_related("proposal__circle__organisation")
        .filter(pk=objection_id)
        .first()
    )
    if objection is None:
        raise Http404
    get_proposal_for(user, objection.proposal_id, need=need)
    return objection


def get_contribution_for(
    user: Viewer, contribution_id: int, *, need: ProposalNeed = "view"
) -> Contribution:
    contribution = (
        Contribution.objects.select_related("proposal").filter(pk=contribution_id).first()
    )
    if contribution is None:
        raise Http404
    get_proposal_for(user, contribution.proposal_id, need=need)
    return contribution


def get_decision_for(user: Viewer, decision_id: int) -> Decision:
    decision = (
        Decision.objects.select_related("circle__organisation", "proposal", "version", "policy")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None or not can_view_decision(user, decision):
        raise Http404
    return decision


def get_policy_for(user: Viewer, policy_id: int, *, need: PolicyNeed = "view") -> Policy:
    policy = Policy.objects.select_related("circle__organisation").filter(pk=policy_id).first()
    if policy is None or not can_view_policy(user, policy):
        raise Http404
    if need == "review" and not can_review_policy(user, policy):
        raise PermissionDenied
    return policy


ITEM_NEEDS: dict[ItemNeed, Callable[[Any, BacklogItem], bool]] = {
    "close": can_close_item,
    "drop": can_drop_item,
    "reopen": can_reopen_item,
}


def get_item_for(user: Viewer, item_id: int, *, need: ItemNeed = "view") -> BacklogItem:
    item = (
        BacklogItem.objects.select_related("circle__organisation", "owner", "raised_by")
        .filter(pk=item_id)
        .first()
    )
    if item is None or not circle_permissions.can_view_circle(user, item.circle):
        raise Http404
    if need != "view" and not ITEM_NEEDS[need](user, item):
        raise PermissionDenied
    return item
