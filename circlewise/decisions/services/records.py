"""The decision record: built when a proposal is decided, and rebuilt from the ledger or an export
(the same code reads both)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from circlewise.core.export import read_events
from circlewise.core.models import LedgerEvent

from ..models import (
    ConsentResponse,
    ConsentRound,
    Decision,
    Proposal,
)
from ._common import _version_payload
from .quorum import quorum_of


def _participation(round_: ConsentRound) -> dict[str, Any]:
    """Who took part in a closed round, beyond the answers: those absent under lazy consent,
    those who left the circle during it (and when), those who joined after it opened (not
    asked), the quorum, and who closed it early and why. The same in the round's closing event
    and in the decision record."""
    left = [
        {"user": entry.user_id, "at": entry.left_circle_at.isoformat()}
        for entry in round_.roster.filter(left_circle_at__isnull=False).order_by("user_id")
        if entry.left_circle_at is not None
    ]
    closed_early = None
    if round_.closed_by_id is not None:
        closed_early = {"by": round_.closed_by_id, "reason": round_.close_reason}
    return {
        "absent": sorted(round_.roster.filter(absent=True).values_list("user_id", flat=True)),
        "left": left,
        "joined_after_opening": sorted(round_.joined_after_opening),
        "quorum": quorum_of(round_).as_payload(),
        "closed_early": closed_early,
    }


def build_record(proposal: Proposal, decision: Decision) -> dict[str, Any]:
    """Everything on a decision, from the database. `record_from_ledger` rebuilds the same."""
    version = decision.version
    round_ = decision.consent_round
    return {
        "proposal": proposal.pk,
        "circle": proposal.circle_id,
        "author": proposal.author_id,
        # What the decision does to the policy register: the policy it sets (new, amended, or
        # the successor of the one it replaces), what it does with the policy it targets, and
        # which one that is.
        "policy": decision.policy_id,
        "policy_action": proposal.target_action or None,
        "policy_target": proposal.amends_id,
        "version": _version_payload(version),
        "rationale": decision.rationale,
        "review_on": decision.review_on.isoformat() if decision.review_on else None,
        "round": round_.pk,
        "roster": sorted(round_.roster.values_list("user_id", flat=True)),
        "answers": [
            {"user": r.user_id, "answer": r.answer, "reason": r.reason,
             "at": r.created_at.isoformat()}
            for r in round_.responses.current().order_by("pk")
        ],
        # Answers their members changed while the round was open: kept, and not counted.
        "changed_answers": [
            {"user": r.user_id, "answer": r.answer, "reason": r.reason,
             "at": r.created_at.isoformat()}
            for r in round_.responses.exclude(replaced_at=None).order_by("created_at", "user_id")
        ],
        "objections": [
            {"id": o.pk, "version": o.version_number, "objector": o.objector_id,
             "reason": o.reason, "stated_back": o.stated_back,
             "confirmed": o.confirmed_at is not None, "status": o.status,
             "integration": o.integration, "integrated_in_version": o.integrated_in_version}
            for o in proposal.objections.order_by("pk")
        ],
        "concerns": [
            {"user": r.user_id, "reason": r.reason}
            for r in round_.responses.current()
            .filter(answer=ConsentResponse.Answer.CONCERN)
            .order_by("pk")
        ],
        # Who took part beyond the answers (absent, left during the round, joined after it
        # opened), the quorum, an early close; and the quorum the decision sets, if it does.
        **_participation(round_),
        "quorum_percent": proposal.quorum_percent,
    }  # fmt: skip


def record_from_ledger(proposal: Proposal) -> dict[str, Any]:
    """Rebuild a decision's record from the ledger events alone (no other table is read): the
    proposal's events up to its (last) decision, as the record is kept as it was when the circle
    consented; what came after (a late answer under lazy consent) is not part of it."""
    events = LedgerEvent.objects.filter(
        organisation_id=proposal.circle.organisation_id, payload__proposal=proposal.pk
    ).order_by("sequence")
    return rebuild_record(proposal.pk, list(events))


def record_from_export(lines: Iterable[str], proposal_id: int) -> dict[str, Any]:
    """Rebuild a decision's record from an exported ledger alone, without the database: the same
    rebuilding as `record_from_ledger`, from the export's lines (core/export.py)."""
    events = [
        event
        for _, event in read_events(lines)
        if isinstance(event.payload, dict) and event.payload.get("proposal") == proposal_id
    ]
    return rebuild_record(proposal_id, events)


