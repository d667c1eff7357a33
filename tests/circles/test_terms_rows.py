"""The terms page's rows (`{% term_rows %}`, `{% vacant_rows %}` of `{% load circle_page %}`): the markup
of the include and the loop they replaced, from values, with what people wrote escaped and isolated."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from circlewise.circles import permissions, selectors
from circlewise.circles.models import Role, RoleAssignment
from circlewise.circles.templatetags.circle_page import term_rows, vacant_rows

from .. import factories as f
from . import replaced

# What the page rendered per term and per vacant role before the tags (circles/terms.html).
TERM_LOOP = replaced.loop("term_row", "due", "a", with_="show_circle=True")
VACANT_LOOP = (
    "{% load circlewise %}{% for role in vacant %}"
    '<li class="list-row">{% circle_dot role.circle %}<div class="list-row-main">'
    '<div class="list-row-title"><a href="{% url \'circles:role_detail\' org role.circle.slug '
    'role.pk %}">{{ role.name|bdi }}</a></div><div class="small muted">{{ role.circle.name|bdi }}'
    "</div></div>{% term_badge None %}</li>\n{% endfor %}"
)


def _terms_in_a_lab(world, today):
    """An expired term and one ending soon, held by people whose names hold markup, in a
    circle whose name does too, and a term that ends much later (not listed)."""
    lab = f.make_circle(world.org, "R&D <lab>", parent=world.general)
    ada = f.join(world.org, name="Ada <b>&</b> Lovelace", pronouns="she & her")
    bo = f.join(world.org, name="bo ng")
    f.add(lab, ada, bo, world.circle_member)
    f.give_role(
        lab,
        "secretary",
        ada,
        term_start=today - dt.timedelta(days=400),
        term_end=today - dt.timedelta(days=1),
    )
    f.give_role(
        lab,
        "facilitator",
        bo,
        term_start=today - dt.timedelta(days=300),
        term_end=today + dt.timedelta(days=3),
    )
    f.give_role(
        world.garden,
        "secretary",
        world.circle_member,
        term_start=today - dt.timedelta(days=100),
        term_end=today + dt.timedelta(days=300),
    )
    return lab, ada, bo


def _assignments_needing_attention(organisation, circle_ids, today):
    """The terms the page listed before its rows were values: model instances, filtered by
    circle afterwards."""
    rows = (
        RoleAssignment.objects.needing_attention(today, settings.TERM_WARNING_DAYS)
        .filter(
            role__circle__organisation=organisation,
            role__circle__archived_at__isnull=True,
            role__archived_at__isnull=True,
        )
        .select_related("role__circle", "holder")
        .order_by("term_end", "role__circle__name")
    )
    return [a for a in rows if a.role.circle_id in circle_ids]


def _with_links(assignments, org):
    for a in assignments:
        a.circle_href = reverse("circles:circle_detail", args=[org, a.role.circle.slug])
        a.role_href = reverse("circles:role_detail", args=[org, a.role.circle.slug, a.role_id])
        a.person_href = reverse("circles:person_detail", args=[org, a.holder_id])
    return assignments


def test_term_rows_match_the_include_they_replace(world):
    # given terms that need attention, in circles the member sees
    today = timezone.localdate()
    _terms_in_a_lab(world, today)
    org = world.org
    visible = {c.pk for c in selectors.visible_circles(world.member, org)}
    hidden = permissions.hidden_circle_ids(world.member, org)
    # when the rows are rendered by the tag, and by the include per assignment
    rows = selectors.attention_term_rows(org, hidden, today)
    due = _with_links(_assignments_needing_attention(org, visible, today), org.slug)
    expected = Template(TERM_LOOP).render(Context({"due": due, "today": today}))
    # then they are the same terms, in the same order, with the same markup
    assert [(r.role_id, r.holder_id) for r in rows] == [(a.role_id, a.holder_id) for a in due]
    assert len(rows) == 2
    assert term_rows(rows, org.slug, today, True) == expected


def test_vacant_rows_match_the_loop_they_replace(world):
    # given vacant circle roles, one of them in a circle whose name holds markup
    f.make_circle(world.org, "R&D <lab>", parent=world.general)
    org = world.org
    hidden = permissions.hidden_circle_ids(world.member, org)
    # when they are rendered by the tag, and by the loop over model instances
    rows = selectors.vacant_circle_roles(org, hidden)
    roles = list(
        Role.objects.filter(pk__in=[r.role_id for r in rows])
        .select_related("circle")
        .order_by("circle__name", "kind")
    )
    expected = Template(VACANT_LOOP).render(Context({"vacant": roles, "org": org.slug}))
    # then the markup is the same, names escaped
    assert rows and [r.role_id for r in rows] == [r.pk for r in roles]
    assert vacant_rows(rows, org.slug) == expected
    assert "<bdi>R&amp;D &lt;lab&gt;</bdi>" in expected


def test_terms_page_links_each_term_and_escapes_names(client, world):
    # given terms in a circle and people whose names hold markup
    today = timezone.localdate()
    lab, ada, bo = _terms_in_a_lab(world, today)
    client.force_login(world.member)
    # when a member opens the terms page
    html = client.get(reverse("circles:terms", args=[world.org.slug])).content.decode()
    # then each term links its role, its circle and its holder, with names escaped
    secretary = lab.roles.get(kind="secretary")
    assert f'href="/o/{world.org.slug}/c/{lab.slug}/roles/{secretary.pk}/"' in html
    assert f'class="circle-link" href="/o/{world.org.slug}/c/{lab.slug}/"' in html
    assert f'href="/o/{world.org.slug}/people/{ada.pk}/"' in html
    assert "<bdi>Ada &lt;b&gt;&amp;&lt;/b&gt; Lovelace</bdi></a> (she &amp; her)" in html
    assert "<b>&</b>" not in html and "R&D <lab>" not in html
    assert "<bdi>R&amp;D &lt;lab&gt;</bdi>" in html
    # and each holder's face shows their initials
    assert f'<span class="avatar hue-{bo.avatar_hue // 30}" aria-hidden="true">BN</span>' in html
    assert "expired yesterday" in html and "ends in 3 days" in html
    end = (today - dt.timedelta(days=1)).strftime("%-d %b %Y")
    assert f"term until {end}" in html
    # and the vacant leader of the lab is listed, linked to its role
    leader = lab.roles.get(kind="leader")
    assert f'href="/o/{world.org.slug}/c/{lab.slug}/roles/{leader.pk}/"><bdi>Leader</bdi>' in html
    # and the term that ends much later is not
    assert "badge-current" not in html
