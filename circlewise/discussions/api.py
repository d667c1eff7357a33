"""API operations on discussions: a circle's threads, a backlog item's or a draft's thread with
its comments, commenting and replying, editing and withdrawing a comment, sharing a draft for
comment. The same permission functions and services as the pages."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from circlewise.circles import permissions as circle_permissions
from circlewise.core.api import Pages, responses
from circlewise.core.api_auth import auth_user
from circlewise.core.errors import ServiceError
from circlewise.core.types import Viewer
from circlewise.decisions import permissions as decision_permissions

from . import permissions, selectors, services
from .models import Comment, Thread
from .schemas import CommentEditIn, CommentIn, CommentOut, ThreadOut, ThreadSummaryOut, comment_out

router = Router(tags=["discussions"])


def _subject(thread: Thread) -> str:
    if thread.item is not None:
        return thread.item.topic
    assert thread.proposal is not None
    return thread.proposal.current_version.title


def _thread_out(user: Viewer, thread: Thread) -> dict[str, Any]:
    entries = selectors.comments_of(thread)
    flat = []
    for entry in entries:
        flat.append(comment_out(entry))
        flat.extend(comment_out(reply) for reply in entry.replies)
    flat.sort(key=lambda c: (c["created_at"], c["id"]))
    return {
        "id": thread.pk,
        "circle_id": thread.circle_id,
        "item_id": thread.item_id,
        "proposal_id": thread.proposal_id,
        "subject": _subject(thread),
        "is_shared": thread.shared_at is not None,
        "may_comment": permissions.can_comment(user, thread),
        "comment_count": len(flat),
        "comments": flat,
    }


def _entry_of(comment: Comment) -> dict[str, Any]:
    thread = Thread.objects.get(pk=comment.thread_id)
    for entry in selectors.comments_of(thread):
        for one in (entry, *entry.replies):
            if one.comment.pk == comment.pk:
                return comment_out(one)
    raise Http404  # pragma: no cover - the comment was just read


def _post(user: Any, thread: Thread, payload: CommentIn) -> Status[dict[str, Any]]:
    if not permissions.can_comment(user, thread):
        raise PermissionDenied
    reply_to = None
    if payload.reply_to_id is not None:
        reply_to = Comment.objects.filter(pk=payload.reply_to_id, thread_id=thread.pk).first()
        if reply_to is None or thread.pk is None:
            raise ServiceError("That comment is not in this discussion.", field="reply_to_id")
    where: dict[str, Any] = (
        {"item": thread.item} if thread.item is not None else {"proposal": thread.proposal}
    )
    comment = services.post_comment(actor=user, text=payload.text, reply_to=reply_to, **where)
    return Status(201, _entry_of(comment))


@router.get(
    "/circles/{circle_id}/threads",
    response=list[ThreadSummaryOut],
    operation_id="listThreads",
    summary="A circle's discussions you may read, the latest comment first",
)
@paginate(Pages)
def list_threads(request: HttpRequest, circle_id: int) -> list[dict[str, Any]]:
    user = auth_user(request)
    circle = circle_permissions.get_circle_by_id_for(user, circle_id)
    return [
        {
            "id": t.pk,
            "circle_id": t.circle_id,
            "item_id": t.item_id,
            "proposal_id": t.proposal_id,
            "subject": t.item.topic if t.item is not None else t.proposal_title,  # type: ignore[attr-defined]
            "is_shared": t.shared_at is not None,
            "comment_count": t.comment_count,  # type: ignore[attr-defined]
            "last_comment_at": t.last_comment_at,  # type: ignore[attr-defined]
        }
        for t in selectors.threads_of(user, circle)
    ]


@router.get(
    "/backlog/{item_id}/thread",
    response=responses(ThreadOut),
    operation_id="getItemThread",
    summary="A backlog item's discussion, with its comments in order",
)
def get_item_thread(request: HttpRequest, item_id: int) -> dict[str, Any]:
    user = auth_user(request)
    return _thread_out(user, permissions.get_item_thread_for(user, item_id))


@router.post(
    "/backlog/{item_id}/thread/comments",
    response=responses(CommentOut, 201),
    operation_id="commentOnItem",
    summary="Comment on a backlog item, or reply to one of its comments",
)
def comment_on_item(
    request: HttpRequest, item_id: int, payload: CommentIn
) -> Status[dict[str, Any]]:
    user = auth_user(request)
    return _post(user, permissions.get_item_thread_for(user, item_id), payload)


@router.get(
    "/proposals/{proposal_id}/thread",
    response=responses(ThreadOut),
    operation_id="getProposalThread",
    summary="A draft's discussion (shared for comment), or a proposal's from its draft",
)
def get_proposal_thread(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    user = auth_user(request)
    return _thread_out(user, permissions.get_proposal_thread_for(user, proposal_id))


@router.post(
    "/proposals/{proposal_id}/thread/comments",
    response=responses(CommentOut, 201),
    operation_id="commentOnDraft",
    summary="Comment on a draft shared for comment, or reply to one of its comments",
)
def comment_on_draft(
    request: HttpRequest, proposal_id: int, payload: CommentIn
) -> Status[dict[str, Any]]:
    user = auth_user(request)
    return _post(user, permissions.get_proposal_thread_for(user, proposal_id), payload)


def _draft_for(user: Any, proposal_id: int) -> Any:
    proposal = decision_permissions.get_proposal_for(user, proposal_id)
    if not permissions.can_share_draft(user, proposal):
        raise PermissionDenied
    return proposal


@router.post(
    "/proposals/{proposal_id}/share",
    response=responses(ThreadOut),
    operation_id="shareDraft",
    summary="Share your draft for comment with the members of its circle",
)
def share_draft(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    user = auth_user(request)
    proposal = _draft_for(user, proposal_id)
    thread = services.share_draft(proposal=proposal, actor=user)
    return _thread_out(user, permissions.get_proposal_thread_for(user, thread.proposal_id or 0))


@router.delete(
    "/proposals/{proposal_id}/share",
    response=responses(ThreadOut),
    operation_id="stopSharingDraft",
    summary="Stop sharing your draft: it is yours alone again, its comments kept",
)
def stop_sharing_draft(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    user = auth_user(request)
    proposal = _draft_for(user, proposal_id)
    thread = services.stop_sharing(proposal=proposal, actor=user)
    return _thread_out(user, permissions.get_proposal_thread_for(user, thread.proposal_id or 0))


@router.patch(
    "/comments/{comment_id}",
    response=responses(CommentOut),
    operation_id="editComment",
    summary="Change your comment, within 15 minutes of posting it (the earlier text is kept)",
)
def edit_comment(request: HttpRequest, comment_id: int, payload: CommentEditIn) -> dict[str, Any]:
    user = auth_user(request)
    comment = permissions.get_comment_for(user, comment_id, need="edit")
    comment = services.edit_comment(comment=comment, actor=user, text=payload.text)
    return _entry_of(comment)


@router.post(
    "/comments/{comment_id}/withdraw",
    response=responses(CommentOut),
    operation_id="withdrawComment",
    summary="Withdraw your comment: its words go, the fact that it was there stays",
)
def withdraw_comment(request: HttpRequest, comment_id: int) -> dict[str, Any]:
    user = auth_user(request)
    comment = permissions.get_comment_for(user, comment_id, need="withdraw")
    comment = services.withdraw_comment(comment=comment, actor=user)
    return _entry_of(comment)
