"""Pages that change organisations, circles, memberships and roles.

Each view authorises through circles.permissions, parses a form, calls one service and redirects
with a message. A ServiceError is shown beside the field it names (or above the form) with its
status, and nothing changes.
"""

from __future__ import annotations

import smtplib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from circlewise.accounts.models import User
from circlewise.core.errors import ServiceError
from circlewise.core.links import absolute_url

from .. import selectors, services
from ..forms import (
    AssignForm,
    CircleForm,
    InviteForm,
    MemberAddForm,
    OrganisationForm,
    RoleForm,
)
from ..models import (
    Circle,
    CircleMembership,
    Invitation,
    Organisation,
    OrgMembership,
    Role,
    RoleAssignment,
)
from ..permissions import (
    CircleNeed,
    can_admin_organisation,
    can_archive_circle,
    can_assign_role,
    can_create_circle,
    can_end_assignment,
    get_assignment_for,
    get_circle_for,
    get_organisation_for,
    get_role_for,
    hidden_circle_ids,
    steward_circle_ids,
    visible_only,
)

GET_POST = require_http_methods(["GET", "HEAD", "POST"])
SUBMISSION_SECONDS = 60 * 60


# Helpers -----------------------------------------------------------------------------------


def _person(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # login_required has already sent anonymous people away
        raise PermissionDenied
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _show_error(form: Form, error: ServiceError) -> None:
    """Put the service's message beside the field it names, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.text)


def _claim_submission(request: HttpRequest, fallback: str = "") -> tuple[str, HttpResponse | None]:
    """Let a form's one-time token through once; a second send goes where the first went.

    The services refuse most duplicates themselves; this covers creating things (a circle, a
    role, an invitation), where two identical requests would otherwise make two.
    """
    token = request.POST.get("submission", "")[:64]
    if not token:
        return "", None
    key = f"circlewise:submission:{request.user.pk}:{token}"
    if cache.add(key, "", SUBMISSION_SECONDS):
        return key, None
    messages.info(request, _("That form had already been sent, so nothing changed."))
    # Still empty while the first request is running: back to the form, which shows the outcome.
    return key, redirect(cache.get(key) or fallback or request.get_full_path())


def _finish_submission(key: str, url: str) -> None:
    if key:
        cache.set(key, url, SUBMISSION_SECONDS)


def _release_submission(key: str) -> None:
    if key:
        cache.delete(key)


def _circle_in(request: HttpRequest, org: str, circle: str, *, need: CircleNeed) -> Circle:
    organisation = get_organisation_for(request.user, org)
    return get_circle_for(request.user, organisation, circle, need=need)


def _check_circle_path(circle: Circle, org: str, circle_slug: str) -> None:
    """A role or term reached through another circle's address is not found there."""
    if circle.organisation.slug != org or circle.slug != circle_slug:
        raise Http404


def _role_in(request: HttpRequest, org: str, circle: str, role_id: int) -> Role:
    """The role, if it belongs to the circle in the address and the person may fill it."""
    role = get_role_for(request.user, role_id)
    _check_circle_path(role.circle, org, circle)
    if not can_assign_role(request.user, role):
        raise PermissionDenied
    return role


def _org_people(organisation: Organisation) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        org_memberships__organisation=organisation,
        org_memberships__ended_at__isnull=True,
    ).order_by("name")


def _circle_url(circle: Circle) -> str:
    return reverse("circles:circle_detail", args=[circle.organisation.slug, circle.slug])


def _role_url(role: Role) -> str:
    circle = role.circle
    return reverse("circles:role_detail", args=[circle.organisation.slug, circle.slug, role.pk])


# The organisation --------------------------------------------------------------------------


@login_required
@GET_POST
def org_edit(request: HttpRequest, org: str) -> HttpResponse:
    organisation = get_organisation_for(request.user, org, need="admin")
    initial = {k: getattr(organisation, k) for k in ("name", "vision", "mission", "values")}
    form = OrganisationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.update_organisation(
                    organisation=organisation, actor=_person(request), **form.cleaned_data
                )
            except ServiceError as error:
                _show_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The organisation's details are saved."))
                return redirect("circles:org_about", org=organisation.slug)
    context = {"organisation": organisation, "form": form}
    return render(request, "circles/manage/org_edit.html", context, status=status)


