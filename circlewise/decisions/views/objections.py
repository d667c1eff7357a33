"""An objection's page and its steps: the thread, stating back, confirming, withdrawing.

Each step view authorises through decisions.permissions (404 for what the person may not see,
403 for what they may see but not act on), parses a form, calls one service and redirects with a
message (post/redirect/get). A ServiceError is shown on the same page, beside the form it
concerns, with the service's status; nothing changes. Forms work without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circlewise.accounts.models import User
from circlewise.core.views import attempt, person

from .. import permissions, services
from ..forms import (
    TextForm,
)
from ..models import (
    Measure,
    Objection,
    ObjectionMessage,
    ProposalVersion,
)
from ._common import _to_proposal, check_org

# Objections --------------------------------------------------------------------------------


def objection_context(
    request: HttpRequest, objection: Objection, *, bound: dict[str, Any] | None = None,
    error: str = "",
) -> dict[str, Any]:  # fmt: skip
    user = request.user
    assert isinstance(user, User)
    proposal = permissions.get_proposal_for(user, objection.proposal_id)
    objection = Objection.objects.select_related("objector", "stated_back_by").get(pk=objection.pk)
    version = ProposalVersion.objects.get(proposal=proposal, number=objection.version_number)
    thread = list(ObjectionMessage.objects.filter(objection=objection).select_related("author"))
    forms: dict[str, Any] = {
        "discuss": TextForm(label=_("Your message")),
        "state_back": TextForm(label=_("The objection, in your own words")),
    }
    forms.update(bound or {})
    can_take_part = permissions.can_take_part(user, proposal)
    is_objector = objection.objector_id == user.pk
    return {
        "organisation": proposal.circle.organisation,
        "circle": proposal.circle,
        "proposal": proposal,
        "title": proposal.current_version.title,
        "objection": objection,
        "version": version,
        "thread": thread,
        "measures": list(
            Measure.objects.filter(
                objection=objection, version__number=proposal.version_number
            ).select_related("owner")
        ),
        "forms": forms,
        "error": error,
        "can_take_part": can_take_part,
        "is_objector": is_objector,
        "is_open": objection.status == Objection.Status.OPEN,
        "can_state_back": can_take_part
        and not is_objector
        and objection.status == Objection.Status.OPEN,
    }


def objection_page(
    request: HttpRequest, objection: Objection, *, bound: dict[str, Any] | None = None,
    error: str = "", status: int = 200,
) -> HttpResponse:  # fmt: skip
    ctx = objection_context(request, objection, bound=bound, error=error)
    return render(request, "decisions/objection_detail.html", ctx, status=status)


@login_required
def objection_detail(request: HttpRequest, org: str, objection_id: int) -> HttpResponse:
    objection = permissions.get_objection_for(request.user, objection_id)
    check_org(objection.proposal.circle.organisation, org)
    return objection_page(request, objection)


# Objections --------------------------------------------------------------------------------


def _objection(request: HttpRequest, org: str, objection_id: int) -> Objection:
    objection = permissions.get_objection_for(request.user, objection_id, need="take_part")
    check_org(objection.proposal.circle.organisation, org)
    return objection


def _to_objection(objection: Objection, anchor: str = "") -> HttpResponse:
    url = reverse(
        "decisions:objection_detail",
        args=[objection.proposal.circle.organisation.slug, objection.pk],
    )
    return redirect(url + (f"#{anchor}" if anchor else ""))


@login_required
@require_POST
def objection_discuss(request: HttpRequest, org: str, objection_id: int) -> HttpResponse:
    objection = _objection(request, org, objection_id)
    form = TextForm(request.POST, label=_("Your message"))
    form.is_valid()
    with attempt(form) as done:
        services.discuss_objection(
            objection=objection, author=person(request), text=form.cleaned_data.get("text", "")
        )
    if not done.ok:
        if done.status == 403:
            return objection_page(request, objection, error=done.text, status=403)
        return objection_page(request, objection, bound={"discuss": form}, status=done.status)
    messages.success(request, _("Your message is posted."))
    return _to_objection(objection, "discussion")


@login_required
@require_POST
def objection_state_back(request: HttpRequest, org: str, objection_id: int) -> HttpResponse:
    objection = _objection(request, org, objection_id)
    form = TextForm(request.POST, label=_("The objection, in your own words"))
    form.is_valid()
    with attempt(form) as done:
        services.state_back(
            objection=objection, actor=person(request), text=form.cleaned_data.get("text", "")
        )
    if not done.ok:
        if done.status == 403:
            return objection_page(request, objection, error=done.text, status=403)
        return objection_page(request, objection, bound={"state_back": form}, status=done.status)
    messages.success(request, _("Stated back. The objector is asked to confirm it."))
    return _to_objection(objection, "stated-back")


@login_required
@require_POST
def objection_confirm(request: HttpRequest, org: str, objection_id: int) -> HttpResponse:
    objection = permissions.get_objection_for(request.user, objection_id)
    check_org(objection.proposal.circle.organisation, org)
    with attempt() as done:
        services.confirm_heard(objection=objection, objector=person(request))
    if not done.ok:
        return objection_page(request, objection, error=done.text, status=done.status)
    messages.success(request, _("Confirmed: you were heard."))
    return _to_objection(objection, "stated-back")


@login_required
@require_POST
def objection_withdraw(request: HttpRequest, org: str, objection_id: int) -> HttpResponse:
    objection = permissions.get_objection_for(request.user, objection_id)
    check_org(objection.proposal.circle.organisation, org)
    with attempt() as done:
        services.withdraw_objection(objection=objection, actor=person(request))
    if not done.ok:
        return objection_page(request, objection, error=done.text, status=done.status)
    messages.success(request, _("Your objection is withdrawn."))
    return _to_proposal(objection.proposal)
