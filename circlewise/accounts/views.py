"""Pages about the signed-in person: where they belong, their profile, their API tokens, and
joining an organisation by invitation. Thin: parse, authorise, call a service, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from circlewise.circles import services as circle_services
from circlewise.circles.models import Invitation, Organisation
from circlewise.core.errors import ServiceError
from circlewise.core.views import form_error, person

from . import permissions, services
from .calendar import build as build_calendar
from .calendar import feed_url as calendar_feed_url
from .forms import InvitationSignupForm, ProfileForm, TokenForm
from .models import CalendarFeed, PersonalAccessToken, User
from .selectors import tokens_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send people to their organisation; someone in several chooses."""
    organisations = list(
        Organisation.objects.filter(
            memberships__user=person(request), memberships__ended_at__isnull=True
        ).order_by("name")
    )
    if len(organisations) == 1:
        return redirect("circles:org_home", org=organisations[0].slug)
    return render(request, "accounts/home.html", {"organisations": organisations})


# Invitations ---------------------------------------------------------------------------------


@never_cache
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """One link, four situations: join, sign in first, create an account, or wrong account.

    Never cached: the URL carries the invitation's secret.
    """
    invitation = circle_services.find_invitation(token)
    if invitation is None:
        return _invitation_unusable(request, _("This invitation link is not valid."), status=404)
    problem = services.invitation_problem(invitation)
    if problem is not None:
        return _invitation_unusable(request, problem, status=410, invitation=invitation)

    context: dict[str, Any] = {"invitation": invitation, "invited_org": invitation.organisation}
    user = request.user
    if user.is_authenticated:
        if not permissions.can_accept_invitation(user, invitation):
            return render(request, "accounts/invitation_wrong_account.html", context)
        if request.method == "POST":
            try:
                circle_services.accept_invitation(raw_token=token, user=person(request))
            except ServiceError as error:
                return _invitation_unusable(request, error.text, status=error.status)
            messages.success(
                request, _("Welcome to %(org)s.") % {"org": invitation.organisation.name}
            )
            return redirect("circles:org_home", org=invitation.organisation.slug)
        return render(request, "accounts/invitation_join.html", context)

    if User.objects.filter(email__iexact=invitation.email).exists():
        context["login_url"] = _login_url_back_to(request.path)
        return render(request, "accounts/invitation_sign_in.html", context)
    return _create_account(request, token, invitation, context)


def _create_account(
    request: HttpRequest, token: str, invitation: Invitation, context: dict[str, Any]
) -> HttpResponse:
    if request.method == "POST":
        form = InvitationSignupForm(request.POST, email=invitation.email)
        if form.is_valid():
            try:
                user, _membership = services.create_account_from_invitation(
                    raw_token=token,
                    name=form.cleaned_data["name"],
                    pronouns=form.cleaned_data["pronouns"],
                    timezone=form.cleaned_data["timezone"],
                    password=form.cleaned_data["password1"],
                )
            except ServiceError as error:
                if error.status in (404, 410):
                    return _invitation_unusable(request, error.text, status=error.status)
                form_error(form, error)
            else:
                login(request, user, backend="circlewise.accounts.backends.ModelBackend")
                messages.success(
                    request, _("Welcome to %(org)s.") % {"org": invitation.organisation.name}
                )
                return redirect("circles:org_home", org=invitation.organisation.slug)
    else:
        form = InvitationSignupForm(email=invitation.email, initial={"timezone": "UTC"})
    context["form"] = form
    return render(request, "accounts/invitation_create_account.html", context)


def _invitation_unusable(
    request: HttpRequest, reason: str, *, status: int, invitation: Invitation | None = None
) -> HttpResponse:
    context = {"reason": reason, "invitation": invitation, "status": status}
    return render(request, "accounts/invitation_unusable.html", context, status=status)


def _login_url_back_to(path: str) -> str:
    return f"{reverse('account_login')}?{urlencode({'next': path}, safe='/')}"


# Profile -------------------------------------------------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The person's own name, pronouns and time zone.

    Personal, not organisational: saving it appends nothing to any organisation's ledger.
    """
    user = person(request)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.update_profile(user=user, **form.cleaned_data)
            except ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("profile")
    else:
        form = ProfileForm(
            initial={"name": user.name, "pronouns": user.pronouns, "timezone": user.timezone}
        )
    return render(request, "accounts/profile.html", {"form": form})


# Personal access tokens ----------------------------------------------------------------------


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """List the person's tokens and make new ones; a new token's value is shown once, here."""
    user = person(request)
    created: PersonalAccessToken | None = None
    raw = ""
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                created, raw = services.create_token(user=user, **form.cleaned_data)
            except ServiceError as error:
                form_error(form, error)
            else:
                form = TokenForm()
    else:
        form = TokenForm()
    context = {
        "form": form,
        "created": created,
        "raw_token": raw,
        "tokens": tokens_of(user).order_by("revoked_at", "-created_at"),
    }
    response = render(request, "accounts/tokens.html", context)
    if raw:
        # The only response that ever carries the token: keep it out of every cache.
        add_never_cache_headers(response)
    return response


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    user = person(request)
    # Someone else's token is reported as missing, like anything a person may not see.
    token = permissions.get_token_for(user, token_id)
    services.revoke_token(user=user, token=token)
    messages.success(
        request, _("The token “%(name)s” is revoked and no longer works.") % {"name": token.name}
    )
    return redirect("tokens")


# The calendar feed -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def calendar(request: HttpRequest) -> HttpResponse:
    """The person's calendar address: to copy into a calendar application, renew, or stop."""
    user = person(request)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "renew":
            services.renew_calendar_feed(user=user)
            messages.success(
                request,
                _("Your calendar has a new address. The old one no longer works: subscribe again."),
            )
        elif action == "stop":
            if services.stop_calendar_feed(user=user):
                messages.success(
                    request, _("Your calendar feed is stopped: its address no longer works.")
                )
        else:
            messages.error(request, _("Choose to make a new address or to stop the feed."))
            return redirect("calendar")
        return redirect("calendar")
    feed = CalendarFeed.objects.filter(user=user).first()
    response = render(
        request,
        "accounts/calendar.html",
        {"feed": feed, "url": calendar_feed_url(feed, request) if feed is not None else ""},
    )
    add_never_cache_headers(response)  # the address is a secret
    return response


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The calendar itself, for a calendar application (no sign-in: the address is the key)."""
    feed = permissions.get_calendar_feed_for(token)
    response = HttpResponse(
        build_calendar(feed.user, request), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="circlewise.ics"'
    add_never_cache_headers(response)
    return response
