"""API operations for organisations, circles, memberships, roles and terms.

Each operation authorises through circles.permissions (what a person may not see is 404, what they
see but may not change is 403), calls the same service as the pages, and shapes the answer with
circles.schemas.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router, Status
from ninja.pagination import paginate

from circlewise.accounts.models import User
from circlewise.core.api import Pages, responses
from circlewise.core.api_auth import auth_user
from circlewise.core.errors import ServiceError
from circlewise.core.links import absolute_url

from . import permissions, selectors, services
from .models import (
    Circle,
    CircleMembership,
    Invitation,
    Organisation,
    OrgMembership,
    Role,
    RoleAssignment,
)
from .schemas import (
    AssignmentEndedOut,
    AssignmentIn,
    AssignmentOut,
    CircleCreateIn,
    CircleDetailOut,
    CircleKind,
    CircleMemberIn,
    CircleMemberOut,
    CircleMembershipEndedOut,
    CircleOut,
    CirclePatchIn,
    InvitationCreatedOut,
    InvitationIn,
    InvitationOut,
    OrganisationOut,
    OrganisationPatchIn,
    OrgMemberOut,
    RoleCreateIn,
    RoleDetailOut,
    RoleOut,
    RolePatchIn,
)

router = Router()

# Lookups shared by several operations --------------------------------------------------------


def _person_in(actor: User, organisation: Organisation, user_id: int, *, field: str) -> User:
    """A person named in a request body: someone who is or was in the organisation."""
    person = User.objects.filter(pk=user_id).first()
    if person is None or not permissions.can_view_person(actor, organisation, person):
        raise ServiceError(
            _("There is no one with id %(id)d in this organisation.") % {"id": user_id},
            field=field,
        )
    return person


def _parent_for(actor: User, parent_id: int | None) -> Circle | None:
    """A parent circle named in a request body; one the person cannot see is a bad input."""
    if parent_id is None:
        return None
    try:
        return permissions.get_circle_by_id_for(actor, parent_id)
    except Http404:
        raise ServiceError(
            _("There is no circle with id %(id)d that you can see.") % {"id": parent_id},
            field="parent_id",
        ) from None


def _roles_in_order(circle: Circle) -> QuerySet[Role]:
    """Leader, delegate, facilitator, secretary, then the circle's own roles by name."""
    order = Case(
        *[When(kind=kind, then=Value(i)) for i, kind in enumerate(Role.CIRCLE_ROLES)],
        default=Value(len(Role.CIRCLE_ROLES)),
        output_field=IntegerField(),
    )
    current = RoleAssignment.objects.current().select_related("holder").order_by("term_start")
    return (
        circle.roles.filter(archived_at__isnull=True)
        .select_related("circle")
        .prefetch_related(Prefetch("assignments", queryset=current, to_attr="current_assignments"))
        .annotate(kind_order=order)
        .order_by("kind_order", "name", "pk")
    )


def _link_warnings(user: User, circle: Circle) -> list[str]:
    """What breaks double linking now, by the rule the circle page shows (selectors.links_of):
    the leader and the delegate being one person, or not belonging to the parent circle. A
    vacant role is shown by its empty `holders`. A parent circle the reader may not see (a
    private one) is never named, nor who is in it.
    """
    hidden = permissions.hidden_circle_ids(user, circle.organisation)
    problems = selectors.link_problems(circle.organisation, [circle], hidden=hidden)
    return [selectors.describe_problem(p) for p in problems.get(circle.pk, []) if not p.is_vacancy]


def _circle_detail(user: User, circle: Circle) -> Circle:
    """The circle, carrying what CircleDetailOut shows beside its own fields."""
    roles = list(_roles_in_order(circle))
    circle.detail = {  # type: ignore[attr-defined]
        "roles": roles,
        "link_warnings": _link_warnings(user, circle),
        "can_edit": permissions.can_edit_circle(user, circle),
        "can_archive": permissions.can_archive_circle(user, circle),
    }
    return circle


def _role_detail(role_id: int) -> Role:
    current = RoleAssignment.objects.current().select_related("holder", "role__circle")
    return (
        Role.objects.select_related("circle")
        .prefetch_related(Prefetch("assignments", queryset=current, to_attr="current_assignments"))
        .get(pk=role_id)
    )


# Organisations -----------------------------------------------------------------------------


