"""The API's shapes for the consent process: proposals and their versions, contributions, consent
rounds, objections, decisions, policies, the backlog and each circle's way of deciding.

Output schemas read model instances, or the plain dicts decisions.api builds where an answer
gathers several tables (a proposal's page, a round's roster); input schemas list exactly what a
client may send. Answers in a consent round and choices the domain explains itself (a pass, an
unknown status) are sent to the service as they are, so its sentence comes back, not a schema's.
"""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from circlewise.circles.schemas import PatchIn, PersonOut
from circlewise.core.inputs import ProposalText, Text

from .models import BacklogItem, Decision, Policy

ProposalState = Literal[
    "draft", "clarifying", "reacting", "synthesis", "consent", "objections", "decided",
    "postponed", "dropped", "handed_over", "escalated", "handed_back",
]  # fmt: skip
Mode = Literal["async", "live"]
Subject = Literal["proposal", "postpone", "drop", "hand_over", "escalate"]
PolicyStatus = Literal["active", "review_due", "expired", "superseded", "retired"]
PolicyAction = Literal["amend", "replace", "retire"]
ItemStatus = Literal["open", "done", "dropped"]
Outcome = Literal["understand", "explore", "decide"]


# Proposals ---------------------------------------------------------------------------------


class ProposalOut(Schema):
    id: int
    circle_id: int
    author: PersonOut
    title: str = Field(description="The current version's title.")
    state: ProposalState
    state_label: str
    mode: Mode
    version_number: int = Field(description="The current version.")
    is_policy: bool = Field(description="Whether it sets a rule that goes to the policy register.")
    amends_id: int | None = Field(
        description="The policy it targets (amends, replaces or retires), if any."
    )
    policy_action: PolicyAction | None = Field(
        description="What consent does with the targeted policy: amend (a new version of it), "
        "replace (a new policy supersedes it) or retire (it ends); null without a target."
    )
    quorum_percent: int | None = Field(
        description="The quorum consent to it sets for the circle (percent), if it changes it."
    )
    handed_to_id: int | None = Field(
        description="The circle it was handed or escalated to (or handed back to, when its "
        "helping circle ended)."
    )
    extends_circle_id: int | None = Field(
        None, description="The helping circle whose mandate consent to it extends, if any."
    )
    extends_until: dt.date | None = Field(
        None, description="With extends_circle_id: the helping circle's new end date."
    )
    step_ends_at: dt.datetime | None = Field(description="When the current step's window ends.")
    step_overdue: bool = Field(
        False,
        description="Whether the current step's window has passed while it is still open: the "
        "facilitator is asked to move on, give it more time or close it.",
    )
    created_at: dt.datetime
    presented_at: dt.datetime | None
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_step_overdue(obj: Any) -> bool:
        from .services import is_overdue

        return is_overdue(obj)

    @staticmethod
    def resolve_title(obj: Any) -> str:
        title = getattr(obj, "title", None)
        return str(title if title is not None else obj.current_version.title)

    @staticmethod
    def resolve_state_label(obj: Any) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_policy_action(obj: Any) -> str | None:
        return str(obj.target_action) or None


class MeasureOut(Schema):
    metric: str
    threshold: str
    owner: PersonOut
    objection_id: int | None = Field(description="The objection this measure answers, if any.")


class VersionOut(Schema):
    number: int
    title: str
    driver: str = Field(description="The need or tension the proposal answers.")
    text: str = Field(description="What is proposed (Markdown).")
    aim: str
    review_on: dt.date | None
    measures: str = Field(description="How the circle will know it works, in words.")
    feedback_channel: str
    change_note: str = Field(description="What changed from the previous version.")
    measure_set: list[MeasureOut] = Field(description="Measures with a metric, threshold, owner.")
    created_by: PersonOut
    created_at: dt.datetime

    @staticmethod
    def resolve_measure_set(obj: Any) -> list[Any]:
        return list(obj.measure_set.all())


