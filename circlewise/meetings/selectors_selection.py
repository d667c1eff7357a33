"""What the room shows of a selection run at its current item: the selection's step, how many
have nominated (only that, before the nominations are revealed), and once they are revealed the
grid nominator × nominee filling in, the nomination of whoever is speaking in the nomination
round, each answer in the change round, and the proposal with its answers in the consent round's
order (the nominee last).

Read through selections' own selector (`selection_page`), once per room version and the same
for every screen. Everyone with a screen in the room sees its circle (the consumer and the pages
check `can_join_room`), so the room is read as the selection's facilitator sees it, and what is
theirs alone (their own nomination before the reveal) is left out: until the reveal nothing of
a nomination, not its author, nominee or reason, is in what this returns. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from circlewise.selections.models import STEPS, Selection, Step
from circlewise.selections.selectors import GridRow, selection_page

from .models import AgendaItem, Meeting, Round

# The round the room suggests next, by the selection's step.
NEXT_ROUND = {
    Step.NOMINATE: Round.Kind.NOMINATION,
    Step.CHANGE: Round.Kind.CHANGE,
    Step.CONSENT: Round.Kind.CONSENT,
}
SELECTION_ROUNDS = (Round.Kind.NOMINATION, Round.Kind.CHANGE, Round.Kind.CONSENT)


@dataclass
class SelectionInRoom:
    selection: Selection
    voting: int = 0  # on the roster and still in the circle
    acted: int = 0  # have nominated (before the reveal), have answered (in the change round)
    revealed: bool = False
    # Once revealed only (empty before):
    nominees: list[Any] = field(default_factory=list)
    matrix: list[tuple[Any, list[str]]] = field(default_factory=list)
    grid: list[GridRow] = field(default_factory=list)
    tally: list[tuple[Any, int, int]] = field(default_factory=list)
    speaking: GridRow | None = None  # the speaker's row, in a nomination or change round
    # The proposal, and the answers to it in the consent round's order (the nominee last).
    candidate: Any | None = None
    answers: list[tuple[Any, Any]] = field(default_factory=list)
    choices: list[Any] = field(default_factory=list)  # whom one may nominate, in seat order

    @property
    def steps(self) -> list[tuple[str, Any, bool]]:
        return [(step.value, step.label, step == self.selection.step) for step in STEPS]

    @property
    def suggested_kind(self) -> str:
        return str(NEXT_ROUND.get(Step(self.selection.step), ""))


def selection_of(item: AgendaItem | None) -> Selection | None:
    if item is None or item.selection_id is None:
        return None
    return (
        Selection.objects.select_related(
            "circle__organisation", "role", "facilitator", "proposer", "outcome__holder"
        )
        .filter(pk=item.selection_id)
        .first()
    )


def selection_in_room(
    meeting: Meeting, round_: Round | None, speaker_id: int | None
) -> SelectionInRoom | None:
    """The current item's selection as the room shows it, or None for an item without one."""
    if meeting.current_item_id is None:
        return None
    selection = selection_of(meeting.current_item)  # the room's reading has the item already
    if selection is None:
        return None
    page = selection_page(selection, selection.facilitator)
    found = SelectionInRoom(
        selection=selection, voting=len(page.voting), acted=len(page.acted & page.voting)
    )
    # The proposal is the circle's to see (a renewal is proposed without nominations).
    found.candidate, found.answers = page.candidate, page.answers
    if not selection.is_revealed:
        return found  # nothing of a nomination: the facilitator's own stays theirs
    found.revealed = True
    found.nominees, found.matrix, found.grid, found.tally = (
        page.nominees,
        page.matrix,
        page.grid,
        page.tally,
    )
    found.choices = [p for p in page.roster if p.pk in page.voting]
    if round_ is not None and round_.kind in (Round.Kind.NOMINATION, Round.Kind.CHANGE):
        found.speaking = next((r for r in page.grid if r.nominator.pk == speaker_id), None)
    return found
