from __future__ import annotations

from dataclasses import dataclass

import pytest

from circlewise.accounts.models import User
from circlewise.circles.models import Circle

from .. import factories as f


@dataclass
class Circle5:
    circle: Circle
    facilitator: User
    author: User
    others: list[User]

    @property
    def everyone(self) -> list[User]:
        return [self.facilitator, self.author, *self.others]


@pytest.fixture
def kitchen(world) -> Circle5:
    """A circle of five in the world's organisation: a facilitator, an author and three more."""
    circle = f.make_circle(world.org, "Kitchen", parent=world.general)
    people = [f.join(world.org, name=n) for n in ("Kim Facil", "Ari Author", "Bo", "Cai", "Dara")]
    f.add(circle, *people)
    f.give_role(circle, "facilitator", people[0])
    return Circle5(circle, people[0], people[1], people[2:])
