"""What a selection's page shows, read in a few queries: the roster in seat order, who has acted
in the step open now, the viewer's own nomination, the grid once revealed (never before), and
the proposal with its answers in the consent round's order."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Organisation

from . import permissions
from .models import Answer, Candidate, Nomination, PrepareAnswer, Selection, Step
from .services import voters
from .services_consent import consent_order


@dataclass
class GridRow:
    nominator: User
    first: Nomination | None
    change: Nomination | None


@dataclass
class Page:
    roster: list[User]
    voting: set[int]
    acted: set[int]
    prepare_answers: dict[int, PrepareAnswer]
    mine: Nomination | None
    my_change: Nomination | None
    grid: list[GridRow] = field(default_factory=list)
    tally: list[tuple[User, int, int]] = field(default_factory=list)
    candidate: Candidate | None = None
    earlier: list[Candidate] = field(default_factory=list)
    answers: list[tuple[User, Answer | None]] = field(default_factory=list)
    nominees: list[User] = field(default_factory=list)
    # nominator × nominee: for each nominator, one cell per nominee ("kept", "left", "changed"
    # or "").
    matrix: list[tuple[User, list[str]]] = field(default_factory=list)


def _people(ids: list[int]) -> dict[int, User]:
    return User.objects.in_bulk(ids)


def selection_page(selection: Selection, viewer: Any) -> Page:
    roster_ids = permissions.elector_ids(selection)
    voting = voters(selection)
    people = _people(roster_ids)
    nominations = list(Nomination.objects.filter(selection=selection).select_related("nominee"))
    first = {n.nominator_id: n for n in nominations if n.round == Nomination.Round.NOMINATION}
    change = {n.nominator_id: n for n in nominations if n.round == Nomination.Round.CHANGE}
    acted: set[int] = set()
    if selection.step == Step.NOMINATE:
        acted = set(first)
    elif selection.step == Step.CHANGE:
        acted = set(change)
    prepare_answers = {
        a.person_id: a
        for a in PrepareAnswer.objects.filter(
            selection=selection, version=selection.prepare_version
        )
    }
    if selection.step == Step.PREPARE:
        acted = set(prepare_answers)
    viewer_id = getattr(viewer, "pk", None)
    page = Page(
        roster=[people[pk] for pk in roster_ids if pk in people],
        voting=set(voting),
        acted=acted,
        prepare_answers=prepare_answers,
        mine=first.get(viewer_id) if viewer_id else None,
        my_change=change.get(viewer_id) if viewer_id else None,
    )
    if permissions.can_view_nominations(viewer, selection):
        page.grid = [
            GridRow(people[pk], first.get(pk), change.get(pk))
            for pk in roster_ids
            if pk in people and (pk in first or pk in change)
        ]
        page.tally = _tally(first, change, people)
        page.nominees = [
            people[pk] for pk in roster_ids if pk in {n.nominee_id for n in nominations}
        ]
        page.matrix = [
            (row.nominator, [_cell(row, nominee.pk) for nominee in page.nominees])
            for row in page.grid
        ]
    _candidate(selection, page, people)
    return page


def _cell(row: GridRow, nominee_id: int) -> str:
    """Whom the row's member nominated, before and after the change round."""
    before = row.first.nominee_id if row.first else None
    after = row.change.nominee_id if row.change else before
    if before == nominee_id and after == nominee_id:
        return "kept"
    if before == nominee_id:
        return "left"
    return "changed" if after == nominee_id else ""


def _tally(
    first: dict[int, Nomination], change: dict[int, Nomination], people: dict[int, User]
) -> list[tuple[User, int, int]]:
    """Each nominee, with their nominations before and after the change round."""
    before = Counter(n.nominee_id for n in first.values())
    after = Counter(
        (change[pk].nominee_id if pk in change else first[pk].nominee_id)
        for pk in set(first) | set(change)
    )
    ids = sorted(set(before) | set(after), key=lambda pk: (-after[pk], -before[pk]))
    return [(people[pk], before[pk], after[pk]) for pk in ids if pk in people]


def _candidate(selection: Selection, page: Page, people: dict[int, User]) -> None:
    candidates = list(
        Candidate.objects.filter(selection=selection)
        .select_related("nominee", "proposed_by")
        .order_by("created_at", "pk")
    )
    if not candidates:
        return
    page.candidate, page.earlier = candidates[-1], candidates[:-1][::-1]
    given = {a.person_id: a for a in Answer.objects.filter(candidate=page.candidate)}
    order = consent_order(selection, page.candidate.nominee_id)
    page.answers = [(people[pk], given.get(pk)) for pk in order if pk in people]


def selections_seen_by(
    viewer: Any, organisation: Organisation, *, open_only: bool = False
) -> list[Selection]:
    """The organisation's selections in circles the viewer sees, newest first."""
    found = Selection.objects.filter(circle__organisation=organisation).select_related(
        "circle__organisation", "role", "facilitator", "outcome__holder"
    )
    if open_only:
        found = found.open()
    return circle_permissions.visible_only(viewer, organisation, found, lambda s: s.circle_id)


def waiting_on(viewer: Any, organisation: Organisation) -> list[Selection]:
    """The open selections whose step open now waits for the viewer: an answer to the term and
    qualifications, a nomination, the change round, a proposal, or their answer in the consent
    round (the nominee's only once everyone else has answered)."""
    if not circle_permissions.is_person(viewer):
        return []
    mine = Selection.objects.open().filter(
        circle__organisation=organisation, electors__person_id=viewer.pk
    )
    waiting = []
    for selection in mine.select_related("circle__organisation", "role", "facilitator"):
        if _waits_for(selection, viewer):
            waiting.append(selection)
    return waiting


def _waits_for(selection: Selection, viewer: User) -> bool:
    """The step waits for the viewer: as who proposes, or as one not yet acted in it
    (services_deadlines.not_yet_acted), the nominee once everyone else has answered."""
    from .services_deadlines import not_yet_acted

    if selection.step == Step.PROPOSE:
        return permissions.can_propose(viewer, selection)
    if not permissions.is_elector(viewer, selection):
        return False
    waiting = not_yet_acted(selection)
    if viewer.pk not in waiting:
        return False
    if selection.step == Step.CONSENT:
        from .services_consent import current_candidate

        candidate = current_candidate(selection)
        return candidate is not None and (
            viewer.pk != candidate.nominee_id or waiting == [viewer.pk]
        )
    return True


def open_selection_circle_ids(viewer: Any, organisation: Organisation) -> set[int]:
    """The circles of the open selections the person is on the roster of (a leader's is the
    receiving circle, which they need not be a member of): their events change the count."""
    if not circle_permissions.is_person(viewer):
        return set()
    return set(
        Selection.objects.open()
        .filter(circle__organisation=organisation, electors__person_id=viewer.pk)
        .values_list("circle_id", flat=True)
    )
