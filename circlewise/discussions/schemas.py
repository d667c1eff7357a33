"""The API's shapes for discussions: threads (with their comments, flat and in order, each reply
naming the comment it answers) and what a client sends to comment, edit and withdraw."""

import datetime as dt
from typing import Any

from ninja import Field, Schema

from circlewise.circles.schemas import PersonOut
from circlewise.core.inputs import Text


class CommentOut(Schema):
    id: int
    author: PersonOut
    reply_to_id: int | None = Field(description="The comment this one answers (one level).")
    text: str = Field(description="Markdown; empty once the comment is withdrawn.")
    html: str = Field(description="The text rendered and sanitised.")
    created_at: dt.datetime
    edited_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    is_withdrawn: bool
    edits: int = Field(description="How many times its author changed it.")


class ThreadOut(Schema):
    id: int | None = Field(description="None until the first comment starts the thread.")
    circle_id: int
    item_id: int | None
    proposal_id: int | None
    subject: str = Field(description="The backlog item's topic or the proposal's title.")
    is_shared: bool = Field(description="A draft's thread: shared for comment with the circle.")
    may_comment: bool
    comment_count: int
    comments: list[CommentOut]


class ThreadSummaryOut(Schema):
    id: int
    circle_id: int
    item_id: int | None
    proposal_id: int | None
    subject: str
    is_shared: bool
    comment_count: int
    last_comment_at: dt.datetime | None


class CommentIn(Schema):
    text: Text = Field(description="Markdown, up to 10,000 characters; @handle mentions.")
    reply_to_id: int | None = Field(None, description="Reply to this comment of the thread.")


class CommentEditIn(Schema):
    text: Text


def comment_out(entry: Any) -> dict[str, Any]:
    c = entry.comment
    return {
        "id": c.pk,
        "author": c.author,
        "reply_to_id": c.reply_to_id,
        "text": "" if c.is_withdrawn else c.text,
        "html": str(entry.html),
        "created_at": c.created_at,
        "edited_at": c.edited_at,
        "withdrawn_at": c.withdrawn_at,
        "is_withdrawn": c.is_withdrawn,
        "edits": entry.edits,
    }
