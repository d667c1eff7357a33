"""`{% member_list %}` (circles/templatetags/circle_page.py) renders a circle's members exactly
as the loop of template tags and filters it replaced did, escaping and isolating what people
wrote."""

from __future__ import annotations

from types import SimpleNamespace

from django.template import Context, Template
from django.urls import reverse

from circlewise.accounts.models import User
from circlewise.circles.selectors import MemberRow

# The markup the circle page rendered per member before the tag (circles/circle_detail.html).
LOOP = (
    "{% load circlewise %}{% for m in members %}<li>{% avatar m.user %}"
    '<span class="person-name"><a href="{{ person_base }}{{ m.user_id }}/">{{ m.user.name|bdi }}'
    '</a>{% if m.user.pronouns or m.role_names %}<span class="pronouns">{{ m.user.pronouns }}'
    '{% if m.user.pronouns and m.role_names %} · {% endif %}{{ m.role_names|join:", " }}</span>'
    "{% endif %}</span></li>{% endfor %}"
)
TAG = "{% load circle_page %}{% member_list rows 'acme' %}"


def _member(pk: int, name: str, pronouns: str, roles: list[str]) -> SimpleNamespace:
    user = User(pk=pk, name=name, email=f"p{pk}@example.org", pronouns=pronouns)
    return SimpleNamespace(user=user, user_id=pk, role_names=roles)


def test_member_list_matches_the_loop_it_replaced():
    members = [
        _member(1, "Ada <b>Lovelace</b>", "she/her", ["\u2068Leader\u2069", "R&D <lead>"]),
        _member(2, "\u05d3\u05e0\u05d4", "", ["\u2068Delegate\u2069"]),
        _member(3, "Bo", "they & them", []),
        _member(4, "Cy", "", []),
    ]
    person_base = reverse("circles:person_detail", args=["acme", 0])[:-2]
    expected = Template(LOOP).render(Context({"members": members, "person_base": person_base}))
    rows = [
        MemberRow(m.user_id, m.user.name, m.user.email, m.user.pronouns, m.role_names)
        for m in members
    ]
    rendered = Template(TAG).render(Context({"rows": rows}))
    assert rendered == expected
    assert "&lt;b&gt;Lovelace&lt;/b&gt;" in rendered and "R&amp;D &lt;lead&gt;" in rendered
    assert "<bdi>\u05d3\u05e0\u05d4</bdi>" in rendered


def test_member_list_of_nobody_is_empty():
    assert Template(TAG).render(Context({"rows": []})) == ""