class ProposalCreateIn(Schema):
    title: str = Field(..., max_length=200)
    driver: Text = Field(..., description="The need or tension this proposal answers.")
    text: ProposalText = Field(..., description="What you propose. Markdown is allowed.")
    aim: Text = ""
    review_on: dt.date | None = Field(
        None, description="When it is reviewed; the circle's default review period when left out."
    )
    measures: Text = Field("", description="How the circle will know it works.")
    feedback_channel: str = Field("", max_length=200)
    is_policy: bool = Field(True, description="Sets a rule: it goes to the policy register.")
    amends_id: int | None = Field(
        None, description="A policy of this circle, in force, that it amends, replaces or retires."
    )
    policy_action: str | None = Field(
        None,
        description="With amends_id: amend (the default), replace or retire. Replace and retire "
        "need amends_id.",
    )
    quorum_percent: int | None = Field(
        None,
        description="Consent to the proposal changes the circle's quorum to this percentage "
        "(1 to 100) of the members asked in a round: the one way the quorum changes.",
    )
    extends_circle_id: int | None = Field(
        None,
        description="A helping circle inside this circle whose mandate consent extends (an ended "
        "one works again); with extends_until.",
    )
    extends_until: dt.date | None = Field(
        None, description="With extends_circle_id: the helping circle's new end date."
    )


class ProposalPatchIn(PatchIn):
    """A draft's fields; only its author edits it, and only while it is a draft."""

    nullable = frozenset({"review_on", "amends_id", "quorum_percent"})

    title: str | None = Field(None, max_length=200)
    driver: Text | None = None
    text: ProposalText | None = None
    aim: Text | None = None
    review_on: dt.date | None = None
    measures: Text | None = None
    feedback_channel: str | None = Field(None, max_length=200)
    amends_id: int | None = Field(None, description="The policy it targets; null for none.")
    policy_action: str | None = Field(None, description="amend, replace or retire.")
    quorum_percent: int | None = Field(
        None, description="The quorum consent sets for the circle (percent); null for none."
    )


class PresentIn(Schema):
    mode: str = Field("async", description="async (each step with a window) or live.")
    clarifying_until: dt.datetime | None = Field(
        None, description="When the clarifying step's window ends."
    )


class StepOut(Schema):
    key: Literal["present", "clarify", "react", "synthesis", "consent", "decided"]
    label: str
    status: Literal["done", "current", "upcoming"]


class NextActionOut(Schema):
    action: str = Field(
        description="What is needed from you now: present, ask_question, answer_questions, "
        "advance, react, resolve_amendments, revise, open_round, answer_round, close_round, "
        "state_back, confirm_objection, discuss_objection, read_decision, wait or follow."
    )
    sentence: str = Field(description="The same, as a sentence fit to show.")
    operation_id: str | None = Field(None, description="The API operation that does it.")
    path: str | None = Field(None, description="Where to send it.")


class AnswerOut(Schema):
    id: int
    author: PersonOut
    text: str
    created_at: dt.datetime


class ContributionOut(Schema):
    id: int
    proposal_id: int
    kind: Literal["question", "answer", "reaction", "amendment"]
    version_number: int
    author: PersonOut
    text: str
    passed: bool
    reply_to_id: int | None
    amendment_status: str = Field(description="For an amendment: open, accepted or declined.")
    created_at: dt.datetime


class QuestionOut(ContributionOut):
    answers: list[AnswerOut]


class ObjectionOut(Schema):
    id: int
    proposal_id: int
    version_number: int
    objector: PersonOut
    reason: str
    status: Literal["open", "withdrawn", "integrated"]
    stated_back: str = Field(description="The objection in someone else's words.")
    stated_back_by: PersonOut | None
    stated_back_at: dt.datetime | None
    confirmed: bool = Field(description="The objector confirmed: “yes, that is my objection”.")
    confirmed_at: dt.datetime | None
    integration: str = Field(description="How a later version integrates it.")
    integrated_in_version: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_confirmed(obj: Any) -> bool:
        return obj.confirmed_at is not None


class ObjectionSummaryOut(ObjectionOut):
    message_count: int


class ObjectionCountsOut(Schema):
    open: int
    confirmed: int = Field(description="Open objections whose objector confirmed being heard.")
    withdrawn: int
    integrated: int


class RosterRowOut(Schema):
    user: PersonOut
    state: Literal["waiting", "consent", "concern", "objection", "absent", "left"]
    required: bool
    reason: str
    answered_at: dt.datetime | None
    objection_id: int | None
    left_at: dt.datetime | None = Field(
        description="When they left the circle during the round (an answer given before stands)."
    )