def _members_page(
    request: HttpRequest,
    organisation: Organisation,
    *,
    invite_form: InviteForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    is_admin = can_admin_organisation(request.user, organisation)
    members = (
        OrgMembership.objects.current()
        .filter(organisation=organisation)
        .select_related("user")
        .order_by("user__name")
    )
    invitations: list[Invitation] = []
    if is_admin:
        invitations = list(
            Invitation.objects.filter(
                organisation=organisation,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            ).select_related("invited_by")
        )
    context = {
        "organisation": organisation,
        "members": members,
        "is_admin": is_admin,
        "invitations": invitations,
        "invite_form": invite_form or InviteForm(),
        "error": error,
        "admin_count": sum(1 for m in members if m.is_admin),
    }
    return render(request, "circles/manage/org_members.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def org_members(request: HttpRequest, org: str) -> HttpResponse:
    organisation = get_organisation_for(request.user, org)
    return _members_page(request, organisation)


def _send_invitation(
    request: HttpRequest, invitation: Invitation, raw_token: str, inviter: User
) -> bool:
    link = absolute_url(reverse("accept_invitation", args=[raw_token]), request)
    organisation = invitation.organisation
    expires = formats.date_format(timezone.localtime(invitation.expires_at), "j F Y")
    subject = _("%(inviter)s invites you to join %(organisation)s on Circlewise") % {
        "inviter": inviter.name,
        "organisation": organisation.name,
    }
    body = _(
        "Hello,\n\n"
        "%(inviter)s invites you to join %(organisation)s on Circlewise, where its circles "
        "keep their aims, roles and decisions in one place.\n\n"
        "To accept, open this link and sign in or create your account with this email "
        "address:\n\n"
        "%(link)s\n\n"
        "The link works once and expires on %(expires)s. If you did not expect this "
        "invitation, you can ignore this email.\n"
    ) % {
        "inviter": inviter.name,
        "organisation": organisation.name,
        "link": link,
        "expires": expires,
    }
    try:
        send_mail(subject, body, None, [invitation.email])
    except (OSError, smtplib.SMTPException):
        # The invitation exists; the admin can pass the link on another way.
        messages.warning(
            request,
            _(
                "The invitation was made but the email could not be sent. Send %(email)s this "
                "link yourself: %(link)s"
            )
            % {"email": invitation.email, "link": link},
        )
        return False
    return True


@login_required
@require_POST
def invite(request: HttpRequest, org: str) -> HttpResponse:
    organisation = get_organisation_for(request.user, org, need="admin")
    actor = _person(request)
    form = InviteForm(request.POST)
    members_url = reverse("circles:org_members", args=[organisation.slug])
    key, repeated = _claim_submission(request, members_url)
    if repeated is not None:
        return repeated
    if not form.is_valid():
        _release_submission(key)
        return _members_page(request, organisation, invite_form=form, status=400)
    try:
        invitation, raw_token = services.invite(
            organisation=organisation,
            email=form.cleaned_data["email"],
            actor=actor,
            make_admin=form.cleaned_data["make_admin"],
        )
    except ServiceError as error:
        _release_submission(key)
        _show_error(form, error)
        return _members_page(request, organisation, invite_form=form, status=error.status)
    _finish_submission(key, members_url)
    if _send_invitation(request, invitation, raw_token, actor):
        messages.success(
            request, _("An invitation is on its way to %(email)s.") % {"email": invitation.email}
        )
    return redirect(members_url)


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, org: str, invitation_id: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, org, need="admin")
    invitation = Invitation.objects.filter(organisation=organisation, pk=invitation_id).first()
    if invitation is None:
        raise Http404
    try:
        services.revoke_invitation(invitation=invitation, actor=_person(request))
    except ServiceError as error:
        return _members_page(request, organisation, error=error.text, status=error.status)
    messages.success(
        request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email}
    )
    return redirect("circles:org_members", org=organisation.slug)


