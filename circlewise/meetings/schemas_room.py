"""The API's shapes for the live room, its turn log, evaluation cards and action items."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from circlewise.core.inputs import Text


class SeatOut(Schema):
    id: int
    name: str


class HandOut(Schema):
    id: int
    name: str
    raised_at: dt.datetime
    spoken: int = Field(description="Turns this person has spoken in this meeting.")


class RoundOut(Schema):
    id: int
    kind: str
    prompt: str
    order: list[int] = Field(description="The people's ids, in speaking order.")
    turns_done: int
    passing: str = Field(description="fine, discouraged or refused.")


class RoomOut(Schema):
    version: int = Field(description="Moved by every change in the room.")
    status: str
    phase: str
    current_item_id: int | None
    present: list[SeatOut] = Field(description="In seat order.")
    round: RoundOut | None
    speaker: SeatOut | None
    next_two: list[SeatOut]
    turn_started_at: dt.datetime | None
    hands: list[HandOut] = Field(description="Raised outside rounds, in the queue's order.")
    discussion_started_at: dt.datetime | None
    discussion_minutes: int | None
    my_turn: bool
    runs: bool = Field(description="Whether the caller runs the room (facilitator, secretary…).")
    hand_up: bool


class RoomActionIn(Schema):
    """One action, as a screen sends it over the WebSocket (docs/meeting-room.md lists them)."""

    action: Literal[
        "open", "join", "record", "phase", "start_round", "complete", "end_round", "close",
        "present", "consent_close", "state_back", "amend", "notes",
        "hand", "floor", "hands_order", "seat", "discuss",
    ]  # fmt: skip
    user: int | None = None
    item: int | None = None
    phase: str | None = None
    kind: str | None = None
    prompt: Text | None = None
    first: int | None = None
    direction: Literal["clockwise", "anticlockwise"] | None = None
    speaker: int | None = None
    passed: bool = False
    come_back: bool = False
    written: Text | None = None
    answer: str | None = None
    reason: Text | None = None
    nominee: int | None = Field(
        None, description="In a selection's change round: whom one now nominates (none: keep)."
    )
    objection: int | None = None
    text: Text | None = None
    change_note: Text | None = None
    notes: Text | None = None
    up: bool | None = None
    least_first: bool = False
    to: Literal["earlier", "later"] | None = None
    minutes: int | None = None
    integrations: dict[str, Text] | None = Field(
        None, description="For amend: how the new version integrates each objection, by its id."
    )


class TurnOut(Schema):
    round_id: int
    kind: str
    user_id: int
    started_at: dt.datetime
    ended_at: dt.datetime | None
    passed: bool
    written: bool = Field(description="Given in writing rather than spoken.")
    came_back: bool
    recorded_by_id: int | None = Field(description="Who recorded it, for someone without a device.")


class EvaluationIn(Schema):
    heard: int
    on_time: int
    clear: int
    respected: int
    served_aim: int
    went_well: Text = ""
    could_improve: Text = ""


class TrendOut(Schema):
    meeting_id: int
    starts_at: dt.datetime
    cards: int
    averages: dict[str, float]


class ActionOut(Schema):
    id: int
    circle_id: int
    meeting_id: int | None
    title: str
    owner_id: int
    due_on: dt.date | None
    status: str


class ActionIn(Schema):
    title: Text
    owner_id: int
    due_on: dt.date | None = None
    meeting_id: int | None = None


class ActionCloseIn(Schema):
    done: bool = True
    reason: Text = ""
