"""The decision record's roster, rendered by one tag (`record_roster`): exactly what the loop of
tags and filters it replaced rendered, and on the page each person's name escaped with their
answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from circlewise.accounts.models import User
from circlewise.decisions import services

from .test_pages_steps import in_consent

RECORD_LOOP = (
    "{% load i18n circlewise %}{% for row in rows %}"
    '<li class="list-row roster-row"><span class="person list-row-main">'
    '{% avatar row.person "small" %}<span class="person-name"><span>{{ row.person.name|bdi }}'
    '</span>{% if row.at %}<span class="pronouns"><time datetime="{{ row.at|date:\'c\' }}">'
    '{{ row.at|date:"j M Y, H:i" }}</time></span>{% elif row.left_at %}<span class="pronouns">'
    '{% blocktranslate with date=row.left_at|date:"j M Y, H:i" datetime=row.left_at|date:"c" %}'
    'left on <time datetime="{{ datetime }}">{{ date }}</time>{% endblocktranslate %}</span>'
    "{% endif %}"
    '</span></span><span class="badge badge-{{ row.css }}">{% icon row.icon %}'
    '{{ row.label|bdi }}</span>{% if row.left_at and row.state != "left" %}'
    '<p class="small muted">{% blocktranslate with date=row.left_at|date:"j M Y, H:i" %}'
    "Left the circle on {{ date }}, after answering: the answer stands.{% endblocktranslate %}"
    '</p>{% endif %}{% if row.reason %}<p class="roster-reason">{{ row.reason }}</p>{% endif %}'
    "</li>{% endfor %}"
)
RECORD_TAG = "{% load decisions %}{% record_roster rows %}"

AT = dt.datetime(2026, 11, 26, 21, 30, 5, 123, tzinfo=dt.UTC)


def _row(pk: int | None, name: str, state: str, **kw: object) -> dict[str, object]:
    person = User(pk=pk, name=name, email=f"p{pk}@example.org") if pk else None
    row: dict[str, object] = {
        "person": person, "state": state, "css": "current", "icon": "check",
        "label": state.title(), "reason": "", "at": None, "left_at": None,
    }  # fmt: skip
    row.update(kw)
    return row


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland"])
def test_the_record_roster_tag_renders_what_the_loop_did(zone: str) -> None:
    # given
    rows = [
        _row(1, "Ada <b>&", "consent", at=AT),
        _row(2, "\u05d3\u05e0\u05d4", "objection", reason="It harms <the aim> & more", at=AT),
        _row(3, "Bo", "consent", at=AT, left_at=AT + dt.timedelta(hours=3)),
        _row(4, "Cy", "left", left_at=AT),
        _row(5, "Di", "absent"),
        _row(None, "", "unknown"),
    ]
    context = Context({"rows": rows})

    # when
    with timezone.override(zone), translation.override("en"):
        expected = Template(RECORD_LOOP).render(context)
        rendered = Template(RECORD_TAG).render(context)

    # then
    assert rendered == expected
    assert "Ada &lt;b&gt;&amp;" in rendered and "&lt;the aim&gt; &amp; more" in rendered
    assert "left on <time" in rendered and "the answer stands" in rendered
    assert 'datetime=""' not in rendered  # the time a person left is machine-readable too


def test_the_record_page_lists_each_person_escaped_with_their_answer(client, kitchen, world):
    # given: a decision whose roster holds a name with markup in it
    k = kitchen
    k.others[0].name = "Bo <b>&"
    k.others[0].save()
    proposal, round_ = in_consent(k)
    services.respond(round_=round_, user=k.others[0], answer="consent", reason="Rain <days>")
    for person in [k.facilitator, k.author, *k.others[1:]]:
        services.respond(round_=round_, user=person, answer="consent")
    proposal.refresh_from_db()
    client.force_login(world.member)

    # when
    page = client.get(
        reverse("decisions:decision_detail", args=["willow", proposal.decision.pk])
    ).content.decode()

    # then
    roster = page.split('<ul class="list roster">', 1)[1].split("</ul>", 1)[0]
    assert roster.count('<li class="list-row roster-row">') == 5
    assert "<bdi>Bo &lt;b&gt;&amp;</bdi>" in roster
    assert '<p class="roster-reason">Rain &lt;days&gt;</p>' in roster
    assert roster.count("<bdi>consented</bdi>") == 5 and "<bdi>Kim Facil</bdi>" in roster
