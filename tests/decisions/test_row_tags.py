"""The proposal page's row tags render exactly what the loops of tags and filters they replaced
rendered: the roster, who is still to answer, the quick reactions."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from circlewise.accounts.models import User

ROSTER_LOOP = (
    "{% load i18n circlewise %}{% for row in round_info.rows %}"
    '<li class="list-row roster-row"><span class="person list-row-main">{% avatar row.user "small" %}'
    '<span class="person-name"><span>{{ row.user.name|bdi }}{% if row.user.pk == user.pk %} '
    '<span class="muted">({% translate "you" %})</span>{% endif %}</span>{% if row.at %}'
    '<span class="pronouns">{{ row.at|date:"j M, H:i" }}</span>{% endif %}</span></span>'
    '<span class="badge badge-{{ row.css }}">{% icon row.icon %}{{ row.label|bdi }}</span>'
    '{% if row.left_at and row.state != "left" %}<span class="small muted">{% blocktranslate with '
    'date=row.left_at|date:"j M, H:i" %}left the circle {{ date }}; the answer stands'
    '{% endblocktranslate %}</span>{% endif %}{% if row.reason %}<p class="roster-reason">'
    "{{ row.reason }}{% if row.objection_id %} <a href=\"{% url 'decisions:objection_detail' "
    'organisation.slug row.objection_id %}">{% translate "Its thread" %}</a>{% endif %}</p>'
    "{% endif %}</li>{% endfor %}"
)
ROSTER_TAG = "{% load decisions %}{% roster_rows round_info.rows user organisation %}"
WAITING_LOOP = (
    "{% load circlewise %}{% for u in people %}"
    '<li class="person">{% avatar u "small" %}{{ u.name|bdi }}</li>{% endfor %}'
)
WAITING_TAG = "{% load decisions %}{% waiting_names people %}"
REACTIONS_LOOP = (
    "{% load i18n circlewise %}{% for person, r in reaction_rows %}"
    '<li class="list-row contribution">{% avatar person "small" %}<div class="list-row-main">'
    '<div class="small"><strong>{{ person.name|bdi }}</strong></div>{% if r is None %}'
    '<span class="badge badge-neutral">{% icon "clock" %}{% translate "not yet" %}</span>'
    '{% elif r.passed %}<span class="badge badge-neutral">{% icon "minus" %}'
    '{% translate "passed" %}</span>{% else %}<p>{{ r.text|linebreaksbr }}</p>{% endif %}'
    "</div></li>{% endfor %}"
)
REACTIONS_TAG = "{% load decisions %}{% reaction_rows reaction_rows %}"

AT = dt.datetime(2026, 11, 26, 21, 30, tzinfo=dt.UTC)


def _person(pk: int, name: str) -> User:
    return User(pk=pk, name=name, email=f"p{pk}@example.org")


def _row(pk: int, name: str, state: str, **kw: object) -> SimpleNamespace:
    look = {"waiting": ("waiting", "clock"), "objection": ("expired", "alert")}
    css, icon = look.get(state, ("current", "check"))
    values = {"reason": "", "at": None, "objection_id": None, "left_at": None}
    values.update(kw)
    return SimpleNamespace(
        user=_person(pk, name), state=state, css=css, icon=icon, label=state.title(), **values
    )


def _both(loop: str, tag: str, **context: object) -> tuple[str, str]:
    return (Template(loop).render(Context(context)), Template(tag).render(Context(context)))


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland"])
def test_the_roster_tag_renders_what_the_loop_did(zone: str) -> None:
    rows = [
        _row(1, "Ada <i>L</i>", "waiting"),
        _row(
            2,
            "\u05d3\u05e0\u05d4",
            "objection",
            reason="It harms <the aim> & more",
            at=AT,
            objection_id=7,
        ),
        _row(3, "Bo", "consent", at=AT, left_at=AT + dt.timedelta(hours=3)),
        _row(4, "Cy", "left", at=AT, left_at=AT),
        _row(5, "Di", "concern", reason="A concern", at=AT),
    ]
    context = {
        "round_info": {"rows": rows},
        "user": _person(2, "\u05d3\u05e0\u05d4"),
        "organisation": SimpleNamespace(slug="acme"),
    }
    with timezone.override(zone), translation.override("en"):
        expected, rendered = _both(ROSTER_LOOP, ROSTER_TAG, **context)
    assert rendered == expected
    assert "(you)" in rendered and "left the circle" in rendered and "Its thread" in rendered
    assert "&lt;the aim&gt; &amp; more" in rendered and "Ada &lt;i&gt;L&lt;/i&gt;" in rendered


def test_the_waiting_tag_renders_what_the_loop_did() -> None:
    people = [_person(1, "Ada <i>L</i>"), _person(2, "\u05d3\u05e0\u05d4")]
    expected, rendered = _both(WAITING_LOOP, WAITING_TAG, people=people)
    assert rendered == expected and "<bdi>" in rendered


def test_the_reactions_tag_renders_what_the_loop_did() -> None:
    rows = [
        (_person(1, "Ada"), None),
        (_person(2, "Bo"), SimpleNamespace(passed=True, text="")),
        (_person(3, "Cy <b>"), SimpleNamespace(passed=False, text="Fine by me\n<but> & then")),
    ]
    with translation.override("en"):
        expected, rendered = _both(REACTIONS_LOOP, REACTIONS_TAG, reaction_rows=rows)
    assert rendered == expected
    assert "not yet" in rendered and "passed" in rendered and "<br>" in rendered
