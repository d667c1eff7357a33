"""The selections' API operations, for the table in tests/api/operations.py: each builds a
request about the selection of Garden's secretary that Fay started and facilitates (the one
under way, started on first use). Who may use each: "circle_visible" lists a circle's;
"selection_starter" (a member of the role's circle, or who manages its roles) starts one;
"selection_viewer" (whoever sees the circle) reads one; "elector" (on its roster),
"selection_facilitator", "selection_proposer" and "selection_canceller" take its steps."""

from __future__ import annotations

from typing import Any

from tests.api.operations import Op
from tests.conftest import World

from .helpers import secretary, started


def _req(method: str, path: str, body: Any = None) -> tuple[str, str, Any]:
    return method, path, body


def _selection(w: World, c: Any) -> int:
    """The selection under way, started on first use (a test may build several requests)."""
    from circlewise.selections.models import Selection

    found = Selection.objects.open().filter(role=secretary(w)).first()
    return found.pk if found is not None else started(w).pk


def _at(w: World, c: Any, step: str = "") -> str:
    return f"/selections/{_selection(w, c)}{step}"


REASON = {"reason": "Words."}

SELECTION_OPS: tuple[Op, ...] = (
    Op("listSelections", "circle_visible", lambda w, c: _req("GET", f"/circles/{c.pk}/selections")),
    Op(
        "startSelection",
        "selection_starter",
        lambda w, c: _req(
            "POST", f"/roles/{secretary(w).pk}/selections", {"qualifications": "Writes clearly"}
        ),
    ),
    Op("getSelection", "selection_viewer", lambda w, c: _req("GET", _at(w, c))),
    Op(
        "prepareSelection",
        "selection_facilitator",
        lambda w, c: _req(
            "POST", _at(w, c, "/preparation"), {"term_months": 6, "qualifications": "Calm"}
        ),
    ),
    Op(
        "addSelectionQualification",
        "elector",
        lambda w, c: _req("POST", _at(w, c, "/qualifications"), {"qualification": "Calm"}),
    ),
    Op(
        "answerSelectionPreparation",
        "elector",
        lambda w, c: _req(
            "POST", _at(w, c, "/preparation/answer"), {"answer": "objection", **REASON}
        ),
    ),
    Op(
        "openSelectionNominations",
        "selection_facilitator",
        lambda w, c: _req("POST", _at(w, c, "/nominations/open"), {}),
    ),
    Op(
        "nominate",
        "elector",
        lambda w, c: _req(
            "POST", _at(w, c, "/nominations"), {"nominee_id": w.facilitator.pk, **REASON}
        ),
    ),
    Op(
        "revealNominations",
        "selection_facilitator",
        lambda w, c: _req("POST", _at(w, c, "/reveal")),
    ),
    Op(
        "changeNomination",
        "elector",
        lambda w, c: _req(
            "POST", _at(w, c, "/changes"), {"nominee_id": w.circle_member.pk, **REASON}
        ),
    ),
    Op(
        "closeChangeRound",
        "selection_facilitator",
        lambda w, c: _req("POST", _at(w, c, "/change-round/close")),
    ),
    Op(
        "handOverProposal",
        "selection_facilitator",
        lambda w, c: _req("POST", _at(w, c, "/hand-over"), {"proposer_id": w.member.pk}),
    ),
    Op(
        "setSelectionStepEnd",
        "selection_facilitator",
        lambda w, c: _req("POST", _at(w, c, "/step-end"), {"step_ends_at": None}),
    ),
    Op(
        "proposeCandidate",
        "selection_proposer",
        lambda w, c: _req(
            "POST",
            _at(w, c, "/candidates"),
            {"nominee_id": w.facilitator.pk, "reasons": "Words.", "measures": "A buddy."},
        ),
    ),
    Op(
        "proposeRenewal",
        "selection_proposer",
        lambda w, c: _req(
            "POST", _at(w, c, "/renewal"), {"reasons": "Words.", "measures": "More."}
        ),
    ),
    Op(
        "integrateSelectionObjections",
        "selection_proposer",
        lambda w, c: _req(
            "POST", _at(w, c, "/candidates/integrate"), {"reasons": "Words.", "measures": "More."}
        ),
    ),
    Op(
        "answerCandidate",
        "elector",
        lambda w, c: _req("POST", _at(w, c, "/answers"), {"answer": "objection", **REASON}),
    ),
    Op(
        "withdrawSelectionObjection",
        "elector",
        lambda w, c: _req("POST", _at(w, c, "/objection/withdraw")),
    ),
    Op(
        "cancelSelection",
        "selection_canceller",
        lambda w, c: _req("POST", _at(w, c, "/cancel"), REASON),
    ),
)

SELECTION_METHODS = {
    "listSelections": "GET",
    "startSelection": "POST",
    "getSelection": "GET",
    "prepareSelection": "POST",
    "addSelectionQualification": "POST",
    "answerSelectionPreparation": "POST",
    "openSelectionNominations": "POST",
    "nominate": "POST",
    "revealNominations": "POST",
    "changeNomination": "POST",
    "closeChangeRound": "POST",
    "handOverProposal": "POST",
    "setSelectionStepEnd": "POST",
    "proposeCandidate": "POST",
    "proposeRenewal": "POST",
    "integrateSelectionObjections": "POST",
    "answerCandidate": "POST",
    "withdrawSelectionObjection": "POST",
    "cancelSelection": "POST",
}
