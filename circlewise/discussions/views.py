"""Discussion pages: a backlog item's thread, a draft's thread (also shown on the draft's own
page), editing and withdrawing a comment, sharing a draft for comment, turning an item's
discussion into a proposal, and a circle's discussions.

Each view authorises through discussions.permissions (404 for what the person may not read, 403
for what they may read but not do), parses a form, calls one service and redirects to the
comment (post/redirect/get). With htmx, posting answers with the thread alone: the new comment
in its place and an empty form, or the form with its errors (200: htmx swaps only what
succeeded). A ServiceError is shown beside the form with the service's status; nothing changes.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from circlewise.circles import permissions as circle_permissions
from circlewise.core.views import attempt, is_htmx, person
from circlewise.decisions import permissions as decision_permissions
from circlewise.decisions.models import Proposal

from . import permissions, selectors, services
from .forms import CommentForm, EditCommentForm, StartProposalForm
from .models import COMMENT_LIMIT, EDIT_WINDOW, Comment, Thread

GET_POST = require_http_methods(["GET", "HEAD", "POST"])


class Page(Protocol):
    """The page a thread is on (an item's, a draft's), shown again with a refused form."""

    def __call__(
        self,
        request: HttpRequest,
        thread: Thread,
        *,
        form: CommentForm | None = ...,
        error: str = ...,
        status: int = ...,
    ) -> HttpResponse: ...


def _check_org(thread: Thread, org: str) -> None:
    """Something reached through another organisation's address is not found there."""
    if thread.circle.organisation.slug != org:
        raise Http404


