"""Dropping a backlog item (a page that says what goes and asks why) and reopening one.

As in views/steps.py: authorise through decisions.permissions (404 for what the person may not
see, 403 for what they may see but not do), parse the form, call one service, redirect with a
message; a ServiceError is shown on the same page with its status, and nothing changes.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circlewise.core.bidi import isolate
from circlewise.core.errors import ServiceError

from .. import permissions, services_backlog
from ..forms import DropItemForm
from . import browse
from .steps import GET_POST, _person, _show_error


@login_required
@GET_POST
def backlog_drop(request: HttpRequest, org: str, item_id: int) -> HttpResponse:
    """GET shows the item and asks why; only POST, with a reason, drops it."""
    item = permissions.get_item_for(request.user, item_id, need="drop")
    browse.check_org(item.circle.organisation, org)
    form = DropItemForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services_backlog.drop_backlog_item(
                    item=item, actor=_person(request), reason=form.cleaned_data["reason"]
                )
            except ServiceError as error:
                _show_error(form, error)
                status = error.status
            else:
                messages.success(
                    request, _("“%(topic)s” is dropped.") % {"topic": isolate(item.topic)}
                )
                return redirect("decisions:backlog", org=org, circle=item.circle.slug)
    return render(
        request,
        "decisions/backlog_drop.html",
        {"organisation": item.circle.organisation, "circle": item.circle, "item": item,
         "form": form},
        status=status,
    )  # fmt: skip


@login_required
@require_POST
def backlog_reopen(request: HttpRequest, org: str, item_id: int) -> HttpResponse:
    item = permissions.get_item_for(request.user, item_id, need="reopen")
    browse.check_org(item.circle.organisation, org)
    try:
        services_backlog.reopen_backlog_item(item=item, actor=_person(request))
    except ServiceError as error:
        return browse.backlog_page(request, item.circle, error=error.text, status=error.status)
    messages.success(
        request, _("“%(topic)s” is open on the backlog again.") % {"topic": isolate(item.topic)}
    )
    return redirect("decisions:backlog", org=org, circle=item.circle.slug)
