"""The policy register's rows, rendered by one tag each (`policy_rows`, `circle_options`): the
circle, the title linked to the policy, when it is reviewed or how it ended, its status; names
escaped; a private circle's policies and name only for its members."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from circlewise.decisions.models import Policy

from .. import factories as f


def _register(client, query: str = "") -> str:
    return client.get(
        reverse("decisions:policy_register", args=["willow"]) + query
    ).content.decode()


def test_the_register_rows_show_each_policy_escaped_and_linked(client, world):
    # given: policies straight in the database (no ledger event; the cache starts empty)
    today = timezone.localdate()
    odd = f.make_circle(world.org, "Bees <b>&", parent=world.general)
    due = Policy.objects.create(
        circle=odd, title="Hive <b>& rota", review_on=today + dt.timedelta(days=5)
    )
    retired = Policy.objects.create(
        circle=world.garden, title="Old compost", retired_at=timezone.now()
    )
    hidden = Policy.objects.create(circle=world.care, title="Care rota")
    client.force_login(world.member)

    # when
    page = _register(client)

    # then
    due_href = reverse("decisions:policy_detail", args=["willow", due.pk])
    assert f'<a href="{due_href}"><bdi>Hive &lt;b&gt;&amp; rota</bdi></a>' in page
    assert "<bdi>Bees &lt;b&gt;&amp;</bdi> · review by " in page
    assert "Review due" in page
    retired_href = reverse("decisions:policy_detail", args=["willow", retired.pk])
    assert f'<a href="{retired_href}"><bdi>Old compost</bdi></a>' in page
    assert "retired on " in page and "Retired" in page
    assert f'value="{odd.slug}">\u2068Bees &lt;b&gt;&amp;\u2069</option>' in page
    assert "Care rota" not in page and f'value="{world.care.slug}"' not in page
    assert reverse("decisions:policy_detail", args=["willow", hidden.pk]) not in page


def test_a_private_circle_shows_to_its_member_and_the_chosen_circle_is_selected(client, world):
    # given
    Policy.objects.create(circle=world.care, title="Care rota")
    Policy.objects.create(circle=world.garden, title="Seed budget")
    client.force_login(world.circle_member)

    # when
    everything = _register(client)
    care_only = _register(client, f"?circle={world.care.slug}")

    # then
    assert "Care rota" in everything and "Seed budget" in everything
    assert "Care rota" in care_only and "Seed budget" not in care_only
    assert f'<option value="{world.care.slug}" selected>' in care_only
    assert f'<option value="{world.garden.slug}">' in care_only
