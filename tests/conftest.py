"""Personas shared by every test: the same small world, named for who is looking at it.

An organisation "Willow" with an open circle (Garden) and a private circle (Care), both inside the
General circle; a second organisation "Elsewhere" whose member is the outsider.

The world is built once per test process, when the test databases are set up, and committed:
every test runs in a transaction that rolls back to it, and `world` hands each test fresh
instances read from the database. Tests that ask for no world still find it there. A
transactional test (PostgreSQL only) empties the database when it ends; the world is built again
right after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

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


@pytest.fixture(autouse=True, scope="session")
def _static_files_found_on_request() -> None:
    """WhiteNoise lists every static file (the finders', some 140) each time a middleware chain
    is built, that is on every test client's first request: a tenth of a typical test. No test
    asks the test client for a static file (the browser tests have a server of their own), so
    it looks files up when asked instead, as it does in development."""
    from django.conf import settings

    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Every test starts with an empty cache: with REDIS_URL set the cache outlives a test run,
    and cached pages, versions and one-time form tokens must not leak from one test (or run)
    into the next."""
    from django.core.cache import cache

    cache.clear()


def _build_world() -> World:
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


# The world is built once per test process and committed; every test's transaction rolls back to
# it. Its primary keys, by field of World; empty until the test databases exist.
_WORLD_PKS: dict[str, int] = {}
_ORGS = ("org", "other_org")
_CIRCLES = ("general", "garden", "care")
_PEOPLE = tuple(n for n in World.__dataclass_fields__ if n not in _ORGS + _CIRCLES)
_blocker: list[Any] = []  # pytest-django's database blocker, once the databases are set up


def _commit_world() -> None:
    """Build the world in a transaction of its own and commit it, without running what its
    changes asked to run after commit (notifications, emails, broadcasts): built inside a test's
    transaction, as it was before, those never ran either."""
    with transaction.atomic():
        world = _build_world()
        transaction.get_connection().run_on_commit.clear()
    _WORLD_PKS.clear()
    _WORLD_PKS.update({name: getattr(world, name).pk for name in World.__dataclass_fields__})


def _load_world() -> World:
    """Fresh instances of the world, read by primary key (three queries): nothing a test does to
    them in Python reaches the next test. Circles know their organisation and parent, as when
    they were made."""
    pks = _WORLD_PKS
    orgs = Organisation.objects.in_bulk([pks[n] for n in _ORGS])
    circles = Circle.objects.in_bulk([pks[n] for n in _CIRCLES])
    people = User.objects.in_bulk([pks[n] for n in _PEOPLE])
    for circle in circles.values():
        circle.organisation = orgs[circle.organisation_id]
        if circle.parent_id is not None:
            circle.parent = circles[circle.parent_id]
    found: dict[str, Any] = {n: orgs[pks[n]] for n in _ORGS}
    found |= {n: circles[pks[n]] for n in _CIRCLES}
    found |= {n: people[pks[n]] for n in _PEOPLE}
    return World(**found)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The test databases, with the world committed in them (once per test process)."""
    _blocker[:] = [django_db_blocker]
    with django_db_blocker.unblock():
        _commit_world()
    yield
    close_layer()


# A layer of test data over the world that a run of tests shares (the `kitchen` of
# tests/decisions): built in a transaction opened before the first such test's own, kept open
# while the next tests ask for it too, and rolled back before any test that does not.
_layer: dict[str, Any] = {}


def open_layer(name: str, build: Callable[[], Any]) -> None:
    """Open the layer `name` (built by `build`, whose answer `layer_value` gives) unless it is
    open already; only outside any transaction, that is before the test's own."""
    if _layer.get("name") == name or not _blocker:
        return
    close_layer()
    with _blocker[0].unblock():
        if transaction.get_connection().in_atomic_block:
            return
        block = transaction.atomic()
        block.__enter__()
        _layer.update(name=name, block=block, value=build())


def layer_value(name: str) -> Any:
    """What the open layer's build gave, or None when `name` is not the open layer."""
    return _layer["value"] if _layer.get("name") == name else None


def close_layer() -> None:
    if not _layer:
        return
    block = _layer["block"]
    _layer.clear()
    with _blocker[0].unblock():
        transaction.set_rollback(True)
        block.__exit__(None, None, None)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _layer and (_layer["name"] not in item.fixturenames or _flushes_database(item)):
        close_layer()


@pytest.fixture
def world(db: None) -> World:
    return _load_world()


def _flushes_database(item: pytest.Item) -> bool:
    """A transactional test (PostgreSQL only here) empties every table when it ends."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After a transactional test has emptied the database, the world is built again, so that
    the tests after it find it as every other test does."""
    result = yield
    if _blocker and _WORLD_PKS and _flushes_database(item):
        with _blocker[0].unblock():
            if not Organisation.objects.filter(pk=_WORLD_PKS["org"]).exists():
                _commit_world()
    return result


# The exhaustive sweeps (the longest minutes of CPU) and the tests that load the whole demo:
# `make test` runs them, `make test-quick` leaves them out (`-m "not slow"`). Marked here, by
# name, so that the tests themselves stay as they are.
SLOW = {
    "tests/decisions/test_process_properties.py::test_consent_process_properties",
    "tests/test_permission_matrix.py::"
    "test_every_route_answers_every_persona_as_the_permission_table_says",
    "tests/test_private_canary.py::test_no_text_of_a_private_circle_reaches_anyone_outside_it",
    # every API operation with the bodies its schema admits (schemathesis): 70 cases, ~30 CPU-s
    "tests/api/test_api_properties.py::test_no_api_operation_answers_with_a_server_error",
    # every page, or every operation, with odd names or odd input: 1-5 s each
    "tests/core/test_bidi_isolation.py::test_every_name_and_title_is_isolated_on_every_page",
    "tests/core/test_odd_input.py::test_an_id_beyond_the_database_is_not_found_on_every_page",
    "tests/core/test_odd_input.py::"
    "test_an_unstorable_character_in_any_text_field_of_the_api_is_refused",
    "tests/core/test_memory_bounds.py::test_rendered_markdown_kept_in_memory_is_bounded",
    # two app processes with Redis, one killed mid-round: 25 s
    "tests/meetings/test_room_processes.py::"
    "test_two_processes_serve_one_meeting_and_a_killed_one_loses_nothing",
    # the whole demo organisation loaded: 1.5 s each
    "tests/circles/test_demo.py::test_the_demo_is_a_believable_ecovillage",
    "tests/circles/test_demo.py::test_loading_the_demo_again_keeps_the_data",
    "tests/circles/test_demo.py::test_the_demo_has_proposals_in_every_state",
    "tests/decisions/test_demo_policies.py::test_the_demo_register_has_replaced_and_retired_policies",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: an exhaustive sweep, left out of make test-quick")
    # pytest-xdist's own marker, known also when the suite runs without it (-p no:xdist).
    config.addinivalue_line("markers", "xdist_group(name): tests one process runs together")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.split("[")[0] in SLOW:
            item.add_marker(pytest.mark.slow)
    # The browser tests first (one group: tests/browser/conftest.py), then the long sweeps, then
    # the rest in their order: a parallel run hands the longest work out first, so no process is
    # left with a long test at the end while the others wait.
    items.sort(
        key=lambda item: (
            item.get_closest_marker("browser") is None,
            item.get_closest_marker("slow") is None,
        )
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