class QuorumOut(Schema):
    percent: int = Field(description="The circle's quorum when the round opened.")
    asked: int = Field(description="Those asked, less anyone who left without answering.")
    answered: int
    needed: int = Field(description="How many must answer before the round can close.")
    met: bool


class RoundOut(Schema):
    id: int
    proposal_id: int
    version_number: int
    subject: Subject
    handed_to_id: int | None
    lazy: bool = Field(description="Lazy consent: absentees may object after it closes.")
    opened_by: PersonOut
    opened_at: dt.datetime
    closes_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: Literal["open", "consented", "objected", "superseded", "ended"]
    lazy_until: dt.datetime | None
    roster: list[RosterRowOut] = Field(description="Everyone asked, each with their state.")
    waiting_for: list[PersonOut] = Field(description="Who has not answered yet.")
    joined_after_opening: list[PersonOut] = Field(
        description="Members who joined the circle after the round opened: not asked in it."
    )
    answered: int
    asked: int = Field(
        description="Those asked, less anyone who left the circle without answering: the count "
        "the answers are out of."
    )
    quorum: QuorumOut = Field(
        description="A round below its quorum cannot close with consent (closing it early "
        "needs the quorum)."
    )
    closed_by: PersonOut | None = Field(
        description="Who closed the round before everyone had answered (lazy consent)."
    )
    close_reason: str = Field(description="Why they closed it early.")


class RoundCloseIn(Schema):
    reason: str = Field(
        "",
        description="Why the round closes before everyone has answered (lazy consent): needed "
        "then, and kept on the record.",
    )


class ProposalCanOut(Schema):
    take_part: bool
    steer: bool
    synthesise: bool
    edit: bool


class ProposalDetailOut(ProposalOut):
    version: VersionOut
    steps: list[StepOut]
    my_next_action: NextActionOut
    can: ProposalCanOut
    questions: list[QuestionOut]
    reactions: list[ContributionOut] = Field(description="Reactions to the current version.")
    amendments: list[ContributionOut]
    round: RoundOut | None = Field(
        description="The open consent round; while objections are handled, the last one."
    )
    objections: list[ObjectionSummaryOut]
    objection_counts: ObjectionCountsOut
    decision_id: int | None

    @staticmethod
    def resolve_objections(obj: Any) -> list[Any]:
        # decisions.api puts them beside the reverse relation of the same name.
        return list(obj.objection_list)


class ContributionIn(Schema):
    """A clarifying question or a quick reaction: some words, or a pass."""

    text: Text = ""
    passed: bool = Field(False, description="Pass instead (shown as a pass).")


class TextIn(Schema):
    text: Text


class ResolveIn(Schema):
    accept: bool


class AdvanceIn(Schema):
    until: dt.datetime | None = Field(None, description="When the next step's window ends.")


class StepEndIn(Schema):
    ends_at: dt.datetime = Field(..., description="When the current step now ends (future).")
    reason: Text = Field(..., description="Why the end changes; the circle is told.")


class IntegrationIn(Schema):
    objection_id: int
    note: Text = Field(..., description="How this version integrates the objection.")


class MeasureIn(Schema):
    metric: str = Field(..., max_length=200)
    threshold: str = Field(..., max_length=200)
    owner_id: int = Field(..., description="A member of the circle who watches it.")


class ReviseIn(PatchIn):
    """A new version: fields left out are carried over from the current one."""

    nullable = frozenset({"review_on"})

    change_note: Text = Field(..., description="What changed in this version.")
    title: str | None = Field(None, max_length=200)
    driver: Text | None = None
    text: ProposalText | None = None
    aim: Text | None = None
    review_on: dt.date | None = None
    measures_text: Text | None = Field(
        None, description="The version's measures in words (the `measures` field of a version)."
    )
    feedback_channel: str | None = Field(None, max_length=200)
    integrations: list[IntegrationIn] = Field(
        default_factory=list, description="Open objections this version integrates, and how."
    )
    measures: list[MeasureIn] = Field(
        default_factory=list, description="Measures to add, e.g. to measure an objector's concern."
    )


# Consent rounds ----------------------------------------------------------------------------