@router.get(
    "/organisations",
    response=list[OrganisationOut],
    operation_id="listOrganisations",
    summary="The organisations you belong to",
    tags=["organisations"],
)
@paginate(Pages)
def list_organisations(request: HttpRequest) -> QuerySet[Organisation]:
    user = auth_user(request)
    return Organisation.objects.filter(
        memberships__user=user, memberships__ended_at__isnull=True
    ).order_by("name", "pk")


@router.get(
    "/organisations/{slug}",
    response=responses(OrganisationOut),
    operation_id="getOrganisation",
    summary="One organisation: its vision, mission and values",
    tags=["organisations"],
)
def get_organisation(request: HttpRequest, slug: str) -> Organisation:
    return permissions.get_organisation_for(auth_user(request), slug)


@router.patch(
    "/organisations/{slug}",
    response=responses(OrganisationOut),
    operation_id="updateOrganisation",
    summary="Change an organisation's name, vision, mission, values or plain words (admins)",
    tags=["organisations"],
)
def update_organisation(
    request: HttpRequest, slug: str, payload: OrganisationPatchIn
) -> Organisation:
    user = auth_user(request)
    organisation = permissions.get_organisation_for(user, slug, need="admin")
    return services.update_organisation(
        organisation=organisation, actor=user, **payload.model_dump(exclude_unset=True)
    )


@router.get(
    "/organisations/{slug}/members",
    response=list[OrgMemberOut],
    operation_id="listOrganisationMembers",
    summary="The organisation's current members",
    tags=["organisations"],
)
@paginate(Pages)
def list_organisation_members(request: HttpRequest, slug: str) -> QuerySet[OrgMembership]:
    organisation = permissions.get_organisation_for(auth_user(request), slug)
    return (
        OrgMembership.objects.current()
        .filter(organisation=organisation)
        .select_related("user")
        .order_by("user__name", "pk")
    )


@router.post(
    "/organisations/{slug}/invitations",
    response=responses(InvitationCreatedOut, 201),
    operation_id="createInvitation",
    summary="Invite someone by email (admins); the link is shown only in this answer",
    tags=["organisations"],
)
def create_invitation(
    request: HttpRequest, slug: str, payload: InvitationIn
) -> Status[dict[str, Any]]:
    user = auth_user(request)
    organisation = permissions.get_organisation_for(user, slug, need="admin")
    invitation, raw = services.invite(
        organisation=organisation,
        email=payload.email,
        actor=user,
        make_admin=payload.make_admin,
    )
    accept_url = absolute_url(reverse("accept_invitation", kwargs={"token": raw}), request)
    body = {**InvitationOut.from_orm(invitation).model_dump(), "accept_url": accept_url}
    return Status(201, body)


@router.delete(
    "/organisations/{slug}/invitations/{invitation_id}",
    response=responses(InvitationOut),
    operation_id="revokeInvitation",
    summary="Withdraw an invitation that has not been used (admins)",
    tags=["organisations"],
)
def revoke_invitation(request: HttpRequest, slug: str, invitation_id: int) -> Invitation:
    user = auth_user(request)
    organisation = permissions.get_organisation_for(user, slug, need="admin")
    invitation = Invitation.objects.filter(organisation=organisation, pk=invitation_id).first()
    if invitation is None or not permissions.can_manage_invitation(user, invitation):
        raise Http404
    return services.revoke_invitation(invitation=invitation, actor=user)


# Circles -----------------------------------------------------------------------------------


@router.get(
    "/organisations/{slug}/circles",
    response=list[CircleOut],
    operation_id="listCircles",
    summary="The circles of an organisation that you can see",
    tags=["circles"],
)
@paginate(Pages)
def list_circles(
    request: HttpRequest,
    slug: str,
    parent: QueryEx[int | None, P(description="Only the circles directly inside this one.")] = None,
    kind: QueryEx[CircleKind | None, P(description="Only circles of this kind.")] = None,
    include_archived: QueryEx[bool, P(description="Archived circles too.")] = False,
) -> QuerySet[Circle]:
    user = auth_user(request)
    organisation = permissions.get_organisation_for(user, slug)
    circles = Circle.objects.visible_to(user, organisation).select_related("organisation")
    if parent is not None:
        circles = circles.filter(parent_id=parent)
    if kind is not None:
        circles = circles.filter(kind=kind)
    if not include_archived:
        circles = circles.active()
    return circles.order_by("name", "pk")


