"""The API's shapes for role improvement reviews: a review with what is written in it (for those
taking part only), and what a client sends at each step. Dates are ISO 8601."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from circlewise.circles.schemas import PersonOut
from circlewise.core.inputs import Text


class ReviewSummaryOut(Schema):
    id: int
    role_id: int
    role_name: str
    circle_id: int
    focus: PersonOut
    facilitator: PersonOut
    step: str = Field(
        description="reviewers, went_well, could_be_better, plan (summary, areas, plan) or completed."
    )
    meets_on: dt.date | None
    created_at: dt.datetime
    completed_at: dt.datetime | None


class FeedbackOut(Schema):
    id: int
    author: PersonOut
    round: str = Field(description="went_well, could_be_better or last_plan.")
    text: str
    created_at: dt.datetime


class PlanAnswerOut(Schema):
    person: PersonOut
    answer: str = Field(description="consent or objection.")
    reason: str


class PlanOut(Schema):
    version: int
    text: str
    measures: str
    until: dt.date
    consented_at: dt.datetime | None
    answers: list[PlanAnswerOut] = Field(description="The answers to this version.")


class ReviewOut(ReviewSummaryOut):
    reviewers: list[PersonOut]
    opening: str
    summary: str
    areas: str
    feedback: list[FeedbackOut]
    plan: PlanOut | None
    previous_plan: PlanOut | None = Field(
        description="The role's last plan, which this review measures (round last_plan)."
    )


class StartIn(Schema):
    facilitator_id: int
    meets_on: dt.date | None = None


class ReviewerIn(Schema):
    person_id: int


class TextIn(Schema):
    text: Text


class PlanIn(Schema):
    text: Text
    measures: Text = ""
    until: dt.date


class AnswerIn(Schema):
    answer: Literal["consent", "objection"]
    reason: Text = ""
