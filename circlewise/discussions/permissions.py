"""Who may read and write which discussion.

A backlog item's thread is read and written by whoever may see the item: whoever may see its
circle (the whole organisation for an open circle, members of other circles raise topics there
too; a private circle's threads only its members). A draft's thread is its author's alone until
they share the draft for comment; then the members of its circle read the draft and comment, until
the author stops sharing. Once the proposal is presented its draft's thread is read wherever the
proposal is, and takes no more comments (the consent process has its own questions and reactions).

Whatever a person may not read is missing (404), in lists too; what they may read but not do is
forbidden (403); a thread that is closed to everyone (a presented proposal's, a closed item's)
refuses a comment with 409, in services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from circlewise.circles import permissions as circle_permissions
from circlewise.decisions import permissions as decision_permissions
from circlewise.decisions.models import BacklogItem, Proposal

from .models import Comment, Thread

if TYPE_CHECKING:
    from circlewise.core.types import Viewer

ThreadNeed = Literal["view", "comment"]
CommentNeed = Literal["view", "edit", "withdraw"]


def can_view_thread(user: Viewer, thread: Thread) -> bool:
    if thread.proposal is not None:
        return decision_permissions.can_view_proposal(user, thread.proposal)
    return circle_permissions.can_view_circle(user, thread.circle)


def can_comment(user: Viewer, thread: Thread) -> bool:
    """Whoever reads an item's thread writes in it; a draft's thread takes comments from the
    members of its circle (its author among them)."""
    if not circle_permissions.is_person(user) or not can_view_thread(user, thread):
        return False
    if thread.proposal_id is not None:
        return circle_permissions.is_circle_member(user, thread.circle)
    return True


def can_edit_comment(user: Viewer, comment: Comment) -> bool:
    """Its author, while they may still write in the thread (how long: services)."""
    return comment.author_id == getattr(user, "pk", None) and can_comment(user, comment.thread)


def can_withdraw_comment(user: Viewer, comment: Comment) -> bool:
    """Its author, for as long as they may read the thread: their words are theirs to take back."""
    return comment.author_id == getattr(user, "pk", None) and can_view_thread(user, comment.thread)


def can_share_draft(user: Viewer, proposal: Proposal) -> bool:
    """Sharing a draft for comment, and stopping: its author, while it is a draft."""
    return decision_permissions.can_edit_draft(user, proposal)


def can_start_proposal(user: Viewer, thread: Thread) -> bool:
    """Turning an item's discussion into a proposal: whoever may propose in its circle."""
    return (
        thread.item_id is not None
        and can_view_thread(user, thread)
        and decision_permissions.can_propose(user, thread.circle)
    )


# Rules the services check, read afresh inside their transaction -------------------------------


def may_comment_now(user: Viewer, thread: Thread) -> bool:
    """can_comment read afresh (whether the thread is open to comments is the services' to say)."""
    if not circle_permissions.can_view_circle_now(user, thread.circle):
        return False
    return thread.proposal_id is None or decision_permissions.is_member_now(user, thread.circle)


# Fetch and authorise in one call -----------------------------------------------------------

THREAD_NEEDS: dict[ThreadNeed, Callable[[Any, Thread], bool]] = {
    "view": can_view_thread,
    "comment": can_comment,
}
COMMENT_NEEDS: dict[CommentNeed, Callable[[Any, Comment], bool]] = {
    "view": lambda user, comment: can_view_thread(user, comment.thread),
    "edit": can_edit_comment,
    "withdraw": can_withdraw_comment,
}


def _authorise(user: Viewer, thread: Thread, need: ThreadNeed) -> Thread:
    if not can_view_thread(user, thread):
        raise Http404
    if not THREAD_NEEDS[need](user, thread):
        raise PermissionDenied
    return thread


def thread_of_item(item: BacklogItem) -> Thread:
    """The item's thread: the stored one, or a new one not yet saved (the first comment saves
    it)."""
    found = Thread.objects.filter(item=item).first()
    if found is None:
        return Thread(circle=item.circle, item=item)
    found.item, found.circle = item, item.circle
    return found


def thread_of_proposal(proposal: Proposal) -> Thread:
    found = Thread.objects.filter(proposal=proposal).first()
    if found is None:
        return Thread(circle=proposal.circle, proposal=proposal)
    found.proposal, found.circle = proposal, proposal.circle
    return found


def get_thread_for(user: Viewer, thread_id: int, *, need: ThreadNeed = "view") -> Thread:
    thread = (
        Thread.objects.select_related("circle__organisation", "item", "proposal__author")
        .filter(pk=thread_id)
        .first()
    )
    if thread is None:
        raise Http404
    if thread.proposal is not None:
        thread.proposal.circle = thread.circle
    if thread.item is not None:
        thread.item.circle = thread.circle
    return _authorise(user, thread, need)


def get_item_thread_for(user: Viewer, item_id: int, *, need: ThreadNeed = "view") -> Thread:
    """The thread of the backlog item, as `get_thread_for` authorises it."""
    item = decision_permissions.get_item_for(user, item_id)
    return _authorise(user, thread_of_item(item), need)


def get_proposal_thread_for(user: Viewer, proposal_id: int, *, need: ThreadNeed = "view") -> Thread:
    proposal = decision_permissions.get_proposal_for(user, proposal_id)
    return _authorise(user, thread_of_proposal(proposal), need)


def get_comment_for(user: Viewer, comment_id: int, *, need: CommentNeed = "view") -> Comment:
    comment = (
        Comment.objects.select_related(
            "author", "thread__circle__organisation", "thread__item", "thread__proposal"
        )
        .filter(pk=comment_id)
        .first()
    )
    if comment is None:
        raise Http404
    thread = comment.thread
    if thread.proposal is not None:
        thread.proposal.circle = thread.circle
    if thread.item is not None:
        thread.item.circle = thread.circle
    if not can_view_thread(user, thread):
        raise Http404
    if not COMMENT_NEEDS[need](user, comment):
        raise PermissionDenied
    return comment
