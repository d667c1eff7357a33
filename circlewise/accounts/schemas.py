"""The API's shapes for the caller's own account and their personal access tokens."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema


class MeOut(Schema):
    id: int
    email: str
    name: str
    pronouns: str
    timezone: str
    date_joined: dt.datetime
    authenticated_by: Literal["session", "token"]
    token_scope: Literal["read", "write"] | None = Field(
        description="The scope of the token this request came with; null for a session."
    )


class TokenOut(Schema):
    id: int
    name: str
    scope: Literal["read", "write"]
    hint: str = Field(description="The token's first characters, to recognise it by.")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    is_active: bool


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself. Shown only in this answer: copy it now.")


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    scope: Literal["read", "write"] = "read"


class CalendarOut(Schema):
    url: str | None = Field(
        description="The secret address of your calendar feed (iCalendar), for a calendar "
        "application to subscribe to; null when you have none. Anyone with it can read it."
    )
