"""Discussion threads: one per backlog item, one per draft proposal its author shares for
comment. Comments are Markdown, with one level of replies; they are edited for a short while by
their author (each earlier text kept) and never deleted: a withdrawn comment keeps its place,
author and time, and loses its words."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from circlewise.circles.models import Circle
from circlewise.core import fields

# What a comment may hold, and how long its author may still change it.
COMMENT_LIMIT = 10_000
EDIT_WINDOW = dt.timedelta(minutes=15)


class Thread(models.Model):
    """The discussion of one backlog item or of one draft proposal (exactly one of the two).

    A draft's thread is open to the members of its circle while `shared_at` is set (the author
    shares it, and may stop sharing: the comments stay, hidden with the draft again)."""

    circle = models.ForeignKey(Circle, on_delete=models.PROTECT, related_name="threads")
    item = models.OneToOneField(
        "decisions.BacklogItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="thread",
    )
    proposal = models.OneToOneField(
        "decisions.Proposal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="thread",
    )
    shared_at = models.DateTimeField(null=True, blank=True)
    # The proposals members started from this thread ("turn this into a proposal").
    led_to = models.ManyToManyField(
        "decisions.Proposal", blank=True, related_name="discussions_behind"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(item__isnull=False) & Q(proposal__isnull=True))
                | (Q(item__isnull=True) & Q(proposal__isnull=False)),
                name="thread_on_an_item_or_a_proposal",
            )
        ]

    def __str__(self) -> str:
        if self.item_id is not None:
            return f"thread on item {self.item_id}"
        return f"thread on proposal {self.proposal_id}"

    @property
    def is_shared(self) -> bool:
        return self.shared_at is not None


class Comment(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A reply answers a comment at the top of the thread: one level of nesting (a reply to a
    # reply answers the comment that reply answered).
    reply_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    text = fields.TextField(_("comment"), max_length=COMMENT_LIMIT, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk} in {self.thread_id}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def editable_until(self) -> dt.datetime:
        return self.created_at + EDIT_WINDOW

    def is_editable(self, now: dt.datetime | None = None) -> bool:
        """Whether its author may still change it: within EDIT_WINDOW of posting, not withdrawn."""
        return not self.is_withdrawn and (now or timezone.now()) < self.editable_until()


class CommentEdit(models.Model):
    """An earlier text of an edited comment, kept when it was replaced."""

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="edits")
    text = fields.TextField(_("earlier text"), max_length=COMMENT_LIMIT, blank=True)
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["replaced_at", "pk"]

    def __str__(self) -> str:
        return f"edit of {self.comment_id}"


def handle_of(name: str, user_id: int) -> str:
    """How a person is mentioned in a comment: `@` and their name as a slug ("Ada Lovelace" is
    @ada-lovelace), letters of any script kept; a name with no letters or digits gives
    @member-<id>. Two members of a circle with the same handle are both mentioned by it."""
    from django.utils.text import slugify

    return slugify(name, allow_unicode=True) or f"member-{user_id}"
