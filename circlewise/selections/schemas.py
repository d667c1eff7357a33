"""The API's shapes for selections: a selection with its roster, term, qualifications, the
nominations the caller may read and the candidate's consent round; and what a client sends at
each step. Dates and times are ISO 8601."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from circlewise.circles.schemas import PersonOut
from circlewise.core.inputs import Text


class SelectionSummaryOut(Schema):
    id: int
    role_id: int
    role_name: str
    circle_id: int
    facilitator: PersonOut
    proposer: PersonOut | None = Field(
        description="The member the facilitator handed the proposal over to, if any."
    )
    step: str = Field(
        description="prepare, nominate, change, propose, consent, completed or cancelled."
    )
    term_months: int
    step_ends_at: dt.datetime | None
    revealed_at: dt.datetime | None
    created_at: dt.datetime
    closed_at: dt.datetime | None


class SelectionSeatOut(Schema):
    person: PersonOut
    seat: int
    is_voting: bool = Field(
        description="Still in the circle: nominates and answers (false for someone who left)."
    )


class SelectionPreparationAnswerOut(Schema):
    person: PersonOut
    answer: str = Field(description="consent or objection.")
    reason: str
    answered_at: dt.datetime


class SelectionNominationOut(Schema):
    round: str = Field(description="nomination (written before the reveal) or change.")
    nominator: PersonOut
    nominee: PersonOut
    reason: str
    kept: bool = Field(description="In the change round: the first nomination kept.")
    created_at: dt.datetime


class SelectionCandidateAnswerOut(Schema):
    person: PersonOut
    answer: str = Field(description="consent or objection.")
    reason: str
    withdrawn_at: dt.datetime | None = Field(description="When an objection was withdrawn.")
    recorded_by: PersonOut | None = Field(
        description="Who recorded the answer for someone without a device, in a meeting."
    )
    answered_at: dt.datetime


class SelectionCandidateOut(Schema):
    id: int
    nominee: PersonOut
    version: int
    reasons: str
    term_months: int
    measures: str
    proposed_by: PersonOut
    created_at: dt.datetime
    answers: list[SelectionCandidateAnswerOut] = Field(
        description="The answers to this version, in the round's order: the nominee last."
    )
    waiting_for: list[PersonOut] = Field(description="Who is still to answer, in order.")


class SelectionOut(SelectionSummaryOut):
    qualifications: list[str]
    preparation_version: int
    preparation_answers: list[SelectionPreparationAnswerOut] = Field(
        description="The answers to the term and qualifications as they stand now."
    )
    roster: list[SelectionSeatOut] = Field(description="Who nominates and answers, in seat order.")
    nominations_revealed: bool
    nominations: list[SelectionNominationOut] = Field(
        description=(
            "Before the reveal, only the caller's own nomination; after it, everyone's in both "
            "rounds (the grid of nominator and nominee)."
        )
    )
    candidate: SelectionCandidateOut | None = Field(
        description="The proposal answered now, if any."
    )
    assignment_id: int | None = Field(description="The term the completed selection created.")


class SelectionStartIn(Schema):
    facilitator_id: int | None = Field(
        None, description="Who facilitates; by default the circle's facilitator, else you."
    )
    term_months: int | None = Field(None, description="By default the role's usual term.")
    qualifications: Text | None = Field(
        None, description="One per line; by default the role's list from its last selection."
    )
    step_ends_at: dt.datetime | None = None


class SelectionPrepareIn(Schema):
    term_months: int
    qualifications: Text = Field("", description="One per line.")
    step_ends_at: dt.datetime | None = None


class SelectionQualificationIn(Schema):
    qualification: Text


class SelectionConsentIn(Schema):
    answer: Literal["consent", "objection"] = Field(
        description="Nobody passes: an objection says why."
    )
    reason: Text = ""


class SelectionStepEndIn(Schema):
    step_ends_at: dt.datetime | None = Field(None, description="None: no deadline.")


class SelectionNominateIn(Schema):
    nominee_id: int
    reason: Text


class SelectionChangeIn(Schema):
    nominee_id: int | None = Field(
        None, description="None (or the same person) keeps your nomination."
    )
    reason: Text = Field("", description="Why you change it (needed when you do).")


class SelectionHandOverIn(Schema):
    proposer_id: int | None = Field(description="None takes the proposal back.")


class SelectionProposeIn(Schema):
    nominee_id: int
    reasons: Text
    term_months: int | None = Field(None, description="By default the consented term.")
    measures: Text = ""


class SelectionRenewalIn(Schema):
    reasons: Text
    measures: Text = ""


class SelectionIntegrateIn(Schema):
    reasons: Text
    term_months: int | None = Field(None, description="By default the proposal's term.")
    measures: Text = ""


class SelectionAnswerIn(SelectionConsentIn):
    for_person_id: int | None = Field(
        None,
        description="The facilitator records the answer of someone without a device.",
    )


class SelectionCancelIn(Schema):
    reason: Text
