"""Meeting pages: a circle's meetings, planning one (or a repeating series), a meeting's page with
its agenda, changing and cancelling it, its .ics, and the agenda's items (added, proposed, taken
on, declined, moved, removed).

Each view authorises through meetings.permissions (404 for what the person may not see, 403 for
what they see but may not do), parses a form, calls one service and redirects
(post/redirect/get). A ServiceError is shown beside the form with the service's status; nothing
changes.
"""

from __future__ import annotations

import contextlib
import zoneinfo
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle
from circlewise.core import plainwords
from circlewise.core.errors import ServiceError
from circlewise.core.inputs import whole_number
from circlewise.core.views import attempt, person
from circlewise.decisions import permissions as decision_permissions
from circlewise.decisions.views._common import circle_members
from circlewise.selections import permissions as selection_permissions

from . import ics, permissions, room, selectors, selectors_admin, selectors_minutes, services
from . import services_actions as actions
from . import services_evaluations as evaluations
from .forms import (
    ActionItemForm,
    AgendaItemForm,
    CancelForm,
    DeclineForm,
    EvaluationForm,
    MeetingForm,
)
from .models import AgendaItem, Meeting

GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def _circle(request: HttpRequest, org: str, circle: str) -> Circle:
    organisation = circle_permissions.get_organisation_for(request.user, org)
    return circle_permissions.get_circle_for(request.user, organisation, circle)


def _meeting(
    request: HttpRequest, org: str, meeting_id: int, need: permissions.MeetingNeed = "view"
) -> Meeting:
    meeting = permissions.get_meeting_for(request.user, meeting_id, need=need)
    if meeting.circle.organisation.slug != org:
        raise Http404
    plainwords.use_for(meeting.circle.organisation)
    return meeting


def _item(request: HttpRequest, org: str, item_id: int) -> AgendaItem:
    item = permissions.get_agenda_item_for(request.user, item_id, need="keep")
    if item.meeting.circle.organisation.slug != org:
        raise Http404
    return item


def _zone(request: HttpRequest) -> str:
    return getattr(request.user, "timezone", "") or "UTC"