@router.post(
    "/organisations/{slug}/circles",
    response=responses(CircleDetailOut, 201),
    operation_id="createCircle",
    summary="Form a circle (admins, or the leader or facilitator of its parent)",
    tags=["circles"],
)
def create_circle(request: HttpRequest, slug: str, payload: CircleCreateIn) -> Status[Circle]:
    user = auth_user(request)
    organisation = permissions.get_organisation_for(user, slug)
    parent = _parent_for(user, payload.parent_id)
    if not permissions.can_create_circle(user, organisation, parent):
        raise PermissionDenied
    # As on the page, the person forming the circle is its first member unless they say otherwise.
    member_ids = [user.pk] if payload.member_ids is None else payload.member_ids
    members = [_person_in(user, organisation, pk, field="member_ids") for pk in member_ids]
    try:
        circle = services.create_circle(
            organisation=organisation,
            actor=user,
            parent=parent,
            members=members,
            **payload.model_dump(exclude={"parent_id", "member_ids"}),
        )
    except ServiceError as error:
        if error.field != "members":
            raise
        raise ServiceError(error.text, field="member_ids", status=error.status) from None
    return Status(201, _circle_detail(user, circle))


@router.get(
    "/circles/{circle_id}",
    response=responses(CircleDetailOut),
    operation_id="getCircle",
    summary="One circle, with its roles, their current holders and double-link warnings",
    tags=["circles"],
)
def get_circle(request: HttpRequest, circle_id: int) -> Circle:
    user = auth_user(request)
    circle = permissions.get_circle_by_id_for(user, circle_id)
    return _circle_detail(user, circle)


@router.patch(
    "/circles/{circle_id}",
    response=responses(CircleDetailOut),
    operation_id="updateCircle",
    summary="Change a circle's description, kind, visibility or parent",
    tags=["circles"],
)
def update_circle(request: HttpRequest, circle_id: int, payload: CirclePatchIn) -> Circle:
    user = auth_user(request)
    circle = permissions.get_circle_by_id_for(user, circle_id, need="edit")
    fields = payload.model_dump(exclude_unset=True)
    if "parent_id" in fields:
        fields["parent"] = _parent_for(user, fields.pop("parent_id"))
    circle = services.update_circle(circle=circle, actor=user, **fields)
    return _circle_detail(user, circle)


@router.post(
    "/circles/{circle_id}/archive",
    response=responses(CircleOut),
    operation_id="archiveCircle",
    summary="Archive a circle; its current terms end",
    tags=["circles"],
)
def archive_circle(request: HttpRequest, circle_id: int) -> Circle:
    user = auth_user(request)
    circle = permissions.get_circle_by_id_for(user, circle_id, need="archive")
    return services.archive_circle(circle=circle, actor=user)


# Circle memberships ------------------------------------------------------------------------


@router.get(
    "/circles/{circle_id}/members",
    response=list[CircleMemberOut],
    operation_id="listCircleMembers",
    summary="A circle's members (with include_past, also those who left)",
    tags=["circles"],
)
@paginate(Pages)
def list_circle_members(
    request: HttpRequest,
    circle_id: int,
    include_past: QueryEx[bool, P(description="Those who left too.")] = False,
) -> QuerySet[CircleMembership]:
    circle = permissions.get_circle_by_id_for(auth_user(request), circle_id)
    memberships = circle.memberships.select_related("user")
    if not include_past:
        memberships = memberships.current()
    return memberships.order_by("user__name", "-started_on", "pk")


@router.post(
    "/circles/{circle_id}/members",
    response=responses(CircleMemberOut, 201),
    operation_id="addCircleMember",
    summary="Add a member of the organisation to a circle",
    tags=["circles"],
)
def add_circle_member(
    request: HttpRequest, circle_id: int, payload: CircleMemberIn
) -> Status[CircleMembership]:
    user = auth_user(request)
    circle = permissions.get_circle_by_id_for(user, circle_id, need="members")
    person = _person_in(user, circle.organisation, payload.user_id, field="user_id")
    return Status(201, services.add_member(circle=circle, user=person, actor=user))


@router.delete(
    "/circles/{circle_id}/members/{user_id}",
    response=responses(CircleMembershipEndedOut),
    operation_id="endCircleMembership",
    summary="End someone's membership of a circle (the history is kept)",
    tags=["circles"],
)
def end_circle_membership(request: HttpRequest, circle_id: int, user_id: int) -> CircleMembership:
    user = auth_user(request)
    circle = permissions.get_circle_by_id_for(user, circle_id, need="members")
    person = User.objects.filter(pk=user_id).first()
    if person is None or not permissions.can_view_person(user, circle.organisation, person):
        raise Http404
    # What it breaks is read before, and told after: the removal is not refused for it.
    breaks = selectors.link_break_sentences(user, circle.organisation, person, leaving=circle)
    membership = services.end_membership(circle=circle, user=person, actor=user)
    membership.breaks_links = breaks  # type: ignore[attr-defined]
    return membership


