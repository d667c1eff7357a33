"""Every change to a discussion: posting, replying, editing and withdrawing a comment, sharing a
draft for comment (and stopping), and turning an item's discussion into a proposal.

Each runs in one transaction that appends its ledger event; the people it concerns are notified
after commit (ledger.append's `notify`). What a comment says stays out of the ledger: the event
records that someone commented, where, and on what, so a withdrawn comment's words are gone from
everywhere (the ledger cannot forget).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, CircleMembership
from circlewise.core import ledger
from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.decisions import permissions as decision_permissions
from circlewise.decisions import services as decisions
from circlewise.decisions.models import BacklogItem, Proposal

from . import permissions
from .models import COMMENT_LIMIT, EDIT_WINDOW, Comment, CommentEdit, Thread, handle_of

# "@handle": after a space, a bracket or the start, not inside an address ("ada@example.org").
MENTION = re.compile(r"(?<![\w@/.])@([\w][\w-]*\w|\w)", re.UNICODE)


# Reads the services need --------------------------------------------------------------------


def member_handles(circle: Circle) -> list[tuple[str, User]]:
    """The circle's current members with their handles, by name: who a comment can mention."""
    members = User.objects.filter(
        pk__in=CircleMembership.objects.current().filter(circle=circle).values("user_id"),
        is_active=True,
    ).order_by("name", "pk")
    return [(handle_of(user.name, user.pk), user) for user in members]


def mentioned_in(text: str, circle: Circle) -> list[int]:
    """The ids of the circle's current members a text mentions: nobody outside it, ever."""
    wanted = {match.casefold() for match in MENTION.findall(text)}
    if not wanted:
        return []
    return sorted(user.pk for handle, user in member_handles(circle) if handle.casefold() in wanted)


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("Write something first: the comment is empty."), field="text")
    if len(text) > COMMENT_LIMIT:
        raise ServiceError(
            _("A comment can be at most %(limit)s characters long; this one has %(count)s.")
            % {
                "limit": formats.number_format(COMMENT_LIMIT, force_grouping=True),
                "count": formats.number_format(len(text), force_grouping=True),
            },
            field="text",
        )
    return text


def _lock(thread: Thread) -> Thread:
    return Thread.objects.select_for_update().get(pk=thread.pk)


def _payload(thread: Thread, **extra: Any) -> dict[str, Any]:
    """What every discussion event says about its thread. An item's topic is named (the backlog's
    own events name it too); a draft's title is not: a draft is read only by its circle's
    members, the feed by everyone who sees the circle (its sentence reads the title once the
    proposal is presented)."""
    data: dict[str, Any] = {"thread": thread.pk}
    if thread.item_id is not None:
        data["item"] = thread.item_id
        data["topic"] = BacklogItem.objects.values_list("topic", flat=True).get(pk=thread.item_id)
    else:
        data["proposal"] = thread.proposal_id
    data["circle_name"] = thread.circle.name
    return {**data, **extra}


def _append(
    thread: Thread,
    actor: User,
    verb: str,
    obj: Any,
    notify: Iterable[int] = (),
    **extra: Any,
) -> LedgerEvent:
    return ledger.append(
        organisation=thread.circle.organisation,
        actor=actor,
        verb=verb,
        obj=obj,
        circle=thread.circle,
        payload=_payload(thread, **extra),
        notify=sorted(notify),
    )


def _require_open(thread: Thread, actor: User) -> None:
    """Whether the thread takes comments now, for the person (read afresh)."""
    circle = thread.circle
    if not permissions.may_comment_now(actor, thread):
        if thread.proposal_id is not None:
            message = _("Only members of %(circle)s comment on its drafts.")
        else:
            message = _("You can no longer take part in the discussions of %(circle)s.")
        raise ServiceError(message % {"circle": circle.name}, status=403)
    if circle.is_archived:
        raise ServiceError(_("An archived circle's discussions are closed."), status=409)
    if thread.proposal_id is not None:
        proposal = Proposal.objects.get(pk=thread.proposal_id)
        if not proposal.is_draft:
            raise ServiceError(
                _(
                    "This discussion closed when the proposal was presented: ask a clarifying "
                    "question or react in the consent process instead."
                ),
                status=409,
            )
        if thread.shared_at is None:
            raise ServiceError(
                _("Share the draft for comment first: until then, nobody else can read it."),
                status=409,
            )
    elif thread.item_id is not None:
        item = BacklogItem.objects.get(pk=thread.item_id)
        if item.status != BacklogItem.Status.OPEN:
            raise ServiceError(
                _("This topic is off the backlog, so its discussion is closed."), status=409
            )