@login_required
@require_safe
def circle_meetings(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    the_circle = _circle(request, org, circle)
    meetings = selectors.meetings_of(the_circle)
    now = timezone.now()
    return render(
        request,
        "meetings/circle_meetings.html",
        {
            "organisation": the_circle.organisation,
            "circle": the_circle,
            "upcoming": list(meetings.upcoming(now)[:20]),
            "past": list(meetings.past(now)[:20]),
            "recent_minutes": selectors_minutes.approved_minutes_of(the_circle, limit=5),
            "may_plan": permissions.can_plan_meetings(request.user, the_circle),
        },
    )


@login_required
@GET_POST
def meeting_new(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    the_circle = _circle(request, org, circle)
    if not permissions.can_plan_meetings(request.user, the_circle):
        raise PermissionDenied
    form = MeetingForm(
        request.POST or None,
        members=circle_members(the_circle),
        initial={"time_zone": _zone(request)},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with attempt(form) as done:
                meeting = services.plan_meeting(
                    circle=the_circle, actor=person(request), **form.cleaned_data
                )
            if done.ok:
                messages.success(
                    request, _("The meeting is planned; the circle's members are told.")
                )
                return redirect("meetings:meeting_detail", org=org, meeting_id=meeting.pk)
            status = done.status
    return render(
        request,
        "meetings/meeting_form.html",
        {
            "organisation": the_circle.organisation,
            "circle": the_circle,
            "form": form,
            "meeting": None,
        },
        status=status,
    )


@login_required
@require_safe
def meeting_detail(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, org, meeting_id)
    return render(request, "meetings/meeting_detail.html", _detail_context(request, meeting))


def _detail_context(request: HttpRequest, meeting: Meeting, **extra: Any) -> dict[str, Any]:
    user = request.user
    keeps = permissions.can_keep_agenda(user, meeting)
    open_agenda = not meeting.is_cancelled and not meeting.is_over
    members = circle_members(meeting.circle)
    context = {
        "organisation": meeting.circle.organisation,
        "circle": meeting.circle,
        "meeting": meeting,
        "title": ics.title_of(meeting),
        "agenda": selectors.agenda_of(meeting),
        "keeps": keeps and open_agenda,
        "may_propose": open_agenda and permissions.can_propose_item(user, meeting),
        "candidates": selectors.backlog_candidates(meeting) if keeps and open_agenda else [],
        "selections": selectors.selection_candidates(meeting) if keeps and open_agenda else [],
        "item_form": AgendaItemForm(members=members),
        "other_zone": meeting.time_zone != _zone(request),
        "may_join": permissions.can_join_room(user, meeting),
    }
    if meeting.status == Meeting.Status.HELD:
        context["shares"] = selectors_admin.turn_shares(meeting)
    previous = selectors_minutes.previous_minutes(meeting)
    if previous is not None and permissions.can_read_minutes(user, previous):
        context["previous_minutes"] = previous
        context["may_approve_previous"] = permissions.can_keep_minutes(user, previous.meeting)
    return context | extra


@login_required
@GET_POST
def meeting_edit(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, org, meeting_id, need="plan")
    zone = zoneinfo.ZoneInfo(meeting.time_zone)
    initial = {
        "title": meeting.title,
        "starts_at": timezone.make_naive(meeting.starts_at, zone),
        "time_zone": meeting.time_zone,
        "duration_minutes": meeting.duration_minutes,
        "place": meeting.place,
        "video_url": meeting.video_url,
        "facilitator": meeting.facilitator_id,
        "secretary": meeting.secretary_id,
    }
    form = MeetingForm(
        request.POST or None, members=circle_members(meeting.circle), initial=initial, series=False
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with attempt(form) as done:
                services.update_meeting(meeting=meeting, actor=person(request), **form.cleaned_data)
            if done.ok:
                messages.success(request, _("The meeting is changed."))
                return redirect("meetings:meeting_detail", org=org, meeting_id=meeting.pk)
            status = done.status
    elif initial["starts_at"] is not None:
        # The start shown as it is in the meeting's own zone (the form reads it back in that zone).
        form.initial["starts_at"] = initial["starts_at"]
    return render(
        request,
        "meetings/meeting_form.html",
        {
            "organisation": meeting.circle.organisation,
            "circle": meeting.circle,
            "form": form,
            "meeting": meeting,
        },
        status=status,
    )


@login_required
@GET_POST
def meeting_cancel(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, org, meeting_id, need="plan")
    form = CancelForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with attempt(form) as done:
                services.cancel_meeting(
                    meeting=meeting, actor=person(request), reason=form.cleaned_data["reason"]
                )
            if done.ok:
                messages.success(
                    request, _("The meeting is cancelled; the circle's members are told.")
                )
                return redirect("meetings:meeting_detail", org=org, meeting_id=meeting.pk)
            status = done.status
    return render(
        request,
        "meetings/meeting_cancel.html",
        {"organisation": meeting.circle.organisation, "circle": meeting.circle, "meeting": meeting,
         "title": ics.title_of(meeting), "form": form},
        status=status,
    )  # fmt: skip


@login_required
@require_safe
def meeting_ics(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, org, meeting_id)
    try:
        zone = zoneinfo.ZoneInfo(_zone(request))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    response = HttpResponse(
        ics.calendar_of([meeting], request, zone), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@login_required
@require_POST
def agenda_add(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    """An item written in the form, or (with `backlog_item`) a topic taken from the backlog, or
    (with `selection`) one of the circle's open selections."""
    meeting = _meeting(request, org, meeting_id, need="contribute")
    for name in ("backlog_item", "selection"):
        raw = request.POST.get(name, "")
        if raw:
            return _add_from(request, org, meeting, name, whole_number(raw))
    form = AgendaItemForm(request.POST, members=circle_members(meeting.circle))
    status = 400
    if form.is_valid():
        with attempt(form) as done:
            added = services.add_agenda_item(
                meeting=meeting, actor=person(request), **form.cleaned_data
            )
        if done.ok:
            if added.status == AgendaItem.Status.PROPOSED:
                messages.success(
                    request,
                    _("Your item is proposed; the facilitator takes it on or says why not."),
                )
            else:
                messages.success(
                    request, _("“%(topic)s” is on the agenda.") % {"topic": added.title}
                )
            return redirect(f"{_detail_url(org, meeting)}#agenda")
        status = done.status
    return render(
        request,
        "meetings/meeting_detail.html",
        _detail_context(request, meeting, item_form=form),
        status=status,
    )


def _add_from(
    request: HttpRequest, org: str, meeting: Meeting, name: str, pk: int | None
) -> HttpResponse:
    """A backlog topic or a selection put on the agenda, found through its own app's rule (404
    for what the person may not see)."""
    if pk is None:
        raise Http404
    source: Any
    if name == "selection":
        source = selection_permissions.get_selection_for(request.user, pk)
    else:
        source = decision_permissions.get_item_for(request.user, pk)
    try:
        added = services.add_agenda_item(
            meeting=meeting, actor=person(request), title="", outcome="", minutes=10,
            **{name: source},
        )  # fmt: skip
    except ServiceError as error:
        return render(
            request,
            "meetings/meeting_detail.html",
            _detail_context(request, meeting, error=error.text),
            status=error.status,
        )
    messages.success(request, _("“%(topic)s” is on the agenda.") % {"topic": added.title})
    return redirect(f"{_detail_url(org, meeting)}#agenda")


def _detail_url(org: str, meeting: Meeting) -> str:
    from django.urls import reverse

    return reverse("meetings:meeting_detail", args=[org, meeting.pk])


def _item_action(
    request: HttpRequest, item: AgendaItem, run: Any, done_message: str
) -> HttpResponse:
    org = item.meeting.circle.organisation.slug
    try:
        run()
    except ServiceError as error:
        meeting = _meeting(request, org, item.meeting_id)
        return render(
            request,
            "meetings/meeting_detail.html",
            _detail_context(request, meeting, error=error.text),
            status=error.status,
        )
    messages.success(request, done_message)
    return redirect(f"{_detail_url(org, item.meeting)}#agenda")


@login_required
@require_POST
def agenda_accept(request: HttpRequest, org: str, item_id: int) -> HttpResponse:
    item = _item(request, org, item_id)
    return _item_action(
        request, item, lambda: services.accept_agenda_item(item=item, actor=person(request)),
        _("“%(topic)s” is on the agenda.") % {"topic": item.title},
    )  # fmt: skip


@login_required
@require_POST
def agenda_decline(request: HttpRequest, org: str, item_id: int) -> HttpResponse:
    item = _item(request, org, item_id)
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _item_action(
        request, item, lambda: services.decline_agenda_item(item=item, actor=person(request), reason=reason),
        _("“%(topic)s” is declined; whoever proposed it is told why.") % {"topic": item.title},
    )  # fmt: skip


@login_required
@require_POST
def agenda_remove(request: HttpRequest, org: str, item_id: int) -> HttpResponse:
    item = _item(request, org, item_id)
    return _item_action(
        request, item, lambda: services.remove_agenda_item(item=item, actor=person(request)),
        _("“%(topic)s” is off the agenda.") % {"topic": item.title},
    )  # fmt: skip


@login_required
@require_POST
def agenda_move(request: HttpRequest, org: str, item_id: int) -> HttpResponse:
    item = _item(request, org, item_id)
    up = request.POST.get("direction") != "down"
    return _item_action(
        request, item, lambda: services.move_agenda_item(item=item, actor=person(request), up=up),
        _("“%(topic)s” moved up.") % {"topic": item.title} if up
        else _("“%(topic)s” moved down.") % {"topic": item.title},
    )  # fmt: skip


# The live room -----------------------------------------------------------------------------


def _room_context(request: HttpRequest, meeting: Meeting, **extra: Any) -> dict[str, Any]:
    state = selectors.room_state(meeting, request.user)
    members = circle_members(meeting.circle) if state.runs else None
    return {
        "organisation": meeting.circle.organisation,
        "circle": meeting.circle,
        "meeting": meeting,
        "title": ics.title_of(meeting),
        "state": state,
        "members": members,
        **extra,
    }


@login_required
@require_safe
def meeting_room(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    """The live room: every participant opens it on their own device."""
    meeting = _meeting(request, org, meeting_id, need="join")
    if meeting.is_live:
        with contextlib.suppress(ServiceError):
            room.act(meeting, person(request), "join", {})
    return render(request, "meetings/room.html", _room_context(request, meeting))


@login_required
@require_safe
def room_display(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    """The room display, for a projector or a shared screen: large type, no controls."""
    meeting = _meeting(request, org, meeting_id, need="join")
    return render(request, "meetings/room_display.html", _room_context(request, meeting))


@login_required
@require_POST
def room_act(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    """An action of the room sent as a plain form (without JavaScript): the same as over the
    WebSocket; then the room again."""
    meeting = _meeting(request, org, meeting_id, need="join")
    try:
        room.act(meeting, person(request), request.POST.get("action", ""), request.POST)
    except ServiceError as error:
        meeting.refresh_from_db()
        return render(
            request,
            "meetings/room.html",
            _room_context(request, meeting, error=error.text),
            status=error.status,
        )
    return redirect("meetings:meeting_room", org=org, meeting_id=meeting.pk)


# Evaluations -----------------------------------------------------------------------------------


@login_required
@GET_POST
def meeting_evaluate(request: HttpRequest, org: str, meeting_id: int) -> HttpResponse:
    """The evaluation card of someone who was in the meeting."""
    meeting = _meeting(request, org, meeting_id, need="evaluate")
    done_already = meeting.evaluations.filter(user_id=person(request).pk).exists()
    form = EvaluationForm(request.POST or None)
    status = 200
    if request.method == "POST" and not done_already:
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            words = {k: data.pop(k) for k in ("went_well", "could_improve")}
            with attempt(form) as done:
                evaluations.evaluate(meeting=meeting, user=person(request), ratings=data, **words)
            if done.ok:
                messages.success(request, _("Thank you: your evaluation is in."))
                return redirect("meetings:circle_evaluations", org=org, circle=meeting.circle.slug)
            status = done.status
    elif request.method == "POST":
        status = 409
    return render(
        request,
        "meetings/evaluate.html",
        {"organisation": meeting.circle.organisation, "circle": meeting.circle, "meeting": meeting,
         "title": ics.title_of(meeting), "form": form, "done_already": done_already},
        status=status,
    )  # fmt: skip


@login_required
@GET_POST
def circle_evaluations(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    """How the circle's meetings went, over time: the averages of its evaluation cards, and
    (for its members) what people wrote, without their names."""
    from .models import DIMENSIONS, Evaluation

    the_circle = _circle(request, org, circle)
    error, status = "", 200
    if request.method == "POST":  # a point to improve, sent to the circle's backlog
        with attempt() as done:
            item = evaluations.send_improvement_to_backlog(
                card_id=whole_number(request.POST.get("card", "")),
                circle=the_circle,
                actor=person(request),
            )
        if done.ok:
            messages.success(
                request,
                _("The point is on %(circle)s's backlog, to explore: “%(topic)s”.")
                % {"circle": the_circle.name, "topic": item.topic},
            )
            return redirect("meetings:circle_evaluations", org=org, circle=the_circle.slug)
        if done.status in (403, 404):
            raise Http404 if done.status == 404 else PermissionDenied
        error, status = done.text, done.status
    trend = selectors.evaluation_trend(the_circle)
    words = []
    if permissions.can_read_evaluation_words(request.user, the_circle):
        words = list(
            Evaluation.objects.filter(meeting__in=[row.meeting for row in trend])
            .exclude(went_well="", could_improve="")
            .select_related("meeting")
            .order_by("-meeting__starts_at", "pk")
        )
    return render(
        request,
        "meetings/circle_evaluations.html",
        {"organisation": the_circle.organisation, "circle": the_circle, "trend": trend,
         "dimensions": DIMENSIONS, "words": words, "error": error,
         "may_read_words": permissions.can_read_evaluation_words(request.user, the_circle),
         "may_send": permissions.can_send_improvement(request.user, the_circle)},
        status=status,
    )  # fmt: skip


# Action items ----------------------------------------------------------------------------------


def _actions_context(request: HttpRequest, circle: Circle, **extra: Any) -> dict[str, Any]:
    from .models import ActionItem

    rows = list(
        ActionItem.objects.filter(circle=circle)
        .select_related("owner", "meeting")
        .order_by("status", "due_on", "pk")
    )
    done, due = actions.follow_through(circle)
    may_add = permissions.can_add_action(request.user, circle)
    return {
        "organisation": circle.organisation,
        "circle": circle,
        "open_actions": [a for a in rows if a.is_open],
        "closed_actions": [a for a in rows if not a.is_open][:50],
        "may_add": may_add,
        "may_close": {
            a.pk for a in rows if a.is_open and permissions.can_close_action(request.user, a)
        },
        "form": ActionItemForm(members=circle_members(circle)) if may_add else None,
        "follow_through": (done, due),
        "today": timezone.localdate(),
        **extra,
    }


@login_required
@GET_POST
def circle_actions(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    """A circle's action items; its members give new ones here (from a meeting: linked to it)."""
    the_circle = _circle(request, org, circle)
    if request.method != "POST":
        from_meeting = None
        raw = request.GET.get("meeting", "")
        if (meeting_id := whole_number(raw)) is not None:
            found = selectors.meetings_of(the_circle).filter(pk=meeting_id).first()
            from_meeting = found if found is not None and found.is_live else None
        return render(
            request,
            "meetings/circle_actions.html",
            _actions_context(request, the_circle, from_meeting=from_meeting),
        )
    if not permissions.can_add_action(request.user, the_circle):
        raise PermissionDenied
    form = ActionItemForm(request.POST, members=circle_members(the_circle))
    meeting = None
    raw = request.POST.get("meeting", "")
    if raw:
        meeting_id = whole_number(raw)
        if meeting_id is None:
            raise Http404
        meeting = permissions.get_meeting_for(request.user, meeting_id)
        if meeting.circle_id != the_circle.pk:
            raise Http404
    status = 400
    if form.is_valid():
        with attempt(form) as done:
            services_actions_add(the_circle, request, form, meeting)
        if done.ok:
            messages.success(request, _("The action item is given; its owner is told."))
            if meeting is not None:
                return redirect("meetings:meeting_room", org=org, meeting_id=meeting.pk)
            return redirect("meetings:circle_actions", org=org, circle=the_circle.slug)
        status = done.status
    return render(
        request, "meetings/circle_actions.html",
        _actions_context(request, the_circle, form=form, from_meeting=meeting), status=status,
    )  # fmt: skip


def services_actions_add(circle: Circle, request: HttpRequest, form: Any, meeting: Any) -> None:
    actions.add_action_item(
        circle=circle,
        actor=person(request),
        meeting=meeting,
        agenda_item=meeting.current_item if meeting is not None else None,
        **form.cleaned_data,
    )


@login_required
@require_POST
def action_close(request: HttpRequest, org: str, action_id: int) -> HttpResponse:
    action = permissions.get_action_for(request.user, action_id, need="close")
    if action.circle.organisation.slug != org:
        raise Http404
    done = request.POST.get("status", "done") != "dropped"
    try:
        actions.close_action_item(
            action=action, actor=person(request), done=done, reason=request.POST.get("reason", "")
        )
    except ServiceError as error:
        return render(
            request, "meetings/circle_actions.html",
            _actions_context(request, action.circle, error=error.text), status=error.status,
        )  # fmt: skip
    messages.success(request, _("“%(title)s” is closed.") % {"title": action.title})
    return redirect("meetings:circle_actions", org=org, circle=action.circle.slug)


@login_required
@require_safe
def my_actions(request: HttpRequest, org: str) -> HttpResponse:
    """The person's own open action items in the organisation, soonest due first."""
    from .models import ActionItem

    organisation = circle_permissions.get_organisation_for(request.user, org)
    hidden = circle_permissions.hidden_circle_ids(request.user, organisation)
    mine = [
        a
        for a in ActionItem.objects.open()
        .filter(owner_id=person(request).pk, circle__organisation=organisation)
        .select_related("circle")
        .order_by("due_on", "pk")
        if a.circle_id not in hidden
    ]
    return render(
        request,
        "meetings/my_actions.html",
        {"organisation": organisation, "actions": mine, "today": timezone.localdate()},
    )
