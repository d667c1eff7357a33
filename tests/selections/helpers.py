"""A selection built through the services, step by step, for the selections' tests: Garden
selects its secretary, with Mo added to Garden so that three people nominate (Cy, Fay, Mo; Dee
is deactivated and Rem has left)."""

from __future__ import annotations

from typing import Any

from circlewise.circles.models import Role
from circlewise.selections import services, services_consent
from circlewise.selections.models import Selection

from .. import factories as f


def secretary(world: Any) -> Role:
    return f.role(world.garden, Role.Kind.SECRETARY)


def started(world: Any, **kwargs: Any) -> Selection:
    f.add(world.garden, world.member)
    return services.start_selection(
        role=secretary(world), actor=world.facilitator, facilitator=world.facilitator, **kwargs
    )


def nominating(world: Any) -> Selection:
    selection = started(world)
    services.open_nominations(selection=selection, actor=world.facilitator)
    selection.refresh_from_db()
    return selection


def revealed(world: Any) -> Selection:
    """Cy and Mo nominate Fay, Fay nominates Cy: revealed by the last nomination."""
    selection = nominating(world)
    fay, cy, mo = world.facilitator, world.circle_member, world.member
    services.nominate(selection=selection, actor=cy, nominee=fay, reason="She keeps records well.")
    services.nominate(selection=selection, actor=fay, nominee=cy, reason="Cy writes clearly.")
    services.nominate(selection=selection, actor=mo, nominee=fay, reason="Fay is careful.")
    selection.refresh_from_db()
    return selection


def proposed(world: Any) -> Selection:
    """Fay, the facilitator, is nominated and hands the proposal over to Mo; everyone keeps
    their nomination in the change round, and Mo proposes Fay for a year."""
    selection = revealed(world)
    fay, cy, mo = world.facilitator, world.circle_member, world.member
    services.hand_over(selection=selection, actor=fay, proposer=mo)
    for person in (cy, fay, mo):
        services.change_nomination(selection=selection, actor=person, nominee=None)
    selection.refresh_from_db()
    services_consent.propose(
        selection=selection, actor=mo, nominee=fay, reasons="Two of us nominated her.",
        term_months=12,
    )  # fmt: skip
    selection.refresh_from_db()
    return selection