def _who_hears(thread: Thread, comment: Comment, mentioned: list[int]) -> set[int]:
    """Those told of a comment: whom it mentions (members of the circle), whom it replies to and,
    on a draft, the draft's author, each only while they may read the thread."""
    told = set(mentioned)
    if comment.reply_to is not None:
        told.add(comment.reply_to.author_id)
    if thread.proposal_id is not None:
        told.add(Proposal.objects.values_list("author_id", flat=True).get(pk=thread.proposal_id))
    readers = User.objects.filter(pk__in=told, is_active=True)
    return {user.pk for user in readers if _may_read_now(user, thread)}


def _may_read_now(user: User, thread: Thread) -> bool:
    if not circle_permissions.can_view_circle_now(user, thread.circle):
        return False
    if thread.proposal_id is None:
        return True
    proposal = Proposal.objects.get(pk=thread.proposal_id)
    return proposal.author_id == user.pk or decision_permissions.is_member_now(user, thread.circle)


# Comments ----------------------------------------------------------------------------------


@transaction.atomic
def post_comment(
    *,
    actor: User,
    text: str,
    item: BacklogItem | None = None,
    proposal: Proposal | None = None,
    reply_to: Comment | None = None,
) -> Comment:
    """A comment on a backlog item's discussion or on a shared draft's (one of `item` and
    `proposal`), or a reply to one of its comments. The thread is made with its first comment."""
    if (item is None) == (proposal is None):
        raise ValueError("post_comment needs one of item and proposal")
    if item is not None:
        thread, _made = Thread.objects.get_or_create(item=item, defaults={"circle": item.circle})
    else:
        assert proposal is not None
        thread, _made = Thread.objects.get_or_create(
            proposal=proposal, defaults={"circle": proposal.circle}
        )
    thread = _lock(thread)
    thread.circle = item.circle if item is not None else proposal.circle  # type: ignore[union-attr]
    _require_open(thread, actor)
    text = _clean_text(text)
    if reply_to is not None:
        if reply_to.thread_id != thread.pk:
            raise ServiceError(_("That comment is in another discussion."), field="reply_to")
        if reply_to.reply_to_id is not None:  # one level: answer the comment it answered
            reply_to = Comment.objects.get(pk=reply_to.reply_to_id)
    comment = Comment.objects.create(thread=thread, author=actor, reply_to=reply_to, text=text)
    mentioned = mentioned_in(text, thread.circle)
    extra: dict[str, Any] = {"comment": comment.pk}
    if reply_to is not None:
        extra |= {"reply_to": reply_to.pk, "reply_to_name": reply_to.author.name}
    if mentioned:
        extra["mentioned"] = mentioned
    _append(
        thread,
        actor,
        "discussion.commented",
        comment,
        _who_hears(thread, comment, mentioned),
        **extra,
    )
    return comment


def _lock_comment(comment: Comment) -> Comment:
    return (
        Comment.objects.select_for_update()
        .select_related("thread__circle__organisation", "author")
        .get(pk=comment.pk)
    )


