"""The minutes pages: a held meeting's minutes (written up, approved, sent for lazy consent,
objected to, printed, downloaded as Markdown), a circle's approved minutes and their search."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from circlewise.circles import permissions as circle_permissions
from circlewise.core import plainwords
from circlewise.core.errors import ServiceError
from circlewise.core.inputs import whole_number
from circlewise.core.views import person

from . import ics, permissions, selectors_minutes
from . import services_minutes as minutes_services
from .models import Meeting
from .views import GET_POST, _circle, _meeting

# Minutes ---------------------------------------------------------------------------------------


def _minutes_context(
    request: HttpRequest, meeting: Meeting, minutes: Any, **extra: Any
) -> dict[str, Any]:
    from .models import MinutesObjection

    user = request.user
    keeps = permissions.can_keep_minutes(user, meeting)
    shown = minutes if minutes is not None and permissions.can_read_minutes(user, minutes) else None
    objections: list[Any] = []
    if shown is not None and keeps:
        objections = list(
            MinutesObjection.objects.filter(minutes=shown)
            .select_related("user")
            .order_by("-consent_round", "-created_at", "-pk")
        )
    return {
        "organisation": meeting.circle.organisation,
        "circle": meeting.circle,
        "meeting": meeting,
        "title": ics.title_of(meeting),
        "minutes": shown,
        "keeps": keeps,
        "text": shown.text if shown else "",
        "days": minutes_services.CONSENT_DAYS,
        "shortest": minutes_services.SHORTEST_CONSENT,
        "longest": minutes_services.LONGEST_CONSENT,
        "may_object": shown is not None
        and shown.is_out_for_consent
        and permissions.can_object_to_minutes(user, meeting),
        "objections": objections,
        "reason": "",
        "error": "",
        "exists": minutes is not None,
        **extra,
    }


def _markdown_name(meeting: Meeting) -> str:
    from django.utils.text import slugify

    day = timezone.localtime(meeting.starts_at).date().isoformat()
    return f"minutes-{slugify(meeting.circle.slug)}-{day}.md"


@login_required
@GET_POST
def meeting_minutes(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    """A meeting's minutes: approved, for whoever sees the circle (printable, and as Markdown with
    ?format=md); out for consent, for the circle's members too (who may object); a draft, for
    whoever keeps them to write up, approve, or send to the members for lazy consent."""
    from .models import Minutes

    meeting = _meeting(request, org, meeting_id)
    minutes = (
        Minutes.objects.filter(meeting=meeting)
        .select_related("approved_by", "consent_asked_by")
        .first()
    )
    context = _minutes_context(request, meeting, minutes)
    shown = context["minutes"]
    if request.method == "GET" and request.GET.get("format") == "md" and shown is not None:
        response = HttpResponse(shown.text, content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_markdown_name(meeting)}"'
        return response
    if request.method != "POST":
        return render(request, "meetings/minutes.html", context)
    if not context["keeps"]:
        raise PermissionDenied
    actor = person(request)
    text = request.POST.get("text")
    action = request.POST.get("action") or ("approve" if request.POST.get("approve") else "save")
    try:
        if text is not None and action in ("save", "approve", "send"):
            minutes_services.edit_minutes(meeting=meeting, actor=actor, text=text)
        if action == "approve":
            minutes_services.approve_minutes(meeting=meeting, actor=actor)
            done = _("The minutes are approved; the circle's members are told and emailed them.")
        elif action == "send":
            days = whole_number(request.POST.get("days", ""))
            minutes_services.send_for_consent(
                meeting=meeting, actor=actor, days=days if days is not None else -1
            )
            done = _(
                "The minutes are sent to the circle's members for consent; they are approved "
                "when the time to object ends, unless someone objects."
            )
        elif action == "save":
            if text is None:
                raise ServiceError(_("The minutes cannot be empty."), field="text")
            done = _("The minutes are saved.")
        else:
            raise ServiceError(_("Save, approve, or send the minutes for consent."))
    except ServiceError as failed:
        minutes = Minutes.objects.filter(meeting=meeting).first()
        again = _minutes_context(request, meeting, minutes, error=failed.text)
        if text is not None:
            again["text"] = text
        if request.POST.get("days"):
            again["days"] = request.POST["days"]
        return render(request, "meetings/minutes.html", again, status=failed.status)
    messages.success(request, done)
    back = request.POST.get("next", "")
    if back == "meeting" and (following := whole_number(request.POST.get("from", ""))) is not None:
        return redirect("meetings:meeting_detail", org=org, meeting_id=following)
    return redirect("meetings:meeting_minutes", org=org, meeting_id=meeting.pk)


@login_required
@require_POST
def minutes_object(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    """A member of the circle objects to the minutes out for consent, saying why."""
    from .models import Minutes

    meeting = _meeting(request, org, meeting_id)
    if not permissions.can_object_to_minutes(request.user, meeting):
        raise PermissionDenied
    reason = request.POST.get("reason", "")
    try:
        minutes_services.object_to_minutes(meeting=meeting, user=person(request), reason=reason)
    except ServiceError as failed:
        minutes = Minutes.objects.filter(meeting=meeting).first()
        return render(
            request,
            "meetings/minutes.html",
            _minutes_context(request, meeting, minutes, error=failed.text, reason=reason),
            status=failed.status,
        )
    messages.success(
        request, _("Your objection is recorded; the minutes go back to the secretary.")
    )
    return redirect("meetings:meeting_minutes", org=org, meeting_id=meeting.pk)


@login_required
@require_safe
def circle_minutes(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    """The circle's record: its approved minutes, newest first, and a search through them."""
    the_circle = _circle(request, org, circle)
    return render(
        request,
        "meetings/circle_minutes.html",
        {
            "organisation": the_circle.organisation,
            "circle": the_circle,
            "record": selectors_minutes.approved_minutes_of(the_circle),
        },
    )


@login_required
@require_safe
def minutes_search(request: HttpRequest, org: str) -> HttpResponse:
    """The approved minutes of every circle the person sees, searched (?q=)."""
    organisation = circle_permissions.get_organisation_for(request.user, org)
    if not permissions.can_search_minutes(request.user, organisation):
        raise PermissionDenied
    plainwords.use_for(organisation)
    query = request.GET.get("q", "")
    asked = "q" in request.GET
    problem = selectors_minutes.query_problem(query) if asked else None
    hits = (
        selectors_minutes.search_minutes(request.user, organisation, query)
        if asked and problem is None
        else []
    )
    return render(
        request,
        "meetings/minutes_search.html",
        {
            "organisation": organisation,
            "query": query,
            "asked": asked,
            "problem": problem,
            "hits": hits,
            "most": selectors_minutes.MOST_HITS,
            "longest": selectors_minutes.LONGEST_QUERY,
        },
        status=400 if problem else 200,
    )
