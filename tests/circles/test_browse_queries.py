"""The circle page and the chart issue a fixed number of queries, however big the circle or the
organisation."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from circlewise.circles import services
from circlewise.circles.models import Circle

from .. import factories as f

# The circle page and home show a feed: its events' organisation is one prefetch query (a join
# made SQLite sort the whole ledger to show a page of it: seconds at full size). Its next meetings
# are one more.
CIRCLE_PAGE_BUDGET = 17
CHART_BUDGET = 10
LIST_BUDGET = 10
# The home lists what needs the person (decisions.selectors.needs_me: its reads of the open
# proposals, rounds, rosters and answers), in a fixed number of queries however many there are,
# and one more for the version of the person's circles it is kept on.
HOME_BUDGET = 25


def _grow_circle(world, members: int, roles: int) -> None:
    """Many members, every circle role filled, and custom roles with holders."""
    today = timezone.localdate()
    people = [f.join(world.org) for _ in range(members)]
    f.add(world.garden, *people)
    f.add(world.general, people[0], people[1])
    f.give_role(world.garden, "leader", people[0])
    f.give_role(world.garden, "delegate", people[1])
    f.give_role(
        world.garden,
        "secretary",
        people[2],
        term_start=today - dt.timedelta(days=300),
        term_end=today + dt.timedelta(days=3),
    )
    for n in range(roles):
        role = services.create_role(circle=world.garden, actor=world.admin, name=f"Steward {n}")
        services.assign_role(role=role, holder=people[3 + n], actor=world.admin)
    for n in range(4):
        f.make_circle(world.org, f"Bed {n}", parent=world.garden)


def _grow_organisation(world, circles: int) -> None:
    parent = world.garden
    for n in range(circles):
        child = f.make_circle(world.org, f"Patch {n}", parent=parent if n % 3 else world.general)
        f.add(child, world.circle_member)
        f.give_role(child, "facilitator", world.circle_member)
        if n % 5 == 0:
            parent = child


def test_circle_page_has_the_same_query_budget_for_a_small_and_a_large_circle(
    client, world, django_assert_max_num_queries
):
    # given the small circle Garden
    client.force_login(world.facilitator)
    url = reverse("circles:circle_detail", args=[world.org.slug, "garden"])
    with django_assert_max_num_queries(CIRCLE_PAGE_BUDGET):
        assert client.get(url).status_code == 200
    # when it grows to 40 members with 8 more roles and 4 sub-circles
    _grow_circle(world, members=40, roles=8)
    # then the page stays within the same budget
    with django_assert_max_num_queries(CIRCLE_PAGE_BUDGET):
        response = client.get(url)
    assert response.status_code == 200
    assert "Steward 7" in response.content.decode()
    assert "Bed 3" in response.content.decode()


def test_chart_and_list_have_the_same_query_budget_for_a_small_and_a_large_organisation(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.circle_member)
    chart = reverse("circles:org_chart", args=[world.org.slug])
    tree = reverse("circles:circle_list", args=[world.org.slug])
    with django_assert_max_num_queries(CHART_BUDGET):
        assert client.get(chart).status_code == 200
    with django_assert_max_num_queries(LIST_BUDGET):
        assert client.get(tree).status_code == 200
    # when the organisation grows to 30 more circles, nested
    _grow_organisation(world, circles=30)
    # then both pages stay within the same budget
    with django_assert_max_num_queries(CHART_BUDGET):
        response = client.get(chart)
    assert "Patch 29" in response.content.decode()
    with django_assert_max_num_queries(LIST_BUDGET):
        response = client.get(tree)
    assert "Patch 29" in response.content.decode()


def test_home_has_the_same_query_budget_however_many_roles_i_hold(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.circle_member)
    url = reverse("circles:org_home", args=[world.org.slug])
    with django_assert_max_num_queries(HOME_BUDGET):
        assert client.get(url).status_code == 200
    _grow_organisation(world, circles=12)
    with django_assert_max_num_queries(HOME_BUDGET):
        assert client.get(url).status_code == 200


def cold() -> None:
    from django.core.cache import cache

    from circlewise.core import cache as fragments

    cache.clear()
    fragments._local.clear()


def test_home_lists_what_needs_me_in_the_same_queries_however_many_proposals_are_open(
    client, world, django_assert_max_num_queries
):
    from circlewise.decisions import services as decisions

    _grow_organisation(world, circles=6)
    client.force_login(world.circle_member)
    url = reverse("circles:org_home", args=[world.org.slug])
    counts = []
    for round_number in range(2):
        for circle in Circle.objects.filter(name__startswith="Patch")[:3]:
            proposal = decisions.create_proposal(
                circle=circle, author=world.circle_member, title=f"Paths {round_number}",
                driver="Mud.", text="Gravel.",
            )  # fmt: skip
            decisions.present(proposal=proposal, actor=world.circle_member)
            decisions.advance(proposal=proposal, actor=world.circle_member)
            decisions.advance(proposal=proposal, actor=world.circle_member)
            decisions.open_consent_round(proposal=proposal, actor=world.circle_member)
        cold()  # nothing from the cache: the needs are read afresh each time
        with django_assert_max_num_queries(HOME_BUDGET) as captured:
            page = client.get(url).content.decode()
        counts.append(len(captured.captured_queries))
        assert page.count('data-need="answer_round"') == min(5, 3 * (round_number + 1))
    assert counts[0] == counts[1]
