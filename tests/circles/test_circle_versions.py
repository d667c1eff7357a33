"""A circle's pages are kept on the version of that circle, its parent, its sub-circles and the
organisation's own events (core.cache.circle_version): work in another circle leaves them cached,
and every change they show moves them.

Each test reads a page (so that it is cached), changes something, and reads it again.
"""

from __future__ import annotations

from django.urls import reverse

from circlewise.circles import services
from circlewise.core import cache

from .. import factories as f

# What the body of a circle page reads (its recent events, among the rest) and what the
# person's own part of the home reads (what needs them): never read again while only
# other circles change. (The viewer's standing, on the organisation's version, is read again.)
BODY_TABLES = ("core_ledgerevent",)
HOME_TABLES = ("decisions_proposal", "decisions_backlogitem")


def _page(client, user, name: str, *args: object) -> str:
    client.force_login(user)
    response = client.get(reverse(f"circles:{name}", args=args))
    assert response.status_code == 200
    return response.content.decode()


def _tables_read(client, path: str) -> set[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    return {table for table in BODY_TABLES + HOME_TABLES if f'"{table}"' in sql}


def _fresh(circle):
    """The circle as a page reads it, with its organisation's current row."""
    from circlewise.circles.models import Circle

    return Circle.objects.select_related("organisation").get(pk=circle.pk)


def test_work_in_another_circle_leaves_a_circles_page_in_the_cache(client, world):
    # given Kitchen, a circle of its own beside General and its sub-circles, seen by a member
    kitchen = f.make_circle(world.org, "Kitchen")
    f.add(kitchen, world.member)
    path = reverse("circles:circle_detail", args=["willow", "kitchen"])
    client.force_login(world.member)
    assert set(BODY_TABLES) <= _tables_read(client, path)
    before = cache.circle_version(_fresh(kitchen))
    # when Garden (another circle, not Kitchen's parent or sub-circle) gains a member
    services.add_member(circle=world.garden, user=world.member, actor=world.facilitator)
    # then Kitchen's version has not moved, and its body comes from the cache
    assert cache.circle_version(_fresh(kitchen)) == before
    assert not _tables_read(client, path) & set(BODY_TABLES)
    # while Garden's own page shows the change
    assert "Mo Member" in _page(client, world.member, "circle_detail", "willow", "garden")


def test_a_change_in_a_parent_a_sub_circle_or_the_organisation_moves_the_version(world):
    general, garden = _fresh(world.general), _fresh(world.garden)
    versions = [cache.circle_version(_fresh(world.garden)), cache.circle_version(general)]
    # when General's sub-circle Garden changes, General's version moves
    services.add_member(circle=world.garden, user=world.member, actor=world.facilitator)
    assert cache.circle_version(_fresh(world.general)) != versions[1]
    # when General (Garden's parent) changes, Garden's moves
    garden_before = cache.circle_version(_fresh(world.garden))
    services.update_circle(circle=general, actor=world.admin, aim="All of it.")
    assert cache.circle_version(_fresh(world.garden)) != garden_before
    # and an event of the organisation itself (a member joins) moves every circle's
    garden_before = cache.circle_version(_fresh(world.garden))
    f.join(world.org, f.make_user("Nia Newcomer"))
    assert cache.circle_version(_fresh(world.garden)) != garden_before
    assert garden.pk == world.garden.pk


def test_a_sub_circle_moved_away_leaves_its_old_parents_page_at_once(client, world):
    kitchen = f.make_circle(world.org, "Kitchen")
    garden_url = reverse("circles:circle_detail", args=["willow", "garden"])
    # given General's page, which lists its sub-circle Garden, seen and cached
    assert garden_url in _page(client, world.admin, "circle_detail", "willow", "general")
    # when Garden moves under Kitchen
    services.update_circle(circle=_fresh(world.garden), actor=world.admin, parent=kitchen)
    # then General no longer lists it, and Kitchen does
    assert garden_url not in _page(client, world.admin, "circle_detail", "willow", "general")
    assert garden_url in _page(client, world.admin, "circle_detail", "willow", "kitchen")


def test_the_organisations_new_name_shows_on_a_cached_circle_page(client, world):
    # given Garden's page, cached
    assert "Willow Commons" not in _page(client, world.member, "circle_detail", "willow", "garden")
    # when the organisation is renamed (its own event, no circle's)
    services.update_organisation(organisation=world.org, actor=world.admin, name="Willow Commons")
    # then the page shows the new name
    assert "Willow Commons" in _page(client, world.member, "circle_detail", "willow", "garden")


def test_the_home_keeps_my_part_while_other_circles_work_and_shows_my_circles_work(client, world):
    from circlewise.decisions import services as decisions

    kitchen = f.make_circle(world.org, "Kitchen")
    f.add(kitchen, world.member)
    home = reverse("circles:org_home", args=["willow"])
    client.force_login(world.member)
    assert set(HOME_TABLES) <= _tables_read(client, home)
    # when a circle Mo is not in starts a consent round (the organisation's version moves)
    decisions.create_proposal(
        circle=world.garden, author=world.facilitator, title="Compost", driver="Smell.",
        text="A lid.",
    )  # fmt: skip
    # then Mo's own part of the home still comes from the cache (the activity is read again)
    assert not _tables_read(client, home) & set(HOME_TABLES)
    # and when Kitchen, Mo's circle, opens a round, Mo's home asks Mo to answer it at once
    f.add(kitchen, world.circle_member)
    f.give_role(kitchen, "facilitator", world.circle_member)
    mine = decisions.create_proposal(
        circle=kitchen, author=world.circle_member, title="Shared pantry", driver="Waste.",
        text="Shelves.",
    )  # fmt: skip
    decisions.present(proposal=mine, actor=world.circle_member)
    decisions.advance(proposal=mine, actor=world.circle_member)
    decisions.advance(proposal=mine, actor=world.circle_member)
    decisions.open_consent_round(proposal=mine, actor=world.circle_member)
    page = client.get(home).content.decode()
    assert 'data-need="answer_round"' in page
    assert "Shared pantry" in page
    assert "Compost" not in page.split('id="activity-heading"')[0]