def _org_membership(organisation: Organisation, user_id: int) -> OrgMembership:
    """The person's latest membership of the organisation; 404 if they never belonged."""
    membership = (
        OrgMembership.objects.filter(organisation=organisation, user_id=user_id)
        .select_related("user")
        .order_by("ended_at", "-started_at")  # the current one (NULL end) first
        .first()
    )
    if membership is None:
        raise Http404
    return membership


@login_required
@require_POST
def set_admin(request: HttpRequest, org: str, user_id: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, org, need="admin")
    membership = _org_membership(organisation, user_id)
    person = membership.user
    make_admin = request.POST.get("is_admin") == "1"
    if membership.is_current and membership.is_admin == make_admin:
        # Sent twice: the first request already did it.
        messages.info(request, _("Nothing to change: that was already so."))
        return redirect("circles:org_members", org=organisation.slug)
    try:
        services.set_org_admin(
            organisation=organisation, user=person, is_admin=make_admin, actor=_person(request)
        )
    except ServiceError as error:
        return _members_page(request, organisation, error=error.text, status=error.status)
    if make_admin:
        text = _("%(name)s is now an organisation admin.")
    else:
        text = _("%(name)s is no longer an organisation admin.")
    messages.success(request, text % {"name": person.name})
    return redirect("circles:org_members", org=organisation.slug)


@login_required
@GET_POST
def remove_member(request: HttpRequest, org: str, user_id: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, org, need="admin")
    membership = _org_membership(organisation, user_id)
    person = membership.user
    error, status = "", 200
    if request.method == "POST":
        try:
            services.remove_org_member(
                organisation=organisation, user=person, actor=_person(request)
            )
        except ServiceError as exc:
            error, status = exc.text, exc.status
        else:
            messages.success(
                request,
                _("%(name)s is no longer a member of %(organisation)s.")
                % {"name": person.name, "organisation": organisation.name},
            )
            if person.pk == request.user.pk:
                return redirect("home")
            return redirect("circles:org_members", org=organisation.slug)
    elif not membership.is_current:
        raise Http404
    # The admin is told of every circle the person leaves, but by name only of those they may see:
    # of the others, how many.
    circles = list(
        Circle.objects.filter(
            memberships__user=person,
            memberships__ended_on__isnull=True,
            organisation=organisation,
        ).order_by("name")
    )
    shown = visible_only(request.user, organisation, circles)
    roles = visible_only(
        request.user,
        organisation,
        RoleAssignment.objects.current()
        .filter(holder=person, role__circle__organisation=organisation)
        .select_related("role__circle")
        .order_by("role__circle__name", "role__name"),
        circle_id=lambda assignment: assignment.role.circle_id,
    )
    context = {
        "organisation": organisation,
        "person": person,
        "circles": shown,
        "unseen_circles": len(circles) - len(shown),
        "roles": roles,
        "link_breaks": selectors.link_break_sentences(request.user, organisation, person),
        "error": error,
    }
    return render(request, "circles/manage/member_remove.html", context, status=status)


# Circles -----------------------------------------------------------------------------------


def _visible_active_circle_ids(user: User, organisation: Organisation) -> set[int]:
    return set(Circle.objects.active().visible_to(user, organisation).values_list("pk", flat=True))


