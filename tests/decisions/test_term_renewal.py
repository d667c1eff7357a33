"""Renewing or replacing a term: its "term ending" backlog item is closed, and the role's history
shows every term as it was."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import formats, timezone

from circlewise.circles import services as circle_services
from circlewise.circles.models import RoleAssignment
from circlewise.core.feed import describe
from circlewise.core.ledger import verify_organisation
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import BacklogItem

from .. import factories as f
from ..api.conftest import ApiClient


def _expired_secretary(world, days_ago=10):
    """Cy has been Garden's secretary for a year; the term ran out `days_ago` days ago, and the
    reminders put it on Garden's backlog."""
    today = timezone.localdate()
    assignment = f.give_role(
        world.garden,
        "secretary",
        world.circle_member,
        term_start=today - dt.timedelta(days=365 + days_ago),
        term_end=today - dt.timedelta(days=days_ago),
    )
    services.send_reminders(today=today)
    item = BacklogItem.objects.open().get(assignment=assignment)
    assert item.source == BacklogItem.Source.TERM_ENDING
    return assignment, item


def _closed_events(world, item):
    return LedgerEvent.objects.filter(
        organisation=world.org, verb="backlog.item_closed", payload__item=item.pk
    )


def test_renewing_a_term_closes_its_term_ending_item(world):
    # given Cy's expired term, on Garden's backlog
    old, item = _expired_secretary(world)
    # when the circle selects Cy again
    new = f.give_role(world.garden, "secretary", world.circle_member)
    # then the item is done, and the ledger says who closed it and why
    item.refresh_from_db()
    assert item.status == BacklogItem.Status.DONE
    assert item.closed_at is not None
    event = _closed_events(world, item).get()
    assert event.actor == world.admin
    assert event.payload["status"] == "done"
    assert event.payload["resolution"] == "renewed"
    assert describe(event) == (
        f"“<bdi>{item.topic}</bdi>” is off the backlog of <bdi>{item.circle.name}</bdi>:"
        " the term was renewed."
    )
    assert verify_organisation(world.org).broken_at is None
    # and the reminders neither reopen it nor put the old term back on the backlog
    assert services.send_reminders(today=timezone.localdate()) == 0
    assert not BacklogItem.objects.open().filter(assignment=old).exists()
    assert not BacklogItem.objects.filter(assignment=new).exists()


def test_selecting_someone_new_closes_the_item_too(world):
    _, item = _expired_secretary(world)
    f.give_role(world.garden, "secretary", world.facilitator)
    item.refresh_from_db()
    assert item.status == BacklogItem.Status.DONE
    assert _closed_events(world, item).get().payload["resolution"] == "replaced"


def test_ending_a_term_early_leaves_the_item_for_the_circle(world):
    # the role is empty now: selecting someone is still on the circle's backlog
    old, item = _expired_secretary(world)
    circle_services.end_assignment(assignment=old, actor=world.admin)
    item.refresh_from_db()
    assert item.status == BacklogItem.Status.OPEN


def test_the_history_shows_the_old_term_to_its_own_end_and_the_new_one(world, client):
    # given Cy's term, which ended ten days ago
    today = timezone.localdate()
    old, _ = _expired_secretary(world, days_ago=10)
    start, end = old.term_start, old.term_end
    # when Cy is selected again today
    new = f.give_role(world.garden, "secretary", world.circle_member)
    # then the old term keeps its dates and ended on its own end, not on the renewal day
    old.refresh_from_db()
    assert (old.term_start, old.term_end, old.ended_on) == (start, end, end)
    assert (new.term_start, new.ended_on) == (today, None)
    ended = LedgerEvent.objects.get(verb="role.ended", object_id=str(old.pk))
    assert (ended.payload["reason"], ended.payload["ended_on"]) == ("renewed", end.isoformat())
    assigned = LedgerEvent.objects.get(verb="role.assigned", object_id=str(new.pk))
    assert assigned.payload["renews"] == old.pk
    # and the role's page lists both terms as they were
    client.force_login(world.member)
    page = client.get(
        reverse("circles:role_detail", args=[world.org.slug, world.garden.slug, old.role_id])
    ).content.decode()
    held, earlier = page.split('id="history"')

    def shown(day):
        return formats.date_format(day, "j M Y")

    assert f"{shown(today)} to {shown(new.term_end)}" in held
    assert f"{shown(start)} to {shown(end)}" in earlier
    assert shown(today) not in earlier
    # and so does the API
    history = ApiClient(client).get(f"/roles/{old.role_id}", as_=world.member, scope="read")
    terms = [(t["term_start"], t["term_end"], t["ended_on"]) for t in history.body["history"]]
    assert terms == [
        (today.isoformat(), new.term_end.isoformat(), None),
        (start.isoformat(), end.isoformat(), end.isoformat()),
    ]


def test_renewing_a_term_ahead_of_its_end_ends_it_when_the_new_one_starts(world):
    today = timezone.localdate()
    old = f.give_role(
        world.garden,
        "secretary",
        world.circle_member,
        term_start=today - dt.timedelta(days=300),
        term_end=today + dt.timedelta(days=20),
    )
    services.send_reminders(today=today)
    item = BacklogItem.objects.open().get(assignment=old)
    f.give_role(world.garden, "secretary", world.circle_member)
    old.refresh_from_db()
    item.refresh_from_db()
    assert old.ended_on == today
    assert item.status == BacklogItem.Status.DONE


def test_renewing_a_role_of_the_circles_own_keeps_one_current_term(world):
    # given Cy in a role of Garden's own, which several people may hold
    role = circle_services.create_role(circle=world.garden, actor=world.admin, name="Seed keeper")
    today = timezone.localdate()
    old = circle_services.assign_role(
        role=role,
        holder=world.circle_member,
        actor=world.admin,
        term_start=today - dt.timedelta(days=370),
        term_end=today - dt.timedelta(days=5),
    )
    services.send_reminders(today=today)
    item = BacklogItem.objects.open().get(assignment=old)
    # when Cy is selected again
    circle_services.assign_role(role=role, holder=world.circle_member, actor=world.admin)
    # then the old term ended (renewed), the item is done, and Cy holds one current term
    old.refresh_from_db()
    item.refresh_from_db()
    assert old.ended_on == old.term_end
    assert item.status == BacklogItem.Status.DONE
    assert RoleAssignment.objects.current().filter(role=role).count() == 1
