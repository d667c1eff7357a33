"""The consent process. Every step is a function in this package, one module per stage, shared by
the pages, the API and (later) the live meeting room, so the three cannot drift apart. Every step
appends to the ledger. The rules (who may) are decisions.permissions'; the services call its
`require_*` functions.

`from circlewise.decisions import services; services.respond(...)`: every public name of the
stage modules is re-exported here.

The guards that matter most are checked here, under a lock on the proposal row:
- a proposal is never decided while an objection on its current version stands;
- never while a required member of the round has not answered (unless the circle uses lazy
  consent for absentees, and then absentees may still object afterwards);
- one answer per member per round, and a round is on one version: answers to an old version
  never count;
- the roster is fixed when the round opens; later changes are recorded, not silently applied.
"""

from __future__ import annotations

from ._common import (
    CONSENTED_SETTINGS,
    PRIVATE_VERBS,
    PROPOSAL_CHANGED,
    State,
    current_member_ids,
    role_holder_ids,
    settings_for,
)
from .backlog import (
    add_backlog_item,
    close_backlog_item,
    close_item,
    drop_backlog_item,
    lock_item,
    reopen_backlog_item,
    require_open_item,
    term_ended,
)
from .deadlines import (
    change_step_end,
    default_end,
    is_overdue,
    keep_steps_moving,
    not_yet_acted,
    set_step_end,
)
from .helping import (
    HANDED_BACK_STATES,
    check_extension,
    end_expired_helping_circles,
    extend_mandate,
)
from .objections import (
    confirm_heard,
    discuss_objection,
    state_back,
    withdraw_objection,
)
from .periodic import (
    REMINDER_INTERVAL,
    REVIEW_NOTICE_DAYS,
    send_reminders,
    term_notice_days,
)
from .policies import (
    call_early_review,
    update_settings,
    withdraw_consent,
)
from .proposals import (
    DRAFT_FIELDS,
    NEXT_STEP,
    TARGET_FIELDS,
    Action,
    advance,
    answer_question,
    ask_question,
    create_proposal,
    present,
    react,
    resolve_amendment,
    revise,
    suggest_amendment,
    update_draft,
)
from .quorum import (
    Quorum,
    count_quorum,
    quorum_of,
    waiting_for,
)
from .records import (
    ExportedDecision,
    build_record,
    check_export_decisions,
    event_circle,
    rebuild_record,
    record_from_export,
    record_from_ledger,
)
from .rounds import (
    LateAnswerError,
    close_round,
    member_left_circle,
    open_consent_round,
    respond,
)

__all__ = [
    "CONSENTED_SETTINGS",
    "DRAFT_FIELDS",
    "HANDED_BACK_STATES",
    "NEXT_STEP",
    "PRIVATE_VERBS",
    "PROPOSAL_CHANGED",
    "REMINDER_INTERVAL",
    "REVIEW_NOTICE_DAYS",
    "TARGET_FIELDS",
    "Action",
    "ExportedDecision",
    "LateAnswerError",
    "Quorum",
    "State",
    "add_backlog_item",
    "advance",
    "answer_question",
    "ask_question",
    "build_record",
    "call_early_review",
    "change_step_end",
    "check_export_decisions",
    "check_extension",
    "close_backlog_item",
    "close_item",
    "close_round",
    "confirm_heard",
    "count_quorum",
    "create_proposal",
    "current_member_ids",
    "default_end",
    "discuss_objection",
    "drop_backlog_item",
    "end_expired_helping_circles",
    "event_circle",
    "extend_mandate",
    "is_overdue",
    "keep_steps_moving",
    "lock_item",
    "member_left_circle",
    "not_yet_acted",
    "open_consent_round",
    "present",
    "quorum_of",
    "react",
    "rebuild_record",
    "record_from_export",
    "record_from_ledger",
    "reopen_backlog_item",
    "require_open_item",
    "resolve_amendment",
    "respond",
    "revise",
    "role_holder_ids",
    "send_reminders",
    "set_step_end",
    "settings_for",
    "state_back",
    "suggest_amendment",
    "term_ended",
    "term_notice_days",
    "update_draft",
    "update_settings",
    "waiting_for",
    "withdraw_consent",
    "withdraw_objection",
]
