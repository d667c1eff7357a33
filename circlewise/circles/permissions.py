"""Who may see and do what with organisations, circles and roles.

Every page, htmx partial, API operation and admin action goes through these functions. Objects a
person may not see are reported as missing (404), never as forbidden, so that private circles and
other organisations stay invisible.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, cast

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Value
from django.http import Http404
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from circlewise.core import cache as ledger_cache
from circlewise.core import plainwords
from circlewise.core.bidi import isolate
from circlewise.core.errors import ServiceError
from circlewise.core.perf.prepared import Prepared

from .models import (
    Circle,
    CircleMembership,
    Invitation,
    Organisation,
    OrgMembership,
    Role,
    RoleAssignment,
)

if TYPE_CHECKING:
    from typing_extensions import TypeIs

    from circlewise.accounts.models import User
    from circlewise.core.types import Viewer

LINK_ROLES = (Role.Kind.LEADER, Role.Kind.FACILITATOR)

# What a fetch-and-authorise getter is asked for (`need=`): a typo is a type error, not a 500.
OrganisationNeed = Literal["view", "admin"]
CircleNeed = Literal["view", "edit", "archive", "members", "roles"]
RoleNeed = Literal["view", "assign"]
AssignmentNeed = Literal["view", "end"]

# Looked up on almost every request: compiled once (circlewise.core.perf.prepared).
_current_org_membership = Prepared(
    OrgMembership,
    lambda org_id, user_id: (
        OrgMembership.objects.filter(organisation_id=org_id)
        .filter(user_id=user_id)
        .filter(ended_at__isnull=True)
    ),
    1,
    1,
)
_current_circle_membership = Prepared(
    CircleMembership,
    lambda circle_id, user_id: (
        CircleMembership.objects.filter(circle_id=circle_id)
        .filter(user_id=user_id)
        .filter(ended_on__isnull=True)
    ),
    1,
    1,
)


def is_person(user: Viewer | None) -> TypeIs[User]:
    """A signed-in, active person (not an anonymous visitor, not a deactivated account)."""
    return bool(user is not None and user.is_authenticated and user.is_active)


@dataclass
class RuleCache:
    """What the rules have read about one person, for as long as their user object lives (a
    request's `request.user`): keyed by organisation id (`member_of`: by circle id). Filled as the
    rules ask, or all at once by `prime_permissions`."""

    org_memberships: dict[int, OrgMembership | None] = field(default_factory=dict)
    circle_ids: dict[int, set[int]] = field(default_factory=dict)
    member_of: dict[int, bool] = field(default_factory=dict)
    steward_ids: dict[int, set[int]] = field(default_factory=dict)
    private_ids: dict[int, set[int]] = field(default_factory=dict)


# Kept beside the user objects, not on them: each cache goes when its user object does.
_rule_caches: dict[int, RuleCache] = {}


def rule_cache(user: Viewer) -> RuleCache:
    """The rules' cache for this user object (one per object: a fresh copy of the same person,
    as a new request loads, reads afresh)."""
    key = id(user)
    cache = _rule_caches.get(key)
    if cache is None:
        cache = _rule_caches[key] = RuleCache()
        weakref.finalize(user, _rule_caches.pop, key, None)
    return cache


def org_membership(user: Viewer, organisation: Organisation) -> OrgMembership | None:
    """The person's current membership, cached for the request (`rule_cache`)."""
    if not is_person(user):
        return None
    cache = rule_cache(user).org_memberships
    if organisation.pk not in cache:
        # OrgMembership.objects.current() for a person known to be active (`_is_person`).
        cache[organisation.pk] = _current_org_membership.first(organisation.pk, user.pk)
    return cache[organisation.pk]


def is_current_member(circle_id: int, user_id: int) -> bool:
    """Whether this person is a current member of this circle, read afresh (one lookup)."""
    return _current_circle_membership.first(circle_id, user_id) is not None


def is_circle_member(user: Viewer, circle: Circle) -> bool:
    """Whether the person is a current member of this circle: from the circles already loaded
    for the request, or one lookup by primary keys."""
    if not is_person(user):
        return False
    rules = rule_cache(user)
    loaded = rules.circle_ids
    if circle.organisation_id in loaded:
        return circle.pk in loaded[circle.organisation_id]
    cache = rules.member_of
    if circle.pk not in cache:
        cache[circle.pk] = is_current_member(circle.pk, user.pk)
    return cache[circle.pk]


def circle_ids_of(user: Viewer, organisation: Organisation) -> set[int]:
    """Circles the person is a current member of, cached for the request."""
    if not is_person(user):
        return set()
    cache = rule_cache(user).circle_ids
    if organisation.pk not in cache:
        cache[organisation.pk] = set(
            CircleMembership.objects.current()
            .filter(circle__organisation=organisation, user=user)
            .values_list("circle_id", flat=True)
        )
    return cache[organisation.pk]