@login_required
@GET_POST
def circle_create(request: HttpRequest, org: str) -> HttpResponse:
    organisation = get_organisation_for(request.user, org)
    user = _person(request)
    is_admin = can_admin_organisation(user, organisation)
    allowed = _visible_active_circle_ids(user, organisation)
    if not is_admin:
        allowed &= steward_circle_ids(user, organisation)
    preset: Circle | None = None
    if request.GET.get("parent"):
        preset = get_circle_for(user, organisation, request.GET["parent"])
        if preset.is_archived or not can_create_circle(user, organisation, preset):
            raise PermissionDenied
    elif not is_admin and not allowed:
        raise PermissionDenied
    parents = Circle.objects.filter(pk__in=allowed).order_by("name")
    # Its first members, the person forming it ticked: they land on the circle, which (if private)
    # only its members see.
    form = CircleForm(
        request.POST or None,
        parents=parents,
        parent_required=not is_admin,
        people=_org_people(organisation),
        initial={"parent": preset, "members": [user.pk]},
    )
    status = 200
    if request.method == "POST":
        status = 400
        key, repeated = _claim_submission(request)
        if repeated is not None:
            return repeated
        if not form.is_valid():
            _release_submission(key)
        else:
            data = {k: v for k, v in form.cleaned_data.items() if k != "submission"}
            if not can_create_circle(user, organisation, data["parent"]):
                _release_submission(key)
                raise PermissionDenied
            try:
                circle = services.create_circle(organisation=organisation, actor=user, **data)
            except ServiceError as error:
                _release_submission(key)
                _show_error(form, error)
                status = error.status
            else:
                url = _circle_url(circle)
                _finish_submission(key, url)
                messages.success(request, _("%(name)s is created.") % {"name": circle.name})
                return redirect(url)
    context = {"organisation": organisation, "form": form, "parent": preset}
    return render(request, "circles/manage/circle_form.html", context, status=status)


def _descendant_ids(circle: Circle) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Circle.objects.filter(organisation_id=circle.organisation_id).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    todo = [circle.pk]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@login_required
@GET_POST
def circle_edit(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    the_circle = _circle_in(request, org, circle, need="edit")
    user = _person(request)
    organisation = the_circle.organisation
    visible = _visible_active_circle_ids(user, organisation)
    allowed = visible - _descendant_ids(the_circle)
    allowed.discard(the_circle.pk)
    # A parent the editor may not see (a private one they are not in) is neither offered nor
    # named: the circle stays where it is, and the form does not ask.
    parent_hidden = the_circle.parent_id is not None and the_circle.parent_id in (
        hidden_circle_ids(user, organisation)
    )
    if the_circle.parent_id is not None:
        allowed.add(the_circle.parent_id)
    parents = Circle.objects.filter(pk__in=allowed).order_by("name")
    fields: tuple[str, ...] = (
        "name", "aim", "domain", "kind", "parent", "mandate", "ends_on", "visibility",
    )  # fmt: skip
    if parent_hidden:
        fields = tuple(k for k in fields if k != "parent")
    initial = {k: getattr(the_circle, k) for k in fields}
    form = CircleForm(request.POST or None, parents=parents, initial=initial)
    if parent_hidden:
        del form.fields["parent"]
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k in fields}
            try:
                services.update_circle(circle=the_circle, actor=user, **data)
            except ServiceError as error:
                _show_error(form, error)
                status = error.status
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": data["name"]})
                return redirect(_circle_url(the_circle))
    context = {
        "organisation": organisation,
        "circle": the_circle,
        "form": form,
        "can_archive": can_archive_circle(user, the_circle),
        "parent_hidden": parent_hidden,
    }
    return render(request, "circles/manage/circle_form.html", context, status=status)