@dataclass(frozen=True)
class ExportedDecision:
    """A decision found in an export, and whether its record is what the events before it say
    (None: some of those events are not in the export, so it could not be rebuilt)."""

    proposal: int
    line: int
    sequence: int
    holds: bool | None


def check_export_decisions(lines: Iterable[str]) -> list[ExportedDecision]:
    """Every decision in an export, rebuilt from its proposal's events up to it and compared
    with the record written in its own event, without the database."""
    events: dict[int, list[Any]] = {}
    found = []
    for number, event in read_events(lines):
        payload = event.payload if isinstance(event.payload, dict) else {}
        proposal_id = payload.get("proposal")
        if not isinstance(proposal_id, int) or isinstance(proposal_id, bool):
            continue
        events.setdefault(proposal_id, []).append(event)
        if event.verb != "proposal.decided":
            continue
        holds: bool | None
        try:
            holds = rebuild_record(proposal_id, events[proposal_id]) == payload["record"]
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            holds = None
        found.append(ExportedDecision(proposal_id, number, event.sequence, holds))
    return found


@dataclass
class _Replay:
    """What a proposal's events say, read in sequence order (`rebuild_record`)."""

    versions: dict[int, dict[str, Any]] = field(default_factory=dict)
    rounds: dict[int, dict[str, Any]] = field(default_factory=dict)
    objections: dict[int, dict[str, Any]] = field(default_factory=dict)
    answer_times: dict[tuple[int, int], str] = field(default_factory=dict)
    integrations: dict[int, dict[str, str]] = field(default_factory=dict)
    author: Any = None
    target: dict[str, Any] = field(default_factory=dict)
    quorum_change: Any = None
    left: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    closed: dict[int, dict[str, Any]] = field(default_factory=dict)
    decided: dict[str, Any] | None = None

    def read(self, event: Any) -> None:
        p = event.payload
        if event.verb == "proposal.presented":
            self.author = p["author"]
            self.target = {
                "policy_action": p.get("policy_action"), "policy_target": p.get("amends"),
            }  # fmt: skip
            self.quorum_change = p.get("quorum_percent")
            self.versions[p["version"]] = {k: p[k] for k in _VERSION_KEYS}
        elif event.verb == "proposal.revised":
            self.versions[p["version"]] = {k: p[k] for k in _VERSION_KEYS}
            self.integrations[p["version"]] = p.get("integrations") or {}
        elif event.verb == "consent.round_opened":
            self.rounds[p["round"]] = {
                "roster": p["roster"],
                "answers": [],
                "version": p["version"],
            }
        elif event.verb == "consent.answered":
            self._answered(event)
        elif event.verb == "objection.stated_back":
            self.objections[p["objection"]]["stated_back"] = p["text"]
            self.objections[p["objection"]]["confirmed"] = False
        elif event.verb == "objection.confirmed":
            self.objections[p["objection"]]["confirmed"] = True
        elif event.verb == "objection.withdrawn":
            self.objections[p["objection"]]["status"] = "withdrawn"
        elif event.verb == "consent.roster_member_left":
            at = p.get("left_at") or event.occurred_at.isoformat()
            self.left.setdefault(p["round"], []).append({"user": p["user"], "at": at})
        elif event.verb == "consent.round_closed":
            self.closed[p["round"]] = p
        elif event.verb == "proposal.decided":
            self.decided = p

    def _answered(self, event: Any) -> None:
        p = event.payload
        round_ = self.rounds[p["round"]]
        if p.get("replaces"):
            # The member changed their answer: the earlier one is kept apart, with its time.
            earlier = next(a for a in round_["answers"] if a["user"] == p["user"])
            round_["answers"].remove(earlier)
            at = self.answer_times[(p["round"], p["user"])]
            round_.setdefault("changed", []).append({**earlier, "at": at})
        round_["answers"].append({"user": p["user"], "answer": p["answer"], "reason": p["reason"]})
        self.answer_times[(p["round"], p["user"])] = event.occurred_at.isoformat()
        if p.get("objection"):
            self.objections[p["objection"]] = {
                "id": p["objection"], "version": p["version"], "objector": p["user"],
                "reason": p["reason"], "stated_back": "", "confirmed": False,
                "status": "open", "integration": "", "integrated_in_version": None,
            }  # fmt: skip

    def settle_objections(self, final_version: int) -> None:
        """Integration notes and their versions are carried on the revisions; what is still open
        when the proposal is decided was integrated in the version decided."""
        for number in sorted(self.integrations):
            for objection_id, note in self.integrations[number].items():
                self.objections[int(objection_id)]["integration"] = note
                self.objections[int(objection_id)]["integrated_in_version"] = number
        for o in self.objections.values():
            if o["status"] == "open":
                o["status"] = "integrated"
                if o["integrated_in_version"] is None:
                    o["integrated_in_version"] = final_version


