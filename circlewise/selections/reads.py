"""Reads of a selection that the pages and the API share: the roster in seat order, the answers to
the term and qualifications, the nominations a person may read, and the candidate with its answers
in the consent round's order.

The nominations are the one read that depends on who reads: until they are revealed, a person
reads their own nomination alone (the facilitator too); afterwards, whoever sees the selection
reads the whole grid (`permissions.can_view_nominations`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from circlewise.accounts.models import User
from circlewise.circles.permissions import is_person

from . import permissions
from .models import Answer, Candidate, Nomination, PrepareAnswer, Selection
from .services import voters
from .services_consent import consent_order, current_candidate, waiting_for

if TYPE_CHECKING:
    from circlewise.core.types import Viewer


@dataclass(frozen=True)
class Seat:
    person: User
    seat: int
    # Still a member of the circle and active: nominates and answers. Someone who left since
    # the roster was fixed keeps their seat in the list but is no longer asked.
    is_voting: bool


@dataclass(frozen=True)
class CandidateRound:
    candidate: Candidate
    # The answers given, in the round's order (beside the nominee first, the nominee last).
    answers: list[Answer]
    # Who is still to answer, in the same order.
    waiting: list[User]


def roster(selection: Selection) -> list[Seat]:
    electors = list(selection.electors.select_related("person").order_by("seat", "pk"))
    voting = set(voters(selection))
    return [Seat(e.person, e.seat, e.person_id in voting) for e in electors]


def preparation_answers(selection: Selection) -> list[PrepareAnswer]:
    """The answers to the version of the term and qualifications standing now."""
    return list(
        PrepareAnswer.objects.filter(selection=selection, version=selection.prepare_version)
        .select_related("person")
        .order_by("answered_at", "pk")
    )


def nominations_for(user: Viewer, selection: Selection) -> list[Nomination]:
    """The nominations the person may read: everyone's once revealed, else their own alone."""
    found = Nomination.objects.filter(selection=selection).select_related("nominator", "nominee")
    if not permissions.can_view_nominations(user, selection):
        if not is_person(user):
            return []
        found = found.filter(nominator_id=user.pk)
    first = Nomination.Round.NOMINATION
    return sorted(found, key=lambda n: (n.round != first, n.created_at, n.pk))


def candidate_round(selection: Selection) -> CandidateRound | None:
    """The candidate answered now (the newest), its answers and who is still to answer."""
    candidate = current_candidate(selection)
    if candidate is None:
        return None
    order = consent_order(selection, candidate.nominee_id)
    place = {pk: i for i, pk in enumerate(order)}
    given = list(candidate.answers.select_related("person", "recorded_by"))
    given.sort(key=lambda a: (place.get(a.person_id, len(order)), a.answered_at, a.pk))
    still = waiting_for(selection, candidate)
    people = User.objects.in_bulk(still)
    waiting = [people[pk] for pk in still if pk in people]
    return CandidateRound(candidate, given, waiting)


def selections_of(circle_id: int) -> list[Selection]:
    """A circle's selections, those under way first, then the newest."""
    found = Selection.objects.filter(circle_id=circle_id).select_related(
        "role", "facilitator", "proposer"
    )
    return sorted(found, key=lambda s: (not s.is_open, -s.created_at.timestamp(), -s.pk))