# Roles and terms ---------------------------------------------------------------------------


@router.get(
    "/circles/{circle_id}/roles",
    response=list[RoleOut],
    operation_id="listRoles",
    summary="A circle's roles and their current holders",
    tags=["roles"],
)
@paginate(Pages)
def list_roles(request: HttpRequest, circle_id: int) -> QuerySet[Role]:
    circle = permissions.get_circle_by_id_for(auth_user(request), circle_id)
    return _roles_in_order(circle)


@router.post(
    "/circles/{circle_id}/roles",
    response=responses(RoleDetailOut, 201),
    operation_id="createRole",
    summary="Create a role in a circle",
    tags=["roles"],
)
def create_role(request: HttpRequest, circle_id: int, payload: RoleCreateIn) -> Status[Role]:
    user = auth_user(request)
    circle = permissions.get_circle_by_id_for(user, circle_id, need="roles")
    role = services.create_role(circle=circle, actor=user, **payload.model_dump())
    return Status(201, _role_detail(role.pk))


@router.get(
    "/roles/{role_id}",
    response=responses(RoleDetailOut),
    operation_id="getRole",
    summary="One role, with its current holders and every past term",
    tags=["roles"],
)
def get_role(request: HttpRequest, role_id: int) -> Role:
    role = permissions.get_role_for(auth_user(request), role_id)
    return _role_detail(role.pk)


@router.patch(
    "/roles/{role_id}",
    response=responses(RoleDetailOut),
    operation_id="updateRole",
    summary="Change a role's description or default term",
    tags=["roles"],
)
def update_role(request: HttpRequest, role_id: int, payload: RolePatchIn) -> Role:
    user = auth_user(request)
    role = permissions.get_role_for(user, role_id)
    if not permissions.can_manage_roles(user, role.circle):
        raise PermissionDenied
    services.update_role(role=role, actor=user, **payload.model_dump(exclude_unset=True))
    return _role_detail(role.pk)


@router.post(
    "/roles/{role_id}/assignments",
    response=responses(AssignmentOut, 201),
    operation_id="assignRole",
    summary="Give a role to someone for a term",
    tags=["roles"],
)
def assign_role(
    request: HttpRequest, role_id: int, payload: AssignmentIn
) -> Status[RoleAssignment]:
    user = auth_user(request)
    role = permissions.get_role_for(user, role_id, need="assign")
    holder = _person_in(user, role.circle.organisation, payload.holder_id, field="holder_id")
    assignment = services.assign_role(
        role=role,
        holder=holder,
        actor=user,
        term_start=payload.term_start,
        term_end=payload.term_end,
    )
    return Status(201, assignment)


@router.post(
    "/assignments/{assignment_id}/end",
    response=responses(AssignmentEndedOut),
    operation_id="endAssignment",
    summary="End a term early",
    tags=["roles"],
)
def end_assignment(request: HttpRequest, assignment_id: int) -> RoleAssignment:
    user = auth_user(request)
    assignment = permissions.get_assignment_for(user, assignment_id, need="end")
    breaks = []
    if assignment.ended_on is None:
        organisation = assignment.role.circle.organisation
        breaks = selectors.link_break_sentences(
            user, organisation, assignment.holder, ending=assignment
        )
    ended = services.end_assignment(assignment=assignment, actor=user)
    ended.breaks_links = breaks  # type: ignore[attr-defined]
    return ended


@router.get(
    "/organisations/{slug}/terms",
    response=list[AssignmentOut],
    operation_id="listTerms",
    summary="Terms that have expired or end within the warning period, soonest first",
    tags=["terms"],
)
@paginate(Pages)
def list_terms(request: HttpRequest, slug: str) -> QuerySet[RoleAssignment]:
    user = auth_user(request)
    organisation = permissions.get_organisation_for(user, slug)
    visible = Circle.objects.visible_to(user, organisation).active().values("pk")
    return (
        RoleAssignment.objects.needing_attention(timezone.localdate(), settings.TERM_WARNING_DAYS)
        .filter(role__circle__in=visible, role__archived_at__isnull=True)
        .select_related("holder", "role__circle")
        .order_by("term_end", "pk")
    )
