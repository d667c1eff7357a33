from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from circlewise.accounts.models import User
from circlewise.circles.models import Circle

from .. import factories as f
from ..conftest import _flushes_database, _load_world, layer_value, open_layer


@dataclass
class Circle5:
    circle: Circle
    facilitator: User
    author: User
    others: list[User]

    @property
    def everyone(self) -> list[User]:
        return [self.facilitator, self.author, *self.others]


def _build_kitchen() -> dict[str, Any]:
    world = _load_world()
    circle = f.make_circle(world.org, "Kitchen", parent=world.general)
    people = [f.join(world.org, name=n) for n in ("Kim Facil", "Ari Author", "Bo", "Cai", "Dara")]
    f.add(circle, *people)
    f.give_role(circle, "facilitator", people[0])
    return {"circle": circle.pk, "people": [p.pk for p in people]}


@pytest.fixture
def _kitchen_layer(request: pytest.FixtureRequest, django_db_setup: None) -> None:
    if "kitchen" in request.fixturenames and not _flushes_database(request.node):
        open_layer("kitchen", _build_kitchen)


@pytest.fixture
def db(_kitchen_layer: None, db: None) -> None:
    """The test's database, over the kitchen's layer when the test asks for the kitchen."""


@pytest.fixture
def kitchen(world) -> Circle5:
    """A circle of five in the world's organisation: a facilitator, an author and three more.
    Built once for a run of tests that ask for it (see `open_layer`); each gets fresh instances.
    A test whose transaction was open before (a `django_db` mark) builds its own."""
    pks = layer_value("kitchen")
    if pks is None:
        pks = _build_kitchen()
    circle = Circle.objects.get(pk=pks["circle"])
    circle.organisation = world.org
    circle.parent = world.general
    found = User.objects.in_bulk(pks["people"])
    people = [found[pk] for pk in pks["people"]]
    return Circle5(circle, people[0], people[1], people[2:])
