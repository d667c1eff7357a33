"""Personas shared by every test: the same small world, named for who is looking at it.

An organisation "Willow" with an open circle (Garden) and a private circle (Care), both inside the
General circle; a second organisation "Elsewhere" whose member is the outsider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from circlewise.accounts.models import User
from circlewise.circles import services
from circlewise.circles.models import Circle, Organisation

from . import factories as f


@dataclass
class World:
    org: Organisation
    other_org: Organisation
    general: Circle
    garden: Circle
    care: Circle
    admin: User
    member: User  # an organisation member in no circle
    circle_member: User  # in Garden and Care
    facilitator: User  # Garden's facilitator, a member of Garden
    outsider: User  # a member of Elsewhere only
    removed: User  # was a member of Willow and of Garden, then removed
    deactivated: User  # a member of Willow and Garden whose account is deactivated


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Every test starts with an empty cache: with REDIS_URL set the cache outlives a test run,
    and cached pages, versions and one-time form tokens must not leak from one test (or run)
    into the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def world(db: None) -> World:
    admin = f.make_user("Ada Admin", email="ada@example.org")
    org = services.create_organisation(name="Willow Ecovillage", slug="willow", founder=admin)
    other = services.create_organisation(
        name="Elsewhere Co-op",
        slug="elsewhere",
        founder=f.make_user("Olga Outsider", email="olga@example.org"),
    )
    outsider = f.admin_of(other)
    member = f.join(org, f.make_user("Mo Member", email="mo@example.org"))
    circle_member = f.join(org, f.make_user("Cy Circle", email="cy@example.org"))
    facilitator = f.join(org, f.make_user("Fay Facilitator", email="fay@example.org"))
    removed = f.join(org, f.make_user("Rem Removed", email="rem@example.org"))
    deactivated = f.join(org, f.make_user("Dee Deactivated", email="dee@example.org"))
    general = f.make_circle(org, "General", kind="general")
    garden = f.make_circle(org, "Garden", parent=general)
    care = f.make_circle(org, "Care", parent=general, visibility="private")
    f.add(garden, circle_member, facilitator, removed, deactivated)
    f.add(care, circle_member)
    # The admin formed Care as its first member, then left it: Care is hidden from the admin.
    services.end_membership(circle=care, user=admin, actor=admin)
    f.give_role(garden, "facilitator", facilitator)
    services.remove_org_member(organisation=org, user=removed, actor=admin)
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])
    return World(
        org,
        other,
        general,
        garden,
        care,
        admin,
        member,
        circle_member,
        facilitator,
        outsider,
        removed,
        deactivated,
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a parallel run each test process hands its figures to the controlling one."""
    from .permission_table import FIGURES

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["figures"] = {name: list(value) for name, value in FIGURES.items()}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    from .permission_table import FIGURES

    for name, value in getattr(node, "workeroutput", {}).get("figures", {}).items():
        FIGURES[name] = tuple(value)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the route inventory's and the permission matrix's figures on lines of their own."""
    from .permission_table import FIGURES

    if "inventory" in FIGURES:
        routes, unlisted = FIGURES["inventory"]
        terminalreporter.write_line(f"route inventory: {routes} routes, {unlisted} unlisted")
    if "matrix" in FIGURES:
        checks, mismatches = FIGURES["matrix"]
        terminalreporter.write_line(f"permission matrix: {checks} checks, {mismatches} mismatches")