@transaction.atomic
def edit_comment(*, comment: Comment, actor: User, text: str) -> Comment:
    """A new text for a comment, by its author within EDIT_WINDOW of posting it; the text it
    replaces is kept (CommentEdit), and the page says it was edited. Those mentioned for the
    first time by the new text are told."""
    comment = _lock_comment(comment)
    if comment.author_id != actor.pk:
        raise ServiceError(_("Only the person who wrote a comment can edit it."), status=403)
    thread = comment.thread
    _require_open(thread, actor)
    if comment.is_withdrawn:
        raise ServiceError(_("A withdrawn comment cannot be edited."), status=409)
    now = timezone.now()
    if not comment.is_editable(now):
        minutes = int(EDIT_WINDOW.total_seconds() // 60)
        raise ServiceError(
            _(
                "A comment can be edited for %(minutes)s minutes after it is posted; this one "
                "can no longer be changed. Reply to it instead."
            )
            % {"minutes": minutes},
            status=409,
        )
    text = _clean_text(text)
    if text == comment.text:
        return comment
    before = mentioned_in(comment.text, thread.circle)
    CommentEdit.objects.create(comment=comment, text=comment.text, replaced_at=now)
    comment.text, comment.edited_at = text, now
    comment.save(update_fields=["text", "edited_at"])
    mentioned = mentioned_in(text, thread.circle)
    newly = sorted(set(mentioned) - set(before))
    told = {uid for uid in newly if _may_read_now(User.objects.get(pk=uid), thread)}
    extra: dict[str, Any] = {"comment": comment.pk}
    if newly:
        extra["mentioned"] = newly
    _append(thread, actor, "discussion.comment_edited", comment, told, **extra)
    return comment


@transaction.atomic
def withdraw_comment(*, comment: Comment, actor: User) -> Comment:
    """Its author takes a comment back: its words go (and those of its earlier versions), the
    fact that it was there stays, with its author and time, and its replies keep their place."""
    comment = _lock_comment(comment)
    if comment.author_id != actor.pk:
        raise ServiceError(_("Only the person who wrote a comment can withdraw it."), status=403)
    if not permissions.can_view_thread(actor, comment.thread) or not (
        circle_permissions.can_view_circle_now(actor, comment.thread.circle)
    ):
        raise ServiceError(_("You can no longer see this discussion."), status=403)
    if comment.is_withdrawn:
        raise ServiceError(_("This comment is already withdrawn."), status=409)
    comment.text, comment.withdrawn_at = "", timezone.now()
    comment.save(update_fields=["text", "withdrawn_at"])
    CommentEdit.objects.filter(comment=comment).update(text="")
    _append(comment.thread, actor, "discussion.comment_withdrawn", comment, comment=comment.pk)
    return comment


# Sharing a draft ---------------------------------------------------------------------------


def _lock_draft(proposal: Proposal, actor: User) -> Proposal:
    proposal = (
        Proposal.objects.select_for_update()
        .select_related("circle__organisation")
        .get(pk=proposal.pk)
    )
    if proposal.author_id != actor.pk:
        raise ServiceError(
            _("Only the draft's author can share it or stop sharing it."), status=403
        )
    if not proposal.is_draft:
        raise ServiceError(_("This proposal is no longer a draft: it is presented."), status=409)
    return proposal


@transaction.atomic
def share_draft(*, proposal: Proposal, actor: User) -> Thread:
    """The author opens their draft to the members of its circle, to read and comment on before
    they present it. Sharing again changes nothing."""
    proposal = _lock_draft(proposal, actor)
    thread, _made = Thread.objects.get_or_create(
        proposal=proposal, defaults={"circle": proposal.circle}
    )
    thread = _lock(thread)
    thread.circle = proposal.circle
    if thread.shared_at is not None:
        return thread
    decision_permissions.require_member(
        actor, proposal.circle, _("Only members of the circle share drafts with it.")
    )
    thread.shared_at = timezone.now()
    thread.save(update_fields=["shared_at"])
    _append(thread, actor, "discussion.draft_shared", proposal)
    return thread


@transaction.atomic
def stop_sharing(*, proposal: Proposal, actor: User) -> Thread:
    """The draft is its author's alone again; its comments stay, hidden with it, and come back
    if it is shared again."""
    proposal = _lock_draft(proposal, actor)
    thread = Thread.objects.filter(proposal=proposal).first()
    if thread is None or thread.shared_at is None:
        raise ServiceError(_("This draft is not shared."), status=409)
    thread = _lock(thread)
    thread.circle = proposal.circle
    thread.shared_at = None
    thread.save(update_fields=["shared_at"])
    _append(thread, actor, "discussion.draft_unshared", proposal)
    return thread


# From a discussion to a proposal ------------------------------------------------------------


def thread_url(thread: Thread) -> str:
    organisation = thread.circle.organisation
    if thread.item_id is not None:
        return reverse("discussions:item_thread", args=[organisation.slug, thread.item_id])
    return reverse("discussions:proposal_thread", args=[organisation.slug, thread.proposal_id])


def driver_from(thread: Thread, item: BacklogItem) -> str:
    """The driver a proposal started from an item's discussion begins with: the item's details
    (its topic is the proposal's title), a summary line of the discussion and a link to it."""
    comments = [c for c in thread.comments.select_related("author") if not c.is_withdrawn]
    names = sorted({c.author.name for c in comments})
    need = item.description.strip()
    summary = ngettext(
        "Discussed on the backlog of %(circle)s: %(count)s comment by %(names)s.",
        "Discussed on the backlog of %(circle)s: %(count)s comments by %(names)s.",
        len(comments),
    ) % {
        "circle": thread.circle.name,
        "count": len(comments),
        "names": ", ".join(names) or _("nobody yet"),
    }
    link = _("The discussion: %(url)s") % {"url": thread_url(thread)}
    return "\n\n".join(part for part in (need, summary, link) if part)


@transaction.atomic
def start_proposal(
    *, item: BacklogItem, actor: User, title: str, driver: str, text: str
) -> Proposal:
    """A draft proposal in the item's circle, written from its discussion: the thread is linked
    from the proposal ("the discussion that led here")."""
    thread, _made = Thread.objects.get_or_create(item=item, defaults={"circle": item.circle})
    thread = _lock(thread)
    thread.circle = item.circle
    proposal = decisions.create_proposal(
        circle=item.circle, author=actor, title=title, driver=driver, text=text
    )
    thread.led_to.add(proposal)
    _append(thread, actor, "discussion.proposal_started", thread, started=proposal.pk)
    return proposal
