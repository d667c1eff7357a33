"""How a circle runs its consent process: its stewards change it here.

Each step view authorises through decisions.permissions (404 for what the person may not see,
403 for what they may see but not act on), parses a form, calls one service and redirects with a
message (post/redirect/get). A ServiceError is shown on the same page, beside the form it
concerns, with the service's status; nothing changes. Forms work without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from circlewise.core.views import attempt, person

from .. import permissions, services
from ..forms import (
    SettingsForm,
)
from ._common import GET_POST, _circle


@login_required
@GET_POST
def decision_settings(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    the_circle = _circle(request, org, circle)
    if not permissions.can_change_settings(request.user, the_circle):
        raise PermissionDenied
    current = services.settings_for(the_circle)
    names = ["default_review_months", "synthesis_by", "allow_concerns", "absentee_policy",
             "lazy_consent_hours", "clarifying_days", "reactions_days", "consent_days"]  # fmt: skip
    form = SettingsForm(request.POST or None, initial={n: getattr(current, n) for n in names})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with attempt(form) as done:
                services.update_settings(
                    circle=the_circle, actor=person(request), **form.cleaned_data
                )
            if done.ok:
                messages.success(request, _("The circle's way of deciding is saved."))
                return redirect("decisions:circle_proposals", org=org, circle=the_circle.slug)
            status = done.status
    return render(
        request,
        "decisions/decision_settings.html",
        {"organisation": the_circle.organisation, "circle": the_circle, "form": form,
         "settings": current, "can_propose": permissions.can_propose(request.user, the_circle)},
        status=status,
    )  # fmt: skip
