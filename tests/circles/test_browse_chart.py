"""The org chart's circle packing: children inside their parent, siblings apart."""

from __future__ import annotations

import math

from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from circlewise.circles.chart import ChartNode, draw, pack

from .. import factories as f


def _assert_packed(discs):
    for disc in discs.values():
        kids = [discs[k] for k in disc.children]
        for kid in kids:
            assert math.hypot(kid.x - disc.x, kid.y - disc.y) + kid.r <= disc.r + 1e-6
        for i, a in enumerate(kids):
            for b in kids[i + 1 :]:
                assert math.hypot(a.x - b.x, a.y - b.y) >= a.r + b.r - 1e-4
    roots = [d for d in discs.values() if d.depth == 0]
    for i, a in enumerate(roots):
        for b in roots[i + 1 :]:
            assert math.hypot(a.x - b.x, a.y - b.y) >= a.r + b.r - 1e-4


@st.composite
def forests(draw_):
    n = draw_(st.integers(min_value=1, max_value=60))
    nodes = []
    for i in range(1, n + 1):
        parent = draw_(st.one_of(st.none(), st.integers(min_value=1, max_value=max(i - 1, 1))))
        weight = draw_(st.floats(min_value=0, max_value=50))
        nodes.append(ChartNode(i, parent if parent and parent < i else None, weight))
    return nodes


@given(forests())
@settings(max_examples=150, deadline=None)
def test_every_circle_sits_inside_its_parent_without_overlapping_its_siblings(nodes):
    # when any forest of circles is packed
    discs = pack(nodes)
    # then every circle is placed, inside its parent, clear of its siblings
    assert set(discs) == {n.id for n in nodes}
    _assert_packed(discs)


def test_a_circle_whose_parent_is_missing_becomes_a_root():
    discs = pack([ChartNode(1, None), ChartNode(2, 99), ChartNode(3, 1)])
    assert discs[2].depth == 0
    assert discs[3].depth == 1


def test_four_hundred_circles_pack_quickly_and_correctly():
    import time

    nodes = [ChartNode(1, None)] + [
        ChartNode(i, 1 if i < 22 else 2 + i % 20, i % 17) for i in range(2, 401)
    ]
    started = time.perf_counter()
    discs = pack(nodes)
    assert time.perf_counter() - started < 1.0
    _assert_packed(discs)


def test_drawing_lists_parents_before_children_and_marks_missing_links():
    discs = pack([ChartNode(1, None), ChartNode(2, 1), ChartNode(3, 2)])
    drawn, _box = draw(
        discs,
        names={1: "General", 2: "Garden", 3: "Seeds"},
        hues={1: 10, 2: 200, 3: 300},
        hrefs={1: "/g", 2: "/ga", 3: "/s"},
        labels={1: "General", 2: "Garden", 3: "Seeds"},
        links={2: (True, False), 3: (True, True)},
    )
    assert [d.id for d in drawn] == [1, 2, 3]
    garden = drawn[1]
    assert [m["css"] for m in garden.links] == ["c-leader", "c-missing"]
    assert drawn[0].links == []


def test_the_chart_page_links_every_circle_and_names_its_leader(client, world):
    # given Garden has a leader
    f.add(world.general, world.facilitator)
    f.give_role(world.garden, "leader", world.facilitator)
    client.force_login(world.member)
    # when a member opens the chart
    html = client.get(reverse("circles:org_chart", args=[world.org.slug])).content.decode()
    # then each visible circle is a link whose label names its aim and leader
    assert reverse("circles:circle_detail", args=[world.org.slug, "garden"]) in html
    assert "Leader: \u2068Fay Facilitator\u2069." in html
    assert "No delegate." in html
    assert reverse("circles:circle_list", args=[world.org.slug]) in html
    # and the legend has no entry for ended circles where none has ended
    assert "legend-leader" in html and "legend-ended" not in html


def test_the_chart_leaves_out_archived_circles(client, world):
    old = f.make_circle(world.org, "Old Shed", parent=world.general)
    from circlewise.circles import services

    services.archive_circle(circle=old, actor=world.admin)
    client.force_login(world.member)
    html = client.get(reverse("circles:org_chart", args=[world.org.slug])).content.decode()
    assert "Old Shed" not in html