@login_required
@GET_POST
def circle_archive(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    the_circle = _circle_in(request, org, circle, need="archive")
    error, status = "", 200
    if request.method == "POST":
        try:
            services.archive_circle(circle=the_circle, actor=_person(request))
        except ServiceError as exc:
            error, status = exc.text, exc.status
        else:
            messages.success(request, _("%(name)s is archived.") % {"name": the_circle.name})
            return redirect(_circle_url(the_circle))
    # Sub-circles keep it from being archived: those the person may not see are counted, not named.
    sub_circles = list(the_circle.children.active().order_by("name"))
    shown = visible_only(request.user, the_circle.organisation, sub_circles)
    context = {
        "organisation": the_circle.organisation,
        "circle": the_circle,
        "members": the_circle.memberships.current().select_related("user").order_by("user__name"),
        "assignments": RoleAssignment.objects.current()
        .filter(role__circle=the_circle)
        .select_related("role", "holder"),
        "sub_circles": shown,
        "unseen_sub_circles": len(sub_circles) - len(shown),
        "error": error,
    }
    return render(request, "circles/manage/circle_archive.html", context, status=status)


# Memberships -------------------------------------------------------------------------------


@login_required
@GET_POST
def member_add(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    the_circle = _circle_in(request, org, circle, need="members")
    user = _person(request)
    members = the_circle.memberships.current().select_related("user").order_by("user__name")
    people = _org_people(the_circle.organisation).exclude(
        pk__in=the_circle.memberships.current().values("user_id")
    )
    form = MemberAddForm(request.POST or None, people=people)
    status, added = 200, ""
    if request.method == "POST":
        status = 400
        key, repeated = _claim_submission(request)
        if repeated is not None:
            return repeated
        if not form.is_valid():
            _release_submission(key)
        else:
            person = form.cleaned_data["user"]
            try:
                services.add_member(circle=the_circle, user=person, actor=user)
            except ServiceError as error:
                _release_submission(key)
                _show_error(form, error)
                status = error.status
            else:
                url = _circle_url(the_circle)
                _finish_submission(key, url)
                added = _("%(name)s is now a member of %(circle)s.") % {
                    "name": person.name,
                    "circle": the_circle.name,
                }
                if not _is_htmx(request):
                    messages.success(request, added)
                    return redirect(url)
                # htmx: answer with a fresh form so that several people can be added in a row.
                status = 200
                form = MemberAddForm(people=people.exclude(pk=person.pk))
    context = {
        "organisation": the_circle.organisation,
        "circle": the_circle,
        "form": form,
        "members": members,
        "added": added,
    }
    template = "circles/manage/member_add.html"
    if _is_htmx(request):
        # htmx swaps only 2xx answers, so a refused form comes back as 200 with its errors.
        response = render(request, template + "#panel", context)
        if added:
            response["HX-Trigger"] = "circlewise:members-changed"
        return response
    return render(request, template, context, status=status)


@login_required
@GET_POST
def member_end(request: HttpRequest, org: str, circle: str, user_id: int) -> HttpResponse:
    the_circle = _circle_in(request, org, circle, need="members")
    person = User.objects.filter(pk=user_id, circle_memberships__circle=the_circle).first()
    if person is None:
        raise Http404
    error, status = "", 200
    if request.method == "POST":
        try:
            services.end_membership(circle=the_circle, user=person, actor=_person(request))
        except ServiceError as exc:
            error, status = exc.text, exc.status
        else:
            messages.success(
                request,
                _("%(name)s is no longer a member of %(circle)s.")
                % {"name": person.name, "circle": the_circle.name},
            )
            return redirect(_circle_url(the_circle))
    elif not CircleMembership.objects.current().filter(circle=the_circle, user=person).exists():
        raise Http404
    context = {
        "organisation": the_circle.organisation,
        "circle": the_circle,
        "person": person,
        "assignments": RoleAssignment.objects.current()
        .filter(role__circle=the_circle, holder=person)
        .select_related("role"),
        "link_breaks": selectors.link_break_sentences(
            request.user, the_circle.organisation, person, leaving=the_circle
        ),
        "error": error,
    }
    return render(request, "circles/manage/member_end.html", context, status=status)


# Roles and terms ---------------------------------------------------------------------------


@login_required
@GET_POST
def role_create(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    the_circle = _circle_in(request, org, circle, need="roles")
    form = RoleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        key, repeated = _claim_submission(request)
        if repeated is not None:
            return repeated
        if not form.is_valid():
            _release_submission(key)
        else:
            data = {k: v for k, v in form.cleaned_data.items() if k != "submission"}
            try:
                role = services.create_role(circle=the_circle, actor=_person(request), **data)
            except ServiceError as error:
                _release_submission(key)
                _show_error(form, error)
                status = error.status
            else:
                url = _role_url(role)
                _finish_submission(key, url)
                messages.success(request, _("The role %(name)s is created.") % {"name": role.name})
                return redirect(url)
    context = {"organisation": the_circle.organisation, "circle": the_circle, "form": form}
    return render(request, "circles/manage/role_form.html", context, status=status)


@login_required
@GET_POST
def role_edit(request: HttpRequest, org: str, circle: str, role_id: int) -> HttpResponse:
    role = _role_in(request, org, circle, role_id)
    if role.archived_at is not None:
        raise Http404
    fields = ("name", "aim", "domain", "responsibilities", "default_term_months")
    initial = {k: getattr(role, k) for k in fields}
    form = RoleForm(request.POST or None, initial=initial, fixed_name=role.is_circle_role)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k in fields}
            try:
                services.update_role(role=role, actor=_person(request), **data)
            except ServiceError as error:
                _show_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The role %(name)s is saved.") % {"name": role.name})
                return redirect(_role_url(role))
    context = {
        "organisation": role.circle.organisation,
        "circle": role.circle,
        "role": role,
        "form": form,
    }
    return render(request, "circles/manage/role_form.html", context, status=status)


@login_required
@GET_POST
def role_assign(request: HttpRequest, org: str, circle: str, role_id: int) -> HttpResponse:
    role = _role_in(request, org, circle, role_id)
    user = _person(request)
    start = timezone.localdate()
    initial: dict[str, Any] = {
        "term_start": start,
        "term_end": services.add_months(start, role.default_term_months),
    }
    form = AssignForm(
        request.POST or None,
        initial=initial,
        people=_org_people(role.circle.organisation),
        default_term_months=role.default_term_months,
    )
    status = 200
    if request.method == "POST":
        status = 400
        key, repeated = _claim_submission(request)
        if repeated is not None:
            return repeated
        if not form.is_valid():
            _release_submission(key)
        else:
            holder = form.cleaned_data["holder"]
            try:
                assignment = services.assign_role(
                    role=role,
                    holder=holder,
                    actor=user,
                    term_start=form.cleaned_data["term_start"],
                    term_end=form.cleaned_data["term_end"],
                )
            except ServiceError as error:
                _release_submission(key)
                _show_error(form, error)
                status = error.status
            else:
                url = _role_url(role)
                _finish_submission(key, url)
                messages.success(
                    request,
                    _("%(name)s holds the role %(role)s until %(end)s.")
                    % {
                        "name": holder.name,
                        "role": role.name,
                        "end": formats.date_format(assignment.term_end, "j F Y"),
                    },
                )
                return redirect(url)
    holders = list(RoleAssignment.objects.current().filter(role=role).select_related("holder"))
    context = {
        "organisation": role.circle.organisation,
        "circle": role.circle,
        "role": role,
        "holders": holders,
        "form": form,
    }
    return render(request, "circles/manage/role_assign.html", context, status=status)


@login_required
@GET_POST
def assignment_end(request: HttpRequest, org: str, circle: str, assignment_id: int) -> HttpResponse:
    assignment = get_assignment_for(request.user, assignment_id)
    role = assignment.role
    _check_circle_path(role.circle, org, circle)
    if not can_end_assignment(request.user, assignment):
        raise PermissionDenied
    error, status = "", 200
    if request.method == "POST":
        try:
            services.end_assignment(assignment=assignment, actor=_person(request))
        except ServiceError as exc:
            error, status = exc.text, exc.status
        else:
            messages.success(
                request,
                _("%(name)s's term as %(role)s has ended.")
                % {"name": assignment.holder.name, "role": role.name},
            )
            return redirect(_role_url(role))
    context = {
        "organisation": role.circle.organisation,
        "circle": role.circle,
        "role": role,
        "assignment": assignment,
        "link_breaks": []
        if assignment.ended_on
        else selectors.link_break_sentences(
            request.user, role.circle.organisation, assignment.holder, ending=assignment
        ),
        "error": error,
    }
    return render(request, "circles/manage/assignment_end.html", context, status=status)
