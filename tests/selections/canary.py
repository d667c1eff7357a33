"""The selections' part of the private canary (tests/test_private_canary.py).

In Care, a selection of its canary-named role run up to its consent round, with a canary in
everything written in it: the qualifications, an objection to them, the nominations and the change
round's reasons, the proposal's reasons and measures, and an objection to the candidate. In the
open circle Garden, a selection with its nominations open and Cy's nomination written, its reason
a canary: nobody but Cy may read it before the reveal, Fay and the admin neither. Cara, no persona,
facilitates it: its facilitator revealing the nominations would show them, rightly, so the crawl's
personas must not be able to (that the facilitator reads none before is tests/selections/test_api.py's).
"""

from __future__ import annotations

from typing import Any

from circlewise.circles import services as circle_services
from circlewise.selections import services, services_consent
from circlewise.selections.models import Selection


def plant_selections(
    world: Any, canary: Any, care: Any, role: Any, helper: Any
) -> tuple[Selection, Selection]:
    cy = world.circle_member
    private = services.start_selection(
        role=role, actor=cy, facilitator=helper, qualifications=canary("selection qualifications")
    )
    services.answer_preparation(
        selection=private, actor=cy, consents=False, reason=canary("selection term objection")
    )
    services.prepare(
        selection=private, actor=helper, term_months=6,
        qualifications=canary("selection qualifications again"),
    )  # fmt: skip
    services.open_nominations(selection=private, actor=helper)
    services.nominate(
        selection=private, actor=cy, nominee=helper, reason=canary("nomination reason")
    )
    services.nominate(
        selection=private, actor=helper, nominee=cy, reason=canary("other nomination reason")
    )
    services.reveal(selection=private, actor=helper)  # Rae (in Care too) has not nominated
    services.change_nomination(
        selection=private, actor=cy, nominee=cy, reason=canary("change round reason")
    )
    services.change_nomination(selection=private, actor=helper, nominee=None)
    services.close_change_round(selection=private, actor=helper)
    private.refresh_from_db()
    services_consent.propose(
        selection=private, actor=helper, nominee=cy, reasons=canary("candidate reasons"),
        measures=canary("candidate measures"),
    )  # fmt: skip
    services_consent.answer(
        selection=private, actor=helper, consents=False, reason=canary("candidate objection")
    )
    # In the open circle Garden: only Cy's own nomination is written, and it stays hers
    tools = circle_services.create_role(circle=world.garden, actor=world.admin, name="Tool keeper")
    secret = services.start_selection(role=tools, actor=world.facilitator, facilitator=helper)
    services.open_nominations(selection=secret, actor=helper)
    services.nominate(
        selection=secret, actor=cy, nominee=world.facilitator,
        reason=canary("secret nomination reason"),
    )  # fmt: skip
    return private, secret
