"""The proposal page's rows: a person's avatar and name are made once per rendering (`faces`),
and the page's roster, waiting list and reactions show each person escaped, with links."""

from __future__ import annotations

from types import SimpleNamespace

from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from circlewise.accounts.models import User
from circlewise.decisions import services
from circlewise.decisions.models import Objection

from .test_pages_steps import in_consent

TAGS = (
    "{% load decisions %}{% roster_rows rows user organisation FACES %}|"
    "{% waiting_names people FACES %}|{% reaction_rows reactions FACES %}"
)


def test_the_row_tags_render_the_same_with_the_pages_faces() -> None:
    # given: the same people in the three lists
    ada = User(pk=1, name="Ada <b>&", email="ada@example.org")
    bo = User(pk=2, name="Bo", email="bo@example.org")
    rows = [
        SimpleNamespace(user=p, state="waiting", css="neutral", icon="clock", label="not yet",
                        reason="", at=None, objection_id=None, left_at=None)
        for p in (ada, bo)
    ]  # fmt: skip
    context = {
        "rows": rows, "user": bo, "organisation": SimpleNamespace(slug="acme"),
        "people": [ada, bo], "reactions": [(ada, None), (bo, None)],
    }  # fmt: skip

    # when
    with translation.override("en"):
        without = Template(TAGS.replace(" FACES", "")).render(Context(context))
        faces: dict[int, tuple[str, str]] = {}
        shared = Template(TAGS.replace("FACES", "faces")).render(
            Context({**context, "faces": faces})
        )

    # then
    assert shared == without
    assert set(faces) == {1, 2} and without.count("<bdi>Ada &lt;b&gt;&amp;</bdi>") == 3


def test_the_round_names_each_person_escaped_with_their_answer_and_thread(client, kitchen):
    # given: a round where one member objected, one consented, and the rest are still to answer
    k = kitchen
    k.others[0].name = "Bo <b>&"
    k.others[0].save()
    proposal, round_ = in_consent(k)
    services.respond(round_=round_, user=k.others[0], answer="objection", reason="Too <long>")
    services.respond(round_=round_, user=k.others[1], answer="consent")
    objection = Objection.objects.get(proposal=proposal)
    client.force_login(k.others[2])

    # when
    page = client.get(reverse("decisions:proposal_detail", args=["willow", proposal.pk]))
    html = page.content.decode()

    # then
    roster = html.split('<ul class="list roster">', 1)[1].split("</ul>", 1)[0]
    assert roster.count('<li class="list-row roster-row">') == 5
    assert "<bdi>Bo &lt;b&gt;&amp;</bdi>" in roster and "<bdi>objected</bdi>" in roster
    thread = reverse("decisions:objection_detail", args=["willow", objection.pk])
    assert f'Too &lt;long&gt; <a href="{thread}">Its thread</a>' in roster
    assert f'<bdi>{k.others[2].name}</bdi> <span class="muted">(you)</span>' in roster
    waiting = html.split('<ul class="cluster name-list">', 1)[1].split("</ul>", 1)[0]
    assert waiting.count('<li class="person">') == 3 and "Bo &lt;b&gt;" not in waiting