def thread_context(
    request: HttpRequest, thread: Thread, form: CommentForm | None = None, error: str = ""
) -> dict[str, Any]:
    """What the thread's partial shows: its comments, what the viewer may do, the form."""
    user = request.user
    entries = selectors.comments_of(thread)
    may_comment = permissions.can_comment(user, thread) and _open(thread)
    # A refused reply shows its errors beside the comment it answers, not in the main form.
    reply_error_for, main_form = 0, form or CommentForm()
    if form is not None and form.is_bound and form.errors:
        raw = str(form.data.get("reply_to") or "")
        if raw.isascii() and raw.isdigit():
            reply_error_for, main_form = int(raw), CommentForm()
    return {
        "thread": thread,
        "organisation": thread.circle.organisation,
        "circle": thread.circle,
        "entries": entries,
        "count": selectors.comment_count(entries),
        "may_comment": may_comment,
        "closed_because": _closed_because(thread),
        "form": form or CommentForm(),
        "main_form": main_form,
        "can_share": thread.proposal is not None
        and permissions.can_share_draft(user, thread.proposal),
        "reply_error_for": reply_error_for,
        "limit": COMMENT_LIMIT,
        "handles": services.member_handles(thread.circle) if may_comment else [],
        "post_url": services.thread_url(thread),
        "me": getattr(user, "pk", None),
        "now": timezone.now(),
        "edit_minutes": int(EDIT_WINDOW.total_seconds() // 60),
        "error": error,
    }


def _open(thread: Thread) -> bool:
    return _closed_because(thread) == ""


def _closed_because(thread: Thread) -> str:
    if thread.circle.is_archived:
        return _("The circle is archived: its discussions are closed.")
    if thread.proposal is not None:
        if not thread.proposal.is_draft:
            return _("This discussion closed when the proposal was presented.")
        if thread.shared_at is None:
            return _("Comments open once the draft is shared.")
        return ""
    if thread.item is not None and thread.item.status != thread.item.Status.OPEN:
        return _("This topic is off the backlog, so its discussion is closed.")
    return ""


def _post(request: HttpRequest, thread: Thread, page: Page) -> HttpResponse:
    """A comment or a reply from the thread's form: then the comment, or the form's errors."""
    if not permissions.can_comment(request.user, thread):
        raise PermissionDenied
    form = CommentForm(request.POST, reply=bool(request.POST.get("reply_to")))
    error, status = "", 400
    if form.is_valid():
        reply_to = None
        if form.cleaned_data["reply_to"]:
            reply_to = Comment.objects.filter(
                pk=form.cleaned_data["reply_to"], thread_id=thread.pk
            ).first()
            if reply_to is None or thread.pk is None:
                form.add_error(None, _("That comment is not in this discussion."))
        if form.is_valid():
            where = (
                {"item": thread.item} if thread.item is not None else {"proposal": thread.proposal}
            )
            with attempt(form) as done:
                comment = services.post_comment(
                    actor=person(request),
                    text=form.cleaned_data["text"],
                    reply_to=reply_to,
                    **where,
                )
            if done.ok:
                if is_htmx(request):
                    thread = Thread.objects.select_related("circle__organisation").get(
                        pk=comment.thread_id
                    )
                    _attach(thread, where)
                    context = thread_context(request, thread)
                    context["posted"] = comment
                    return render(request, "discussions/thread.html#thread", context)
                messages.success(request, _("Your comment is posted."))
                return redirect(f"{services.thread_url(comment.thread)}#comment-{comment.pk}")
            status = done.status
            if done.status != 400:  # refused as a whole, not for what was written
                error = done.text
    if is_htmx(request):
        return render(
            request, "discussions/thread.html#thread", thread_context(request, thread, form, error)
        )
    return page(request, thread, form=form, error=error, status=status)


def _attach(thread: Thread, where: dict[str, Any]) -> None:
    if "item" in where:
        thread.item = where["item"]
        thread.item.circle = thread.circle
    else:
        thread.proposal = where["proposal"]
        thread.proposal.circle = thread.circle


# A backlog item's discussion ----------------------------------------------------------------


def item_page(
    request: HttpRequest,
    thread: Thread,
    *,
    form: CommentForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    item = thread.item
    assert item is not None
    context = thread_context(request, thread, form, error)
    context |= {
        "item": item,
        "started": _started_from(request, thread),
        "can_start": permissions.can_start_proposal(request.user, thread) and _open(thread),
    }
    return render(request, "discussions/thread.html", context, status=status)


def _started_from(request: HttpRequest, thread: Thread) -> list[Proposal]:
    """The proposals started from the thread that the person may read (a draft: its author)."""
    if thread.pk is None:
        return []
    shown = []
    for proposal in thread.led_to.order_by("created_at"):
        proposal.circle = thread.circle
        if decision_permissions.can_view_proposal(request.user, proposal):
            shown.append(proposal)
    return shown


@login_required
@GET_POST
def item_thread(request: HttpRequest, org: str, item_id: int) -> HttpResponse:
    thread = permissions.get_item_thread_for(request.user, item_id)
    _check_org(thread, org)
    if request.method == "POST":
        return _post(request, thread, item_page)
    if is_htmx(request):
        return render(request, "discussions/thread.html#thread", thread_context(request, thread))
    return item_page(request, thread)


@login_required
@GET_POST
def item_propose(request: HttpRequest, org: str, item_id: int) -> HttpResponse:
    """Turn the item's discussion into a proposal: a draft whose driver is filled in from the
    item and the thread, linked to the thread both ways."""
    thread = permissions.get_item_thread_for(request.user, item_id)
    _check_org(thread, org)
    if not permissions.can_start_proposal(request.user, thread):
        raise PermissionDenied
    item = thread.item
    assert item is not None
    initial = {"title": item.topic, "driver": services.driver_from(thread, item)}
    form = StartProposalForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with attempt(form) as done:
                proposal = services.start_proposal(
                    item=item, actor=person(request), **form.cleaned_data
                )
            if done.ok:
                messages.success(
                    request,
                    _(
                        "Your draft is started from the discussion. Only you can read it until you "
                        "share it for comment or present it."
                    ),
                )
                return redirect(
                    "decisions:proposal_detail", thread.circle.organisation.slug, proposal.pk
                )
            status = done.status
    context = {
        "organisation": thread.circle.organisation,
        "circle": thread.circle,
        "item": item,
        "thread": thread,
        "form": form,
    }
    return render(request, "discussions/propose.html", context, status=status)


# A draft's discussion -----------------------------------------------------------------------


def proposal_page(
    request: HttpRequest,
    thread: Thread,
    *,
    form: CommentForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    proposal = thread.proposal
    assert proposal is not None
    context = thread_context(request, thread, form, error)
    context |= {
        "proposal": proposal,
        "title": proposal.current_version.title,
        "can_share": permissions.can_share_draft(request.user, proposal),
    }
    return render(request, "discussions/thread.html", context, status=status)


@login_required
@GET_POST
def proposal_thread(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    thread = permissions.get_proposal_thread_for(request.user, proposal_id)
    _check_org(thread, org)
    if request.method == "POST":
        return _post(request, thread, proposal_page)
    if is_htmx(request):
        return render(request, "discussions/thread.html#thread", thread_context(request, thread))
    return proposal_page(request, thread)


def _draft(request: HttpRequest, org: str, proposal_id: int) -> Proposal:
    proposal = decision_permissions.get_proposal_for(request.user, proposal_id)
    if proposal.circle.organisation.slug != org:
        raise Http404
    if not permissions.can_share_draft(request.user, proposal):
        raise PermissionDenied
    return proposal


def _to_draft(proposal: Proposal) -> HttpResponse:
    url = reverse(
        "decisions:proposal_detail", args=[proposal.circle.organisation.slug, proposal.pk]
    )
    return redirect(f"{url}#discussion")


@login_required
@require_POST
def share(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    proposal = _draft(request, org, proposal_id)
    with attempt() as done:
        services.share_draft(proposal=proposal, actor=person(request))
    if done.ok:
        messages.success(
            request,
            _("The draft is shared: the members of %(circle)s can read it and comment.")
            % {"circle": proposal.circle.name},
        )
    else:
        messages.error(request, done.text)
    return _to_draft(proposal)


@login_required
@require_POST
def unshare(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    proposal = _draft(request, org, proposal_id)
    with attempt() as done:
        services.stop_sharing(proposal=proposal, actor=person(request))
    if done.ok:
        messages.success(
            request, _("The draft is yours alone again. Its comments are kept, hidden with it.")
        )
    else:
        messages.error(request, done.text)
    return _to_draft(proposal)


# One comment --------------------------------------------------------------------------------


def _comment(request: HttpRequest, org: str, comment_id: int, need: Any) -> Comment:
    comment = permissions.get_comment_for(request.user, comment_id, need=need)
    _check_org(comment.thread, org)
    return comment


@login_required
@GET_POST
def comment_edit(request: HttpRequest, org: str, comment_id: int) -> HttpResponse:
    comment = _comment(request, org, comment_id, "edit")
    thread = comment.thread
    form = EditCommentForm(request.POST or None, initial={"text": comment.text})
    status = 200
    error = ""
    if not comment.is_editable():
        error = (
            _("A withdrawn comment cannot be edited.")
            if comment.is_withdrawn
            else _("This comment can no longer be edited: reply to it instead.")
        )
        status = 409
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            with attempt(form) as done:
                services.edit_comment(
                    comment=comment, actor=person(request), text=form.cleaned_data["text"]
                )
            if done.ok:
                messages.success(request, _("Your comment is changed."))
                return redirect(f"{services.thread_url(thread)}#comment-{comment.pk}")
            status = done.status
    context = {
        "organisation": thread.circle.organisation,
        "circle": thread.circle,
        "comment": comment,
        "thread_url": services.thread_url(thread),
        "form": form,
        "error": error,
        "until": comment.editable_until(),
    }
    return render(request, "discussions/comment_edit.html", context, status=status)


@login_required
@require_POST
def comment_withdraw(request: HttpRequest, org: str, comment_id: int) -> HttpResponse:
    comment = _comment(request, org, comment_id, "withdraw")
    with attempt() as done:
        services.withdraw_comment(comment=comment, actor=person(request))
    if done.ok:
        messages.success(request, _("Your comment is withdrawn: its words are gone."))
    else:
        messages.error(request, done.text)
    return redirect(f"{services.thread_url(comment.thread)}#comment-{comment.pk}")


# A circle's discussions ---------------------------------------------------------------------


@login_required
def circle_threads(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    organisation = circle_permissions.get_organisation_for(request.user, org)
    the_circle = circle_permissions.get_circle_for(request.user, organisation, circle)
    threads = selectors.threads_of(request.user, the_circle)
    context = {"organisation": organisation, "circle": the_circle, "threads": threads}
    return render(request, "discussions/circle_threads.html", context)
