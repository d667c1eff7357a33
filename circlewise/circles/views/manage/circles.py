"""Pages that create, edit and archive circles.

Each view authorises through circles.permissions, parses a form, calls one service and redirects
with a message. A ServiceError is shown beside the field it names (or above the form) with its
status, and nothing changes.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.core.views import attempt, person

from ... import services
from ...forms import (
    CircleForm,
)
from ...models import (
    Circle,
    Organisation,
    RoleAssignment,
)
from ...permissions import (
    can_admin_organisation,
    can_archive_circle,
    can_create_circle,
    get_circle_for,
    get_organisation_for,
    hidden_circle_ids,
    steward_circle_ids,
    visible_only,
)
from ._common import (
    GET_POST,
    _circle_in,
    _circle_url,
    _claim_submission,
    _finish_submission,
    _org_people,
    _release_submission,
)

# Circles -----------------------------------------------------------------------------------


def _visible_active_circle_ids(user: User, organisation: Organisation) -> set[int]:
    return set(Circle.objects.active().visible_to(user, organisation).values_list("pk", flat=True))


@login_required
@GET_POST
def circle_create(request: HttpRequest, org: str) -> HttpResponse:
    organisation = get_organisation_for(request.user, org)
    user = person(request)
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
            with attempt(form) as done:
                circle = services.create_circle(organisation=organisation, actor=user, **data)
            if done.ok:
                url = _circle_url(circle)
                _finish_submission(key, url)
                messages.success(request, _("%(name)s is created.") % {"name": circle.name})
                return redirect(url)
            _release_submission(key)
            status = done.status
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
    user = person(request)
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
            with attempt(form) as done:
                services.update_circle(circle=the_circle, actor=user, **data)
            if done.ok:
                messages.success(request, _("%(name)s is saved.") % {"name": data["name"]})
                return redirect(_circle_url(the_circle))
            status = done.status
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
        with attempt() as done:
            services.archive_circle(circle=the_circle, actor=person(request))
        if done.ok:
            messages.success(request, _("%(name)s is archived.") % {"name": the_circle.name})
            return redirect(_circle_url(the_circle))
        error, status = done.text, done.status
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