class RoundOpenIn(Schema):
    subject: str = Field(
        "proposal",
        description="What is consented to: the proposal, or an exit: postpone, drop, "
        "hand_over (to a helping circle) or escalate (to the parent circle).",
    )
    handed_to_id: int | None = Field(None, description="For hand_over: the helping circle.")
    closes_at: dt.datetime | None = None
    version_number: int | None = Field(
        None,
        description="For the proposal: the version you read. If it has a newer one, the round "
        "is not opened (409).",
    )


class RoundAnswerIn(Schema):
    answer: str = Field(
        ...,
        max_length=20,
        description="consent, objection (with a reason) or, where the circle records concerns, "
        "concern (with a reason). Nobody passes or abstains.",
    )
    reason: Text = ""


class ResponseOut(Schema):
    id: int
    round_id: int
    user: PersonOut
    answer: str
    reason: str
    created_at: dt.datetime
    late: bool = Field(description="Given after a lazy-consent round closed.")
    objection_id: int | None
    round_outcome: str = Field(description="The round's outcome after this answer.")
    proposal_state: ProposalState = Field(description="The proposal's step after this answer.")


# Objections --------------------------------------------------------------------------------


class MessageOut(Schema):
    id: int
    objection_id: int
    author: PersonOut
    text: str
    created_at: dt.datetime


class ObjectionDetailOut(ObjectionOut):
    proposal_title: str
    messages: list[MessageOut]
    measures: list[MeasureOut] = Field(
        description="Measures on the current version that answer it."
    )

    # decisions.api puts the thread and the measures beside the reverse relations of these names.
    @staticmethod
    def resolve_messages(obj: Any) -> list[Any]:
        return list(obj.thread)

    @staticmethod
    def resolve_measures(obj: Any) -> list[Any]:
        return list(obj.current_measures)


# Decisions and policies --------------------------------------------------------------------


class DecisionOut(Schema):
    id: int
    proposal_id: int
    circle_id: int
    title: str
    version_number: int
    decided_at: dt.datetime
    review_on: dt.date | None
    policy_id: int | None
    reopened_at: dt.datetime | None = Field(
        description="Set when a late objection (lazy consent) reopened the proposal."
    )
    ledger_sequence: int = Field(description="The ledger event that records it.")
    ledger_hash: str

    @staticmethod
    def resolve_title(obj: Decision) -> str:
        return obj.version.title

    @staticmethod
    def resolve_version_number(obj: Decision) -> int:
        return obj.version.number


class DecisionDetailOut(DecisionOut):
    rationale: str
    record: dict[str, Any] = Field(
        description="The frozen record: version, roster, each answer, objections and how they "
        "were integrated; who was absent under lazy consent (`absent`), who left the circle "
        "during the round and when (`left`), who joined after it opened and was not asked "
        "(`joined_after_opening`), the `quorum`, and who closed the round early and why "
        "(`closed_early`). People are named by id; see `people`."
    )
    people: list[PersonOut] = Field(description="Everyone the record names.")


class BacklogItemOut(Schema):
    id: int
    circle_id: int
    topic: str
    description: str
    desired_outcome: Outcome
    owner: PersonOut | None
    source: str
    raised_by: PersonOut | None
    raised_from_id: int | None = Field(description="The circle it was raised from, if another.")
    proposal_id: int | None
    policy_id: int | None
    due_on: dt.date | None
    status: ItemStatus
    created_at: dt.datetime
    closed_at: dt.datetime | None
    closed_by: PersonOut | None = Field(
        description="Who closed it by hand (done or dropped); null when the process closed it."
    )
    close_reason: str = Field(description="Why it was dropped.")


class PolicyOut(Schema):
    id: int
    circle_id: int
    title: str
    status: PolicyStatus
    review_on: dt.date | None
    current_decision_id: int | None
    superseded_by_id: int | None = Field(description="The policy that replaced it, if any.")
    retired_at: dt.datetime | None
    ended_by_id: int | None = Field(description="The decision that replaced or retired it.")
    ended_how: Literal["replaced", "retired"] | None = Field(
        description="How that decision ended it: replaced (see superseded_by_id) or retired."
    )
    created_at: dt.datetime

    @staticmethod
    def resolve_status(obj: Policy) -> str:
        return str(obj.status().value)

    @staticmethod
    def resolve_ended_how(obj: Policy) -> str | None:
        if obj.superseded_by_id is not None:
            return "replaced"
        if obj.retired_at is not None:
            return "retired"
        return None


