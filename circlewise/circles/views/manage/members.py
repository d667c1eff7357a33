"""Pages that add people to a circle and end their membership.

Each view authorises through circles.permissions, parses a form, calls one service and redirects
with a message. A ServiceError is shown beside the field it names (or above the form) with its
status, and nothing changes.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.core.views import attempt, is_htmx, person

from ... import selectors, services
from ...forms import (
    MemberAddForm,
)
from ...models import (
    CircleMembership,
    RoleAssignment,
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

# Memberships -------------------------------------------------------------------------------


@login_required
@GET_POST
def member_add(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    the_circle = _circle_in(request, org, circle, need="members")
    user = person(request)
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
            member = form.cleaned_data["user"]
            with attempt(form) as done:
                services.add_member(circle=the_circle, user=member, actor=user)
            if done.ok:
                url = _circle_url(the_circle)
                _finish_submission(key, url)
                added = _("%(name)s is now a member of %(circle)s.") % {
                    "name": member.name,
                    "circle": the_circle.name,
                }
                if not is_htmx(request):
                    messages.success(request, added)
                    return redirect(url)
                # htmx: answer with a fresh form so that several people can be added in a row.
                status = 200
                form = MemberAddForm(people=people.exclude(pk=member.pk))
            else:
                _release_submission(key)
                status = done.status
    context = {
        "organisation": the_circle.organisation,
        "circle": the_circle,
        "form": form,
        "members": members,
        "added": added,
    }
    template = "circles/manage/member_add.html"
    if is_htmx(request):
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
    member = User.objects.filter(pk=user_id, circle_memberships__circle=the_circle).first()
    if member is None:
        raise Http404
    error, status = "", 200
    if request.method == "POST":
        with attempt() as done:
            services.end_membership(circle=the_circle, user=member, actor=person(request))
        if done.ok:
            messages.success(
                request,
                _("%(name)s is no longer a member of %(circle)s.")
                % {"name": member.name, "circle": the_circle.name},
            )
            return redirect(_circle_url(the_circle))
        error, status = done.text, done.status
    elif not CircleMembership.objects.current().filter(circle=the_circle, user=member).exists():
        raise Http404
    context = {
        "organisation": the_circle.organisation,
        "circle": the_circle,
        "person": member,
        "assignments": RoleAssignment.objects.current()
        .filter(role__circle=the_circle, holder=member)
        .select_related("role"),
        "link_breaks": selectors.link_break_sentences(
            request.user, the_circle.organisation, member, leaving=the_circle
        ),
        "error": error,
    }
    return render(request, "circles/manage/member_end.html", context, status=status)
