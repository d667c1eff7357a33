"""The selections' part of the permission matrix (tests/test_permission_matrix.py): the selections
every selection route is requested for, and the hand-written account of who each persona is in
them.

Garden selects its secretary, started and facilitated by Fay, with Cy and Fay on the roster (Rem
has left and Dee is deactivated); Care selects its secretary, started by Cy, facilitated by Cara
(Care's facilitator, no persona), with Cy and Cara on the roster. Both are at their first step.
"""

from __future__ import annotations

from typing import Any

from circlewise.circles.models import Role
from circlewise.selections import services

from .. import factories as f
from .. import permission_table as table

# Who each selection has on its roster and as its facilitator, among the personas.
ELECTORS = {
    "garden": frozenset({"circle_member", "facilitator"}),
    "care": frozenset({"circle_member"}),
}
FACILITATOR = {"garden": "facilitator", "care": None}

LEVELS = {
    table.SELECTION_VIEWER,
    table.ELECTOR,
    table.SELECTION_FACILITATOR,
    table.SELECTION_PROPOSER,
    table.SELECTION_CANCELLER,
    table.SELECTION_STARTER,
}


def selection_targets(world: Any, target: Any) -> list[Any]:
    """Garden's and Care's selections of their secretary (`target` is the matrix's Target)."""
    from circlewise.accounts.models import User
    from circlewise.circles.models import Circle

    cara = User.objects.get(email="cara@example.org")
    garden = services.start_selection(
        role=f.role(world.garden, Role.Kind.SECRETARY), actor=world.facilitator,
        facilitator=world.facilitator,
    )  # fmt: skip
    care = Circle.objects.get(pk=world.care.pk)
    private = services.start_selection(
        role=f.role(care, Role.Kind.SECRETARY), actor=world.circle_member, facilitator=cara
    )
    found = []
    for name, selection in (("garden", garden), ("care", private)):
        ids = {"org": world.org.slug, "slug": world.org.slug, "selection_id": selection.pk}
        found.append(target(f"{name}: selection of its secretary", ids, org="willow", circle=name))
    return found


def selection_answer(level: str, persona: str, circle: str, *, may_manage: bool) -> bool:
    """Whether a persona who sees the circle may do what the level says. `may_manage`: an admin
    of the organisation or a steward of the circle or of its parent (who manages its roles)."""
    electors = ELECTORS.get(circle, frozenset())
    facilitates = persona == FACILITATOR.get(circle)
    may = {
        table.SELECTION_VIEWER: True,
        table.ELECTOR: persona in electors,
        table.SELECTION_FACILITATOR: facilitates,
        table.SELECTION_PROPOSER: facilitates,  # nobody has been handed the proposal
        table.SELECTION_CANCELLER: facilitates or may_manage,
    }
    return may[level]
