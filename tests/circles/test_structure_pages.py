"""The circle list's rows (one tag) and the double links the list and the chart read by one query
on the organisation (selectors.structure_of, structure_links): what each row says, escaped, and
the same links as links_of gives the circle page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.circles import selectors
from circlewise.circles.models import Circle, RoleAssignment
from circlewise.core.bidi import FSI, PDI

from .. import factories as f


def _hold(circle, kind, person):
    """A term made directly: the service refuses a holder who is not in the parent circle,
    which is what the pages must then report."""
    today = timezone.localdate()
    RoleAssignment.objects.create(
        role=circle.roles.get(kind=kind),
        holder=person,
        term_start=today,
        term_end=today + dt.timedelta(days=200),
    )


@pytest.fixture
def odd(world):
    """Under Garden, a circle and a leader whose names hold markup; its delegate vacant."""
    circle = f.make_circle(world.org, "<b>Odd & Co</b>", parent=world.garden)
    bo = f.join(world.org, f.make_user("<b>Bo & Co</b>"))
    f.add(circle, bo)
    _hold(circle, "leader", bo)
    return circle


def _list(client, world):
    return client.get(reverse("circles:circle_list", args=[world.org.slug])).content.decode()


def test_a_list_row_names_links_and_escapes_its_circle_and_leader(client, world, odd):
    # given a circle named "<b>Odd & Co</b>", led by "<b>Bo & Co</b>" (not in Garden)
    client.force_login(world.member)
    # when a member opens the list
    html = _list(client, world)
    # then its row links the circle, with its name and its leader's escaped, nested in Garden's
    href = reverse("circles:circle_detail", args=[world.org.slug, odd.slug])
    assert (
        f'<a href="{href}"><span class="circle-dot hue-{(odd.pk * 137 % 360) // 30}" '
        'aria-hidden="true"></span><bdi>&lt;b&gt;Odd &amp; Co&lt;/b&gt;</bdi></a>'
    ) in html
    assert "<b>Odd" not in html and "<b>Bo" not in html
    assert (
        '<p class="tree-links">1 member · Leader: <bdi>&lt;b&gt;Bo &amp; Co&lt;/b&gt;</bdi> · '
        "Delegate: <strong>vacant</strong></p>"
    ) in html
    broken = (
        f"The link to {FSI}Garden{PDI} is broken: no delegate; the leader, "
        f"{FSI}&lt;b&gt;Bo &amp; Co&lt;/b&gt;{PDI}, is not a member of {FSI}Garden{PDI}."
    )
    assert f'<p class="tree-broken">{broken}</p>' in html
    garden = html.index("<bdi>Garden</bdi>")
    assert garden < html.index("<ul>", garden) < html.index("Odd &amp; Co", garden)


def test_a_list_row_marks_private_ended_and_mine(client, world):
    # given Cy is in the private Care, and a helping circle under General has ended
    paths = f.make_circle(world.org, "Paths", parent=world.general, kind="helping")
    Circle.objects.filter(pk=paths.pk).update(ends_on=dt.date(2026, 3, 1), ended_at=timezone.now())
    client.force_login(world.circle_member)
    # when Cy opens the list
    html = _list(client, world)
    # then Care is marked private and theirs, and Paths ended, each in its own row
    care = html[html.index("<bdi>Care</bdi>") :].split("</li>")[0]
    assert "private</span>" in care and "yours</span>" in care
    row = html[html.index("<bdi>Paths</bdi>") :].split("</li>")[0]
    assert '<span class="badge badge-ended">ended on 1 Mar 2026</span>' in row
    assert "yours</span>" not in row


def test_structure_links_say_what_links_of_says_for_every_viewer(world, odd):
    # given a circle under the private Care, and one under an archived circle
    seeds = f.make_circle(world.org, "Seeds", parent=world.care)
    _hold(seeds, "leader", world.circle_member)
    old = f.make_circle(world.org, "Old", parent=world.general)
    kid = f.make_circle(world.org, "Kid", parent=old)
    _hold(kid, "delegate", world.member)
    Circle.objects.filter(pk=old.pk).update(archived_at=timezone.now())
    for viewer in (world.admin, world.member, world.circle_member, world.facilitator):
        circles = selectors.visible_circles(viewer, world.org)
        shown = {c.pk for c in circles}
        unseen = {c.parent_id for c in circles if c.parent_id is not None} - shown
        # when the list's and the chart's links are read
        structure = selectors.structure_of(viewer, world.org)
        links = selectors.structure_links(world.org, structure)
        # then they are the circle page's rule, for the same circles, in the same order
        assert [c.pk for c in structure.circles] == [c.pk for c in circles]
        assert links == selectors.links_of(world.org, circles, hidden=unseen)
