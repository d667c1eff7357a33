"""Pages that create and edit roles, and start and end their terms.

Each view authorises through circles.permissions, parses a form, calls one service and redirects
with a message. A ServiceError is shown beside the field it names (or above the form) with its
status, and nothing changes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from circlewise.core.views import attempt, person

from ... import selectors, services
from ...forms import (
    AssignForm,
    RoleForm,
)
from ...models import (
    RoleAssignment,
)
from ...permissions import (
    can_end_assignment,
    get_assignment_for,
)
from ._common import (
    GET_POST,
    _check_circle_path,
    _circle_in,
    _claim_submission,
    _finish_submission,
    _org_people,
    _release_submission,
    _role_in,
    _role_url,
)

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
            with attempt(form) as done:
                role = services.create_role(circle=the_circle, actor=person(request), **data)
            if done.ok:
                url = _role_url(role)
                _finish_submission(key, url)
                messages.success(request, _("The role %(name)s is created.") % {"name": role.name})
                return redirect(url)
            _release_submission(key)
            status = done.status
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
            with attempt(form) as done:
                services.update_role(role=role, actor=person(request), **data)
            if done.ok:
                messages.success(request, _("The role %(name)s is saved.") % {"name": role.name})
                return redirect(_role_url(role))
            status = done.status
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
    user = person(request)
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
            with attempt(form) as done:
                assignment = services.assign_role(
                    role=role,
                    holder=holder,
                    actor=user,
                    term_start=form.cleaned_data["term_start"],
                    term_end=form.cleaned_data["term_end"],
                )
            if done.ok:
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
            _release_submission(key)
            status = done.status
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
        with attempt() as done:
            services.end_assignment(assignment=assignment, actor=person(request))
        if done.ok:
            messages.success(
                request,
                _("%(name)s's term as %(role)s has ended.")
                % {"name": assignment.holder.name, "role": role.name},
            )
            return redirect(_role_url(role))
        error, status = done.text, done.status
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
