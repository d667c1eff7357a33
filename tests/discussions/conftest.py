from __future__ import annotations

from typing import Any

import pytest

from circlewise.decisions import services as decisions

from ..api.conftest import api  # noqa: F401 - the API client fixture


@pytest.fixture
def topic(world: Any) -> Any:
    """A topic on Garden's backlog (an open circle), raised by Cy."""
    return decisions.add_backlog_item(
        circle=world.garden, actor=world.circle_member, topic="Teen room", desired_outcome="explore"
    )


@pytest.fixture
def secret(world: Any) -> Any:
    """A topic on Care's backlog (a private circle: Cy is its member)."""
    return decisions.add_backlog_item(circle=world.care, actor=world.circle_member, topic="Hush")


@pytest.fixture
def draft(world: Any) -> Any:
    """Cy's draft in Garden, not shared."""
    return decisions.create_proposal(
        circle=world.garden, author=world.circle_member, title="Quiet hours",
        driver="Nights are loud.", text="Quiet after ten.",
    )  # fmt: skip
