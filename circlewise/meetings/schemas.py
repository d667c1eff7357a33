"""The API's shapes for meetings: a meeting with its agenda, and what a client sends to plan or
change one, cancel it, and keep its agenda. Times are ISO 8601 with their offset (UTC in
answers); `time_zone` is the IANA zone a meeting keeps its time of day in."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from circlewise.circles.schemas import PersonOut
from circlewise.core.inputs import Text


class AgendaItemOut(Schema):
    id: int
    position: int
    title: str
    outcome: str = Field(description="understand, explore or decide.")
    minutes: int
    presenter: PersonOut | None
    details: str = Field(description="Markdown.")
    backlog_item_id: int | None
    status: str = Field(description="agenda (on it), proposed (waiting) or declined.")
    decline_reason: str
    added_by: PersonOut


class MeetingOut(Schema):
    id: int
    circle_id: int
    series_id: int | None
    repeat: str | None = Field(description="How its series repeats; None for a single meeting.")
    title: str = Field(description="Empty: the page says “Meeting of” and the circle's name.")
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    place: str
    video_url: str
    facilitator: PersonOut | None
    secretary: PersonOut | None
    status: str = Field(description="planned or cancelled.")
    cancel_reason: str
    agenda: list[AgendaItemOut] = Field(description="In order; then proposed and declined items.")
    may_keep_agenda: bool
    may_propose: bool


class MeetingSummaryOut(Schema):
    id: int
    circle_id: int
    series_id: int | None
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    status: str


class MeetingIn(Schema):
    starts_at: dt.datetime = Field(description="With its offset; a time still to come.")
    time_zone: str | None = Field(None, description="IANA zone; yours by default.")
    duration_minutes: int = Field(90, ge=15, le=480)
    title: str = Field("", max_length=200)
    place: str = Field("", max_length=200)
    video_url: str = Field("", max_length=500)
    facilitator_id: int | None = Field(None, description="A member; the circle's by default.")
    secretary_id: int | None = Field(None, description="A member; the circle's by default.")
    repeat: Literal["never", "weekly", "fortnightly", "monthly"] = "never"
    until: dt.date | None = Field(None, description="The last day of a repeating meeting.")


class MeetingPatch(Schema):
    starts_at: dt.datetime | None = None
    time_zone: str | None = None
    duration_minutes: int | None = Field(None, ge=15, le=480)
    title: str | None = Field(None, max_length=200)
    place: str | None = Field(None, max_length=200)
    video_url: str | None = Field(None, max_length=500)
    facilitator_id: int | None = None
    secretary_id: int | None = None


class CancelIn(Schema):
    reason: str = Field(..., max_length=500)


class AgendaItemIn(Schema):
    title: str = Field("", max_length=200, description="Required unless from the backlog.")
    outcome: Literal["", "understand", "explore", "decide"] = ""
    minutes: int = Field(10, ge=1, le=480)
    presenter_id: int | None = None
    details: Text = ""
    backlog_item_id: int | None = Field(None, description="Take this topic from the backlog.")


class DeclineIn(Schema):
    reason: str = Field(..., max_length=500)


class MoveIn(Schema):
    direction: Literal["up", "down"]


class MinutesOut(Schema):
    meeting_id: int
    status: str = Field(
        description="none (not drafted yet: at the meeting's close), draft, consent (out for "
        "lazy consent) or approved."
    )
    text: str | None = Field(
        description="Markdown; None where the caller may not read them (a draft is its keepers')."
    )
    consent_round: int = Field(description="How many times they were sent for consent.")
    consent_until: dt.datetime | None = Field(description="The end of the time to object.")
    approved_at: dt.datetime | None
    approved_by: PersonOut | None
    approved_by_consent: bool = Field(description="Approved by lazy consent: nobody objected.")


class MinutesTextIn(Schema):
    text: Annotated[str, StringConstraints(max_length=50_000)] = Field(
        description="The minutes, in Markdown: at most 50,000 characters."
    )


class ConsentIn(Schema):
    days: int = Field(7, description="The time to object, in whole days: 1 to 30.")


class MinutesObjectionIn(Schema):
    reason: Text = Field(..., description="What is wrong or missing; required.")


class MinutesHitOut(Schema):
    meeting_id: int
    circle_id: int
    circle_name: str
    title: str
    starts_at: dt.datetime
    excerpt: str = Field(description="HTML: the text around the match, escaped, in <mark>.")
    url: str = Field(description="The minutes' page.")