def steward_circle_ids(user: Viewer, organisation: Organisation) -> set[int]:
    """Circles where the person currently holds the leader or facilitator role."""
    if not is_person(user):
        return set()
    cache = rule_cache(user).steward_ids
    if organisation.pk not in cache:
        cache[organisation.pk] = set(
            RoleAssignment.objects.current()
            .filter(role__circle__organisation=organisation, role__kind__in=LINK_ROLES, holder=user)
            .values_list("role__circle_id", flat=True)
        )
    return cache[organisation.pk]


# Organisations -----------------------------------------------------------------------------


def can_view_organisation(user: Viewer, organisation: Organisation) -> bool:
    return org_membership(user, organisation) is not None


def can_admin_organisation(user: Viewer, organisation: Organisation) -> bool:
    membership = org_membership(user, organisation)
    return membership is not None and membership.is_admin


def can_create_circle(user: Viewer, organisation: Organisation, parent: Circle | None) -> bool:
    if can_admin_organisation(user, organisation):
        return True
    return parent is not None and parent.pk in steward_circle_ids(user, organisation)


def can_view_person(user: Viewer, organisation: Organisation, person: Any) -> bool:
    return can_view_organisation(user, organisation) and (
        OrgMembership.objects.filter(organisation=organisation, user=person).exists()
    )


def can_invite(user: Viewer, organisation: Organisation) -> bool:
    return can_admin_organisation(user, organisation)


def can_manage_invitation(user: Viewer, invitation: Invitation) -> bool:
    return can_admin_organisation(user, invitation.organisation)


def can_verify_ledger(user: Viewer, organisation: Organisation) -> bool:
    return can_admin_organisation(user, organisation)


# Circles -----------------------------------------------------------------------------------


def _sees(circle: Circle, in_organisation: bool, in_circle: Callable[[], bool]) -> bool:
    """The visibility rule (see "Which circles a person sees" below)."""
    return in_organisation and (not circle.is_private or in_circle())


def can_view_circle(user: Viewer, circle: Circle) -> bool:
    return _sees(
        circle,
        can_view_organisation(user, circle.organisation),
        lambda: is_circle_member(user, circle),
    )


def can_view_circle_now(user: Viewer, circle: Circle) -> bool:
    """can_view_circle read afresh, not from what a request has loaded: for services, which
    decide inside their own transaction."""
    if not is_person(user):
        return False
    in_organisation = _current_org_membership.first(circle.organisation_id, user.pk) is not None
    return _sees(circle, in_organisation, lambda: is_current_member(circle.pk, user.pk))


def can_edit_circle(user: Viewer, circle: Circle) -> bool:
    """Org admins, and the leader or facilitator of the circle or of its parent."""
    if not can_view_circle(user, circle) or circle.is_archived:
        return False
    if can_admin_organisation(user, circle.organisation):
        return True
    stewards = steward_circle_ids(user, circle.organisation)
    return circle.pk in stewards or (circle.parent_id is not None and circle.parent_id in stewards)


def can_archive_circle(user: Viewer, circle: Circle) -> bool:
    if not can_view_circle(user, circle) or circle.is_archived:
        return False
    if can_admin_organisation(user, circle.organisation):
        return True
    return circle.parent_id is not None and circle.parent_id in steward_circle_ids(
        user, circle.organisation
    )


def ended_refusal(circle: Circle) -> str | None:
    """Why no new work starts in this circle (a proposal, a consent round, a backlog item): its
    mandate ran out and it has ended. None while it works. Pages show the sentence; the API and
    the services answer 409 with it (`refuse_if_ended`)."""
    if not circle.has_ended:
        return None
    ended = circle.ends_on or circle.ended_at.date()  # type: ignore[union-attr]
    return _(
        "%(circle)s ended on %(date)s: it takes no new proposals, consent rounds or backlog "
        "items. Its open work went to its parent circle, which can extend its mandate by consent."
    ) % {"circle": isolate(circle.name), "date": date_format(ended, "j M Y")}


def refuse_if_ended(circle: Circle) -> None:
    if (refusal := ended_refusal(circle)) is not None:
        raise ServiceError(refusal, status=409)


def can_propose_extension(user: Viewer, circle: Circle) -> bool:
    """Extending a helping circle's mandate is its parent circle's consent decision: a member of
    the parent (still working) may propose it there."""
    parent = circle.parent
    return (
        circle.kind == Circle.Kind.HELPING
        and not circle.is_archived
        and parent is not None
        and not parent.is_archived
        and not parent.has_ended
        and can_view_circle(user, circle)
        and is_circle_member(user, parent)
    )


