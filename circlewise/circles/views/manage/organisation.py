"""Pages that change an organisation: its details, its members and admins, invitations.

Each view authorises through circles.permissions, parses a form, calls one service and redirects
with a message. A ServiceError is shown beside the field it names (or above the form) with its
status, and nothing changes.
"""

from __future__ import annotations

import smtplib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from circlewise.accounts.models import User
from circlewise.core.links import absolute_url
from circlewise.core.views import attempt, person

from ... import selectors, services
from ...forms import (
    InviteForm,
    OrganisationForm,
)
from ...models import (
    Circle,
    Invitation,
    Organisation,
    OrgMembership,
    RoleAssignment,
)
from ...permissions import (
    can_admin_organisation,
    get_organisation_for,
    visible_only,
)
from ._common import GET_POST, _claim_submission, _finish_submission, _release_submission

# The organisation --------------------------------------------------------------------------


@login_required
@GET_POST
def org_edit(request: HttpRequest, org: str) -> HttpResponse:
    organisation = get_organisation_for(request.user, org, need="admin")
    names = ("name", "vision", "mission", "values", "plain_words")
    initial = {k: getattr(organisation, k) for k in names}
    form = OrganisationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with attempt(form) as done:
                services.update_organisation(
                    organisation=organisation, actor=person(request), **form.cleaned_data
                )
            if done.ok:
                messages.success(request, _("The organisation's details are saved."))
                return redirect("circles:org_about", org=organisation.slug)
            status = done.status
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
    actor = person(request)
    form = InviteForm(request.POST)
    members_url = reverse("circles:org_members", args=[organisation.slug])
    key, repeated = _claim_submission(request, members_url)
    if repeated is not None:
        return repeated
    if not form.is_valid():
        _release_submission(key)
        return _members_page(request, organisation, invite_form=form, status=400)
    with attempt(form) as done:
        invitation, raw_token = services.invite(
            organisation=organisation,
            email=form.cleaned_data["email"],
            actor=actor,
            make_admin=form.cleaned_data["make_admin"],
        )
    if not done.ok:
        _release_submission(key)
        return _members_page(request, organisation, invite_form=form, status=done.status)
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
    with attempt() as done:
        services.revoke_invitation(invitation=invitation, actor=person(request))
    if not done.ok:
        return _members_page(request, organisation, error=done.text, status=done.status)
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
    member = membership.user
    make_admin = request.POST.get("is_admin") == "1"
    if membership.is_current and membership.is_admin == make_admin:
        # Sent twice: the first request already did it.
        messages.info(request, _("Nothing to change: that was already so."))
        return redirect("circles:org_members", org=organisation.slug)
    with attempt() as done:
        services.set_org_admin(
            organisation=organisation, user=member, is_admin=make_admin, actor=person(request)
        )
    if not done.ok:
        return _members_page(request, organisation, error=done.text, status=done.status)
    if make_admin:
        text = _("%(name)s is now an organisation admin.")
    else:
        text = _("%(name)s is no longer an organisation admin.")
    messages.success(request, text % {"name": member.name})
    return redirect("circles:org_members", org=organisation.slug)


@login_required
@GET_POST
def remove_member(request: HttpRequest, org: str, user_id: int) -> HttpResponse:
    organisation = get_organisation_for(request.user, org, need="admin")
    membership = _org_membership(organisation, user_id)
    member = membership.user
    error, status = "", 200
    if request.method == "POST":
        with attempt() as done:
            services.remove_org_member(
                organisation=organisation, user=member, actor=person(request)
            )
        if done.ok:
            messages.success(
                request,
                _("%(name)s is no longer a member of %(organisation)s.")
                % {"name": member.name, "organisation": organisation.name},
            )
            if member.pk == request.user.pk:
                return redirect("home")
            return redirect("circles:org_members", org=organisation.slug)
        error, status = done.text, done.status
    elif not membership.is_current:
        raise Http404
    # The admin is told of every circle the person leaves, but by name only of those they may see:
    # of the others, how many.
    circles = list(
        Circle.objects.filter(
            memberships__user=member,
            memberships__ended_on__isnull=True,
            organisation=organisation,
        ).order_by("name")
    )
    shown = visible_only(request.user, organisation, circles)
    roles = visible_only(
        request.user,
        organisation,
        RoleAssignment.objects.current()
        .filter(holder=member, role__circle__organisation=organisation)
        .select_related("role__circle")
        .order_by("role__circle__name", "role__name"),
        circle_id=lambda assignment: assignment.role.circle_id,
    )
    context = {
        "organisation": organisation,
        "person": member,
        "circles": shown,
        "unseen_circles": len(circles) - len(shown),
        "roles": roles,
        "link_breaks": selectors.link_break_sentences(request.user, organisation, member),
        "error": error,
    }
    return render(request, "circles/manage/member_remove.html", context, status=status)