def rebuild_record(proposal_id: int, events: Sequence[Any]) -> dict[str, Any]:
    """A decision's record from its proposal's events in sequence order: ledger rows or exported
    events (anything with verb, payload, occurred_at and circle_id). {} if it was not decided.
    What came after the last decision (a late answer, a reopening) is not part of its record."""
    decided_at = [i for i, event in enumerate(events) if event.verb == "proposal.decided"]
    if decided_at:
        events = events[: decided_at[-1] + 1]
    r = _Replay()
    for event in events:
        r.read(event)
    if r.decided is None:
        return {}
    record = dict(r.decided["record"])
    final_round = record["round"]
    final_version = r.rounds[final_round]["version"]
    r.settle_objections(final_version)
    answers = r.rounds[final_round]["answers"]
    closed = r.closed.get(final_round, {})
    rebuilt = {
        "proposal": proposal_id,
        "circle": event_circle(events),
        "author": r.author,
        "policy": r.decided.get("policy"),
        **r.target,
        "version": r.versions[final_version],
        "rationale": r.versions[final_version]["driver"],
        "review_on": r.versions[final_version]["review_on"],
        "round": final_round,
        "roster": sorted(r.rounds[final_round]["roster"]),
        "answers": [{**a, "at": r.answer_times[(final_round, a["user"])]} for a in answers],
        "changed_answers": sorted(
            r.rounds[final_round].get("changed", []), key=lambda a: (a["at"], a["user"])
        ),
        "objections": [r.objections[k] for k in sorted(r.objections)],
        "concerns": [
            {"user": a["user"], "reason": a["reason"]}
            for a in answers
            if a["answer"] == ConsentResponse.Answer.CONCERN
        ],
        "absent": closed.get("absent", []),
        "left": sorted(r.left.get(final_round, []), key=lambda e: e["user"]),
        "joined_after_opening": closed.get("joined_after_opening", []),
        "quorum": closed.get("quorum"),
        "closed_early": closed.get("closed_early"),
        "quorum_percent": r.quorum_change,
    }
    if "policy_action" not in record:
        # Records made before decisions said what they do to the policy register.
        for key in ("policy", "policy_action", "policy_target"):
            del rebuilt[key]
    if "changed_answers" not in record:
        # Records made before members could change their answer while a round was open.
        del rebuilt["changed_answers"]
    if "quorum" not in record:
        # Records made before they said who took part beyond the answers.
        for key in _PARTICIPATION_KEYS:
            del rebuilt[key]
    return rebuilt


_PARTICIPATION_KEYS = (
    "absent", "left", "joined_after_opening", "quorum", "closed_early", "quorum_percent",
)  # fmt: skip


_VERSION_KEYS = (
    "version", "title", "driver", "text", "aim", "review_on", "measures", "feedback_channel",
    "change_note", "measure_set",
)  # fmt: skip


def event_circle(events: Sequence[Any]) -> int | None:
    return events[0].circle_id if events else None
