"""The rows of the organisation's home, the circle page and the feeds, rendered by one tag each
(circles/templatetags/circle_page.py): the same markup as the includes and loops they replaced,
names escaped and isolated, links to the role, the person and the circle."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from circlewise.circles import selectors, services
from circlewise.circles.models import RoleAssignment
from circlewise.circles.views import browse
from circlewise.core import feed

from .. import factories as f
from . import replaced

ODD = "Zoë <b>&</b> Co"
ESCAPED = "<bdi>Zoë &lt;b&gt;&amp;&lt;/b&gt; Co</bdi>"


def _odd_member(world):
    # given a member of Garden whose name and pronouns need escaping, holding a term ending soon
    # and a custom role with an odd name
    today = timezone.localdate()
    person = f.join(world.org, f.make_user(ODD, pronouns="they & them"))
    f.add(world.garden, person)
    f.give_role(
        world.garden,
        "secretary",
        person,
        term_start=today - dt.timedelta(days=300),
        term_end=today + dt.timedelta(days=3),
    )
    role = services.create_role(circle=world.garden, actor=world.admin, name="R&D <lead>")
    services.assign_role(role=role, holder=person, actor=world.admin)
    return person, role


def test_the_circle_page_lists_members_roles_terms_and_events_escaped_and_linked(client, world):
    person, role = _odd_member(world)
    client.force_login(world.facilitator)
    # when the facilitator opens Garden's page
    page = client.get(reverse("circles:circle_detail", args=["willow", "garden"])).content.decode()
    # then the member, their roles, their term and the events name them escaped, with links
    person_link = f'<a href="/o/willow/people/{person.pk}/">{ESCAPED}</a>'
    assert page.count(person_link) >= 3  # member, role holder, term to renew
    assert "they &amp; them · \u2068Secretary\u2069, \u2068R&amp;D &lt;lead&gt;\u2069" in page
    assert f'href="/o/willow/c/garden/roles/{role.pk}/"><bdi>R&amp;D &lt;lead&gt;</bdi>' in page
    assert f'href="/o/willow/c/garden/roles/{role.pk}/assign/">Select' in page
    assert "(they &amp; them) · term until" in page
    assert "Zoë &lt;b&gt;" in page.split('aria-labelledby="activity"')[1]
    assert "<b>" not in page


def test_the_home_and_the_feeds_show_the_terms_and_events_escaped_and_linked(client, world):
    person, _role = _odd_member(world)
    client.force_login(person)
    home = client.get(reverse("circles:org_home", args=["willow"])).content.decode()
    assert '<a class="circle-link" href="/o/willow/c/garden/">' in home
    assert f'<a href="/o/willow/people/{person.pk}/">{ESCAPED}</a> (they &amp; them)' in home
    org_feed = client.get(reverse("circles:org_feed", args=["willow"])).content.decode()
    assert ' · <a href="/o/willow/c/garden/"><bdi>Garden</bdi></a></p>' in org_feed
    assert ESCAPED in org_feed
    circle_feed = client.get(reverse("circles:circle_feed", args=["willow", "garden"]))
    assert ESCAPED in circle_feed.content.decode()
    assert ' · <a href="/o/willow/c/garden/">' not in circle_feed.content.decode()
    for page in (home, org_feed, circle_feed.content.decode()):
        assert "<b>" not in page


def _render(source: str, **context) -> str:
    return Template("{% load circlewise circle_page %}" + source).render(Context(context))


def test_term_and_role_rows_match_the_includes_they_replace(world):
    _odd_member(world)
    today = timezone.localdate()
    context = {"organisation": world.org, "circle": world.garden, "today": today}
    # the includes, from model instances as the pages loaded them
    due = list(
        RoleAssignment.objects.current()
        .filter(role__circle=world.garden)
        .select_related("role__circle", "holder")
        .order_by("term_end")
    )
    for a in due:
        a.circle_href = reverse("circles:circle_detail", args=["willow", "garden"])
        a.role_href = reverse("circles:role_detail", args=["willow", "garden", a.role_id])
        a.person_href = reverse("circles:person_detail", args=["willow", a.holder_id])
    loop = replaced.loop("term_row", "due", "a", with_="show_circle=True")
    rows = selectors.attention_rows(world.org, {world.garden.pk}, today)
    assert rows
    expected = _render(loop, due=[a for a in due if a.term_end <= rows[-1].term_end], **context)
    assert _render("{% term_rows rows 'willow' today True %}", rows=rows, today=today) == expected
    roles = list(world.garden.roles.filter(archived_at__isnull=True))
    for r in roles:
        r.current = [a for a in due if a.role_id == r.pk]
        r.current.sort(key=lambda a: a.term_start)
    roles.sort(key=lambda r: (r.sort_key, r.name.lower()))
    for manage in (True, False):
        loop = replaced.loop("role_row", "roles", "role")
        expected = _render(loop, roles=roles, can_manage_roles=manage, **context)
        tag = "{% role_rows roles 'willow' 'garden' today manage %}"
        rendered = _render(
            tag, roles=selectors.circle_role_rows(world.garden), manage=manage, today=today
        )
        assert rendered == expected
    assert "R&amp;D &lt;lead&gt;" in rendered


def test_event_rows_match_the_include_they_replace(world):
    _odd_member(world)
    events = list(feed.organisation_feed(world.org.pk, set(), set())[:30])
    for e in events:
        e.circle_obj = e.circle
    loop = replaced.loop("event", "events", "event", with_="show_circle=True")
    expected = _render(loop, events=events, organisation=world.org)
    rows = browse._events(feed.organisation_feed(world.org.pk, set(), set()), world.org, 30)
    assert _render("{% event_rows rows 'willow' True %}", rows=rows) == expected
    assert ESCAPED in expected
