"""The consent pages make a fixed number of queries, however many members, answers and
objections there are."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from circlewise.decisions import services
from circlewise.decisions.models import ConsentRound, Objection, Policy, Proposal

from .. import factories as f

MEMBERS, ANSWERS, OBJECTIONS = 100, 40, 5


def _big_circle(world, size):
    circle = f.make_circle(world.org, "Big", parent=world.general)
    people = [f.join(world.org, name=f"Member {i:03d}") for i in range(size)]
    f.add(circle, *people)
    f.give_role(circle, "facilitator", people[0])
    return circle, people


def _proposal_in_consent(circle, people, *, answers, objections):
    """A second round on version 2: `objections` threads from the first, `answers` answers."""
    proposal = services.create_proposal(
        circle=circle, author=people[1], title="Compost", driver="d", text="t"
    )
    services.present(proposal=proposal, actor=people[1])
    services.ask_question(proposal=proposal, member=people[2], text="Why?")
    first = services.open_consent_round(proposal=proposal, actor=people[0])
    objectors = people[len(people) - objections :]
    for i, person in enumerate(people):
        if person in objectors:
            services.respond(round_=first, user=person, answer="objection", reason=f"R{i}")
        else:
            services.respond(round_=first, user=person, answer="consent")
    threads = list(Objection.objects.filter(proposal=proposal))
    for o in threads:
        services.discuss_objection(objection=o, author=people[0], text="Tell us more.")
        services.state_back(objection=o, actor=people[1], text="Heard.")
    services.revise(
        proposal=proposal, actor=people[0], change_note="Changed.",
        integrations={o.pk: "Integrated." for o in threads},
    )  # fmt: skip
    second = services.open_consent_round(proposal=proposal, actor=people[0])
    for person in people[:answers]:
        services.respond(round_=second, user=person, answer="consent")
    return proposal


def _count(client, path, django_assert_max_num_queries, budget):
    with django_assert_max_num_queries(budget) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_proposal_page_does_not_grow_with_members_answers_or_objections(
    client, world, django_assert_max_num_queries
):
    # given a small circle and a big one, each with a proposal in its second consent round
    small, small_people = _big_circle(world, 8)
    small_proposal = _proposal_in_consent(small, small_people, answers=2, objections=1)
    big, people = _big_circle(world, MEMBERS)
    proposal = _proposal_in_consent(big, people, answers=ANSWERS, objections=OBJECTIONS)
    assert ConsentRound.objects.filter(proposal=proposal, outcome="open").exists()
    viewer = people[ANSWERS]  # not answered yet: the answer form is on the page
    small_member = small_people[2]
    # when each page is read (after a first request, which does some one-off work)
    big_page = reverse("decisions:proposal_detail", args=["willow", proposal.pk])
    client.force_login(small_member)
    client.get(big_page)
    small_count = _count(
        client,
        reverse("decisions:proposal_detail", args=["willow", small_proposal.pk]),
        django_assert_max_num_queries,
        30,
    )
    client.force_login(viewer)
    client.get(big_page)
    big_count = _count(client, big_page, django_assert_max_num_queries, 30)
    # then the count is the same, and the page lists every member of the round
    assert big_count == small_count
    html = client.get(big_page).content.decode()
    assert html.count('class="list-row roster-row"') == MEMBERS
    assert html.count("not yet") >= MEMBERS - ANSWERS - OBJECTIONS
    assert Proposal.objects.get(pk=proposal.pk).state == Proposal.State.CONSENT


def test_the_policy_register_does_not_grow_with_the_number_of_policies(
    client, kitchen, world, django_assert_max_num_queries
):
    k = kitchen
    today = timezone.localdate()

    def add(n):
        for i in range(n):
            Policy.objects.create(
                circle=k.circle, title=f"Policy {Policy.objects.count()}",
                review_on=today + dt.timedelta(days=5 + i * 7),
            )  # fmt: skip

    add(3)
    client.force_login(world.member)
    path = reverse("decisions:policy_register", args=["willow"])
    client.get(path)  # the first request of a session does some one-off work
    few = _count(client, path, django_assert_max_num_queries, 12)
    add(120)
    many = _count(client, path, django_assert_max_num_queries, 12)
    assert many == few
    assert client.get(path).content.decode().count('class="list-row"') >= 123
