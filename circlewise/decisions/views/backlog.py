"""A circle's backlog, adding to it, closing, dropping (a page that says what goes and asks
why) and reopening an item.

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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle
from circlewise.core.bidi import isolate
from circlewise.core.views import attempt, person

from .. import permissions, services
from ..forms import (
    BacklogItemForm,
    DropItemForm,
)
from ..models import (
    BacklogItem,
)
from ._common import GET_POST, _circle, _organisation, check_org, circle_members
from .proposals import ended_page

# The backlog -------------------------------------------------------------------------------


def backlog_page(
    request: HttpRequest, the_circle: Circle, *, error: str = "", status: int = 200
) -> HttpResponse:
    organisation = the_circle.organisation
    items = list(
        BacklogItem.objects.filter(circle=the_circle)
        .select_related("owner", "raised_by", "raised_from", "proposal", "policy", "closed_by")
        .order_by("status", "due_on", "created_at")
    )
    may_drop, may_reopen = permissions.backlog_rights(request.user, the_circle, items)
    is_member = the_circle.pk in circle_permissions.circle_ids_of(request.user, organisation)
    # A topic raised from a private circle names it only to those who see it.
    hidden = circle_permissions.hidden_circle_ids(request.user, organisation)
    for item in items:
        if item.raised_from_id in hidden:
            item.raised_from = None
    return render(
        request,
        "decisions/backlog.html",
        {
            "organisation": organisation,
            "circle": the_circle,
            "open_items": [i for i in items if i.status == BacklogItem.Status.OPEN],
            "closed_items": sorted(
                (i for i in items if i.status != BacklogItem.Status.OPEN),
                key=lambda i: i.closed_at or i.created_at,
                reverse=True,
            ),
            "today": timezone.localdate(),
            "is_member": is_member,
            "can_raise": permissions.can_raise_item(request.user, the_circle),
            "may_drop": may_drop,
            "may_reopen": may_reopen,
            "ended": permissions.ended_refusal(the_circle),
            "error": error,
        },
        status=status,
    )


@login_required
def backlog(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    """Open topics with their owners and due dates; closed ones tucked away."""
    organisation = _organisation(request, org)
    the_circle = circle_permissions.get_circle_for(request.user, organisation, circle)
    return backlog_page(request, the_circle)


# The backlog and settings ------------------------------------------------------------------


@login_required
@GET_POST
def backlog_add(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    the_circle = _circle(request, org, circle)
    if (refusal := permissions.ended_refusal(the_circle)) is not None:
        return ended_page(request, the_circle, refusal)
    if not permissions.can_raise_item(request.user, the_circle):
        raise PermissionDenied
    is_member = the_circle.pk in circle_permissions.circle_ids_of(
        request.user, the_circle.organisation
    )
    form = BacklogItemForm(
        request.POST or None, members=circle_members(the_circle) if is_member else None
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with attempt(form) as done:
                services.add_backlog_item(
                    circle=the_circle, actor=person(request), **form.cleaned_data
                )
            if done.ok:
                messages.success(
                    request,
                    _("It is on the backlog.")
                    if is_member
                    else _("It is raised with %(circle)s: it is on their backlog.")
                    % {"circle": the_circle.name},
                )
                return redirect("decisions:backlog", org=org, circle=the_circle.slug)
            status = done.status
    return render(
        request,
        "decisions/backlog_add.html",
        {"organisation": the_circle.organisation, "circle": the_circle, "form": form,
         "is_member": is_member},
        status=status,
    )  # fmt: skip


@login_required
@require_POST
def backlog_close(request: HttpRequest, org: str, item_id: int) -> HttpResponse:
    item = permissions.get_item_for(request.user, item_id, need="close")
    check_org(item.circle.organisation, org)
    status = request.POST.get("status", BacklogItem.Status.DONE)
    with attempt() as done:
        # "dropped" is held to the drop's own rule and needs a reason (the service sees to it):
        # the page for it is backlog_drop; this old door stays shut without one.
        services.close_backlog_item(
            item=item, actor=person(request), status=status,
            reason=request.POST.get("reason", ""),
        )  # fmt: skip
    if not done.ok:
        return backlog_page(request, item.circle, error=done.text, status=done.status)
    messages.success(request, _("“%(topic)s” is closed.") % {"topic": item.topic})
    return redirect("decisions:backlog", org=org, circle=item.circle.slug)


@login_required
@GET_POST
def backlog_drop(request: HttpRequest, org: str, item_id: int) -> HttpResponse:
    """GET shows the item and asks why; only POST, with a reason, drops it."""
    item = permissions.get_item_for(request.user, item_id, need="drop")
    check_org(item.circle.organisation, org)
    form = DropItemForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with attempt(form) as done:
                services.drop_backlog_item(
                    item=item, actor=person(request), reason=form.cleaned_data["reason"]
                )
            if done.ok:
                messages.success(
                    request, _("“%(topic)s” is dropped.") % {"topic": isolate(item.topic)}
                )
                return redirect("decisions:backlog", org=org, circle=item.circle.slug)
            status = done.status
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
    check_org(item.circle.organisation, org)
    with attempt() as done:
        services.reopen_backlog_item(item=item, actor=person(request))
    if not done.ok:
        return backlog_page(request, item.circle, error=done.text, status=done.status)
    messages.success(
        request, _("“%(topic)s” is open on the backlog again.") % {"topic": isolate(item.topic)}
    )
    return redirect("decisions:backlog", org=org, circle=item.circle.slug)