def can_manage_members(user: Viewer, circle: Circle) -> bool:
    return can_edit_circle(user, circle)


def can_manage_roles(user: Viewer, circle: Circle) -> bool:
    return can_edit_circle(user, circle)


def can_view_role(user: Viewer, role: Role) -> bool:
    return can_view_circle(user, role.circle)


def can_assign_role(user: Viewer, role: Role) -> bool:
    return can_edit_circle(user, role.circle)


def can_end_assignment(user: Viewer, assignment: RoleAssignment) -> bool:
    return can_edit_circle(user, assignment.role.circle)


# Fetch and authorise in one call -----------------------------------------------------------


def _standing(user: User, organisation: Organisation) -> tuple[set[int], set[int], set[int]]:
    """The circles the person is a member of, which of those are private, and the circles where
    they hold the leader or facilitator role (as circle_ids_of and steward_circle_ids read them:
    archived circles too). One query from the person's own rows, by their indexes (asking each of
    the organisation's circles instead cost 5 ms at 400 circles)."""
    memberships = (
        CircleMembership.objects.current()
        .filter(user=user, circle__organisation=organisation)
        .annotate(steward=Value(False, output_field=BooleanField()))
        .values_list("circle_id", "circle__visibility", "steward")
        .order_by()
    )
    stewardships = (
        RoleAssignment.objects.current()
        .filter(holder=user, role__kind__in=LINK_ROLES, role__circle__organisation=organisation)
        .annotate(steward=Value(True, output_field=BooleanField()))
        .values_list("role__circle_id", "role__circle__visibility", "steward")
        .order_by()
    )
    circles: set[int] = set()
    private: set[int] = set()
    stewards: set[int] = set()
    for pk, visibility, steward in memberships.union(stewardships, all=True):
        if steward:
            stewards.add(pk)
            continue
        circles.add(pk)
        if visibility == Circle.Visibility.PRIVATE:
            private.add(pk)
    return circles, private, stewards


def prime_permissions(user: Viewer, organisation: Organisation) -> None:
    """Load a person's standing in an organisation (membership, circles, stewardships) from the
    cache, keyed on the organisation's ledger version: every change to any of them appends to that
    ledger. The checks above then decide from exact data without a query each; they still run on
    every request. A deactivated account is refused before any of this is read (`_is_person`).
    """
    if not is_person(user):
        return

    def load() -> tuple[OrgMembership | None, set[int], set[int], set[int]]:
        # Read afresh, never from what this request may already hold from before a change. (The
        # person is active, checked above: the current membership is the one not ended.)
        membership = _current_org_membership.first(organisation.pk, user.pk)
        return (membership, *_standing(user, organisation))

    membership, circle_ids, private_ids, steward_ids = ledger_cache.value(
        f"standing:{user.pk}:{organisation.pk}",
        version=ledger_cache.organisation_version(organisation),
        compute=load,
    )
    rules = rule_cache(user)
    rules.org_memberships[organisation.pk] = membership
    rules.circle_ids[organisation.pk] = set(circle_ids)
    rules.private_ids[organisation.pk] = set(private_ids)
    rules.steward_ids[organisation.pk] = set(steward_ids)


def private_circle_ids(organisation: Organisation) -> frozenset[int]:
    """The organisation's private circles (archived ones too), from the cache on its version."""
    return ledger_cache.value(
        f"private-circles:{organisation.pk}",
        version=ledger_cache.organisation_version(organisation),
        compute=lambda: frozenset(
            Circle.objects.filter(
                organisation=organisation, visibility=Circle.Visibility.PRIVATE
            ).values_list("pk", flat=True)
        ),
    )


# Which circles a person sees ----------------------------------------------------------------
#
# One rule: a current member of the organisation sees its open circles, and the private circles
# they are a current member of. can_view_circle applies it to one circle; hidden_circle_ids to
# every circle of the organisation (archived ones too), for lists, feeds and counts;
# `Circle.objects.visible_to` is the same rule as a query. Every list of circles or roles, and
# every mention of a circle on something the person may see (a parent, a sub-circle, where a
# topic was raised from, where a proposal may go), goes through one of them. Where someone must
# know that there is more (an admin removing a person who is also in private circles), they are
# told how many, never which.


def hidden_circle_ids(user: Viewer, organisation: Organisation) -> frozenset[int]:
    """The circles of an organisation (archived too) that this member of it may not see: the
    private ones they are not in."""
    return frozenset(private_circle_ids(organisation) - circle_ids_of(user, organisation))