class PolicyDecisionOut(Schema):
    id: int
    version_number: int
    title: str
    decided_at: dt.datetime
    review_on: dt.date | None
    reopened_at: dt.datetime | None

    @staticmethod
    def resolve_title(obj: Decision) -> str:
        return obj.version.title

    @staticmethod
    def resolve_version_number(obj: Decision) -> int:
        return obj.version.number


class PolicyDetailOut(PolicyOut):
    history: list[PolicyDecisionOut] = Field(description="Every decision on it, newest first.")
    open_items: list[BacklogItemOut] = Field(description="Reviews waiting on the backlog.")
    can_review: bool = Field(description="Whether you may call a review or withdraw consent.")
    replaced_ids: list[int] = Field(description="The policies this one replaced.")


class ReasonIn(Schema):
    reason: Text


# The backlog and settings ------------------------------------------------------------------


class BacklogItemIn(Schema):
    topic: str = Field(..., max_length=200)
    description: Text = ""
    desired_outcome: str = Field(
        BacklogItem.Outcome.DECIDE, description="understand, explore or decide."
    )
    owner_id: int | None = Field(None, description="A member of the circle.")
    due_on: dt.date | None = None


class BacklogCloseIn(Schema):
    status: str = Field("done", description="done or dropped.")
    reason: Text = Field(
        "", description="Why it is dropped: required to drop (see dropBacklogItem's rule)."
    )


class BacklogDropIn(Schema):
    reason: Text = Field(..., description="Why the circle will not take it up. Required.")


class SettingsOut(Schema):
    circle_id: int
    default_review_months: int
    synthesis_by: Literal["facilitator", "author"]
    allow_concerns: bool
    absentee_policy: Literal["everyone", "lazy"]
    lazy_consent_hours: int
    clarifying_days: int = Field(description="How long clarifying questions stay open, by default.")
    reactions_days: int = Field(description="How long reactions stay open, by default.")
    consent_days: int = Field(description="How long a consent round stays open, by default.")
    quorum_percent: int = Field(
        description="How many of the members asked in a round must answer before it can close "
        "with consent, in percent (rounded up). Changed only by the circle's consent: a proposal "
        "with `quorum_percent`."
    )
    can_change: bool = Field(description="Whether you may change them (all but the quorum).")


class SettingsPatchIn(PatchIn):
    default_review_months: int | None = Field(None, description="1 to 60.")
    synthesis_by: str | None = Field(None, description="facilitator or author.")
    allow_concerns: bool | None = None
    absentee_policy: str | None = Field(None, description="everyone or lazy.")
    lazy_consent_hours: int | None = Field(None, description="1 to 336.")
    clarifying_days: int | None = Field(None, description="1 to 30.")
    reactions_days: int | None = Field(None, description="1 to 30.")
    consent_days: int | None = Field(None, description="1 to 30.")
    quorum_percent: int | None = Field(
        None,
        description="Refused unless unchanged: the quorum changes only by the circle's consent "
        "(propose it: `quorum_percent` on a proposal).",
    )


# What needs me -----------------------------------------------------------------------------


class RoundWaitingOut(Schema):
    id: int
    proposal_id: int
    circle_id: int
    title: str
    closes_at: dt.datetime | None


class ObjectionToConfirmOut(Schema):
    id: int
    proposal_id: int
    title: str
    stated_back: str


class ProposalNeedOut(ProposalOut):
    next_action: NextActionOut = Field(description="What is needed from you on it now.")


class NeedsMeOut(Schema):
    rounds: list[RoundWaitingOut] = Field(description="Consent rounds waiting for your answer.")
    objections_to_confirm: list[ObjectionToConfirmOut] = Field(
        description="Your objections, stated back: is that your objection?"
    )
    proposals: list[ProposalNeedOut] = Field(
        description="Open proposals in your circles where you have a step to take, each with "
        "that step: the same as the proposal's my_next_action."
    )
    backlog: list[BacklogItemOut] = Field(description="Open items on your circles' backlogs.")