def visible_only[T](
    user: Viewer,
    organisation: Organisation,
    items: Iterable[T],
    circle_id: Callable[[T], int] | None = None,
) -> list[T]:
    """The items of this list (circles, or with `circle_id`, what belongs to a circle: roles,
    terms, memberships) in circles the person may see, in the list's order."""
    if circle_id is None:
        # Circles themselves: the rule on each, from the rows already loaded.
        in_organisation = can_view_organisation(user, organisation)
        mine = circle_ids_of(user, organisation)
        return [
            item
            for item in items
            if _sees(
                cast(Circle, item),
                in_organisation,
                partial(operator.contains, mine, cast(Circle, item).pk),
            )
        ]
    hidden = hidden_circle_ids(user, organisation)
    return [item for item in items if circle_id(item) not in hidden]


def shown_circle(user: Viewer, circle: Circle | None) -> Circle | None:
    """The circle, if the person may see it: for a mention of a circle on something they see."""
    return circle if circle is not None and can_view_circle(user, circle) else None


def seen_private_ids(user: Viewer, organisation: Organisation) -> tuple[int, ...]:
    """The private circles this person sees (is a member of), sorted: part of a cache key."""
    if not is_person(user):
        return ()
    primed = rule_cache(user).private_ids
    if organisation.pk in primed:
        return tuple(sorted(primed[organisation.pk]))
    return tuple(sorted(private_circle_ids(organisation) & circle_ids_of(user, organisation)))


# Every organisation page starts here: the query is compiled once (circlewise.core.perf.prepared).
_organisation_by_slug = Prepared(
    Organisation, lambda slug: Organisation.objects.filter(slug=slug), "sample"
)


def get_organisation_for(
    user: Viewer, slug: str, *, need: OrganisationNeed = "view"
) -> Organisation:
    organisation = _organisation_by_slug.first(slug)
    if organisation is not None:
        prime_permissions(user, organisation)
    if organisation is None or not can_view_organisation(user, organisation):
        raise Http404
    if need == "admin" and not can_admin_organisation(user, organisation):
        raise PermissionDenied
    # The words its pages use (core.plainwords): every page of it fetches it here first.
    plainwords.use_for(organisation)
    return organisation


def get_circle_for(
    user: Viewer, organisation: Organisation, slug: str, *, need: CircleNeed = "view"
) -> Circle:
    circle = (
        Circle.objects.select_related("organisation", "parent")
        .filter(organisation=organisation, slug=slug)
        .first()
    )
    return _authorise_circle(user, circle, need)


def get_cached_circle_for(
    user: Viewer, organisation: Organisation, slug: str, *, need: CircleNeed = "view"
) -> Circle:
    """get_circle_for, with the circle row (and its parent) from the cache on the organisation's
    ledger version. The check itself runs on every request. For pages that only read."""

    def load() -> Circle | None:
        return (
            Circle.objects.select_related("organisation", "parent")
            .filter(organisation=organisation, slug=slug)
            .first()
        )

    circle = ledger_cache.value(
        f"circle:{organisation.pk}:{slug}",
        version=ledger_cache.organisation_version(organisation),
        compute=load,
    )
    if circle is not None:
        # The organisation this request loaded (and primed), not the copy kept with the row.
        circle.organisation = organisation
    return _authorise_circle(user, circle, need)


def get_circle_by_id_for(user: Viewer, circle_id: int, *, need: CircleNeed = "view") -> Circle:
    circle = Circle.objects.select_related("organisation", "parent").filter(pk=circle_id).first()
    return _authorise_circle(user, circle, need)


def _authorise_circle(user: Viewer, circle: Circle | None, need: CircleNeed) -> Circle:
    if circle is None or not can_view_circle(user, circle):
        raise Http404
    checks: dict[CircleNeed, Callable[[Any, Circle], bool]] = {
        "view": can_view_circle,
        "edit": can_edit_circle,
        "archive": can_archive_circle,
        "members": can_manage_members,
        "roles": can_manage_roles,
    }
    if not checks[need](user, circle):
        raise PermissionDenied
    return circle


def get_role_for(user: Viewer, role_id: int, *, need: RoleNeed = "view") -> Role:
    role = (
        Role.objects.select_related("circle__organisation", "circle__parent")
        .filter(pk=role_id)
        .first()
    )
    if role is None or not can_view_role(user, role):
        raise Http404
    if need == "assign" and not can_assign_role(user, role):
        raise PermissionDenied
    return role


def get_assignment_for(
    user: Viewer, assignment_id: int, *, need: AssignmentNeed = "view"
) -> RoleAssignment:
    assignment = (
        RoleAssignment.objects.select_related("role__circle__organisation", "holder")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None or not can_view_circle(user, assignment.role.circle):
        raise Http404
    if need == "end" and not can_end_assignment(user, assignment):
        raise PermissionDenied
    return assignment
