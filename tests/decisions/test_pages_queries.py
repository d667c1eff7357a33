"""The consent pages make a fixed number of queries, however many members, answers and
objections there are."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from circlewise.decisions import services
from circlewise.decisions.models import ConsentRound, Decision, Objection, Policy, Proposal

from .. import factories as f

MEMBERS, ANSWERS, OBJECTIONS = 100, 40, 5
# Rendered afresh (an empty cache), and from the cache: the benchmark's shape, whatever the size.
# Both read the version of the proposal's circle first (core.cache.circle_version): one query.
PROPOSAL_BUDGET, PROPOSAL_CACHED = 22, 4
# (one of the twelve reads the version first presented, to show what changed since)
DECISION_BUDGET, DECISION_CACHED = 13, 4
REGISTER_BUDGET, REGISTER_CACHED = 9, 3


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


def _cold_and_warm(client, path, django_assert_max_num_queries, budget, warm_budget):
    """The queries of a page rendered afresh (empty cache), then of the same page from the cache."""
    client.get(path)  # the first request of a session does some one-off work
    cache.clear()
    cold = _count(client, path, django_assert_max_num_queries, budget)
    warm = _count(client, path, django_assert_max_num_queries, warm_budget)
    return cold, warm


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
    # when each page is read, rendered afresh and then from the cache
    big_page = reverse("decisions:proposal_detail", args=["willow", proposal.pk])
    small_page = reverse("decisions:proposal_detail", args=["willow", small_proposal.pk])
    client.force_login(small_member)
    small_counts = _cold_and_warm(
        client, small_page, django_assert_max_num_queries, PROPOSAL_BUDGET, PROPOSAL_CACHED
    )
    client.force_login(viewer)
    big_counts = _cold_and_warm(
        client, big_page, django_assert_max_num_queries, PROPOSAL_BUDGET, PROPOSAL_CACHED
    )
    # then the counts are the same, and the page lists every member of the round
    assert big_counts == small_counts
    html = client.get(big_page).content.decode()
    assert html.count('class="list-row roster-row"') == MEMBERS
    assert html.count("not yet") >= MEMBERS - ANSWERS - OBJECTIONS
    assert 'id="answer"' in html
    assert Proposal.objects.get(pk=proposal.pk).state == Proposal.State.CONSENT


def test_the_decision_page_does_not_grow_with_members_answers_or_objections(
    client, world, django_assert_max_num_queries
):
    # given a decision of a small circle and one of a big circle whose record holds 100 answers
    # and 5 objections with their threads, both decided through the services
    small, small_people = _big_circle(world, 8)
    small_proposal = _proposal_in_consent(small, small_people, answers=8, objections=1)
    big, people = _big_circle(world, MEMBERS)
    proposal = _proposal_in_consent(big, people, answers=MEMBERS, objections=OBJECTIONS)
    decision = Decision.objects.get(proposal=proposal)
    small_decision = Decision.objects.get(proposal=small_proposal)
    assert len(decision.record["answers"]) == MEMBERS
    assert len(decision.record["objections"]) == OBJECTIONS
    # when each record is read by someone outside the circle, afresh and then from the cache
    client.force_login(world.member)
    small_counts = _cold_and_warm(
        client,
        reverse("decisions:decision_detail", args=["willow", small_decision.pk]),
        django_assert_max_num_queries,
        DECISION_BUDGET,
        DECISION_CACHED,
    )
    path = reverse("decisions:decision_detail", args=["willow", decision.pk])
    big_counts = _cold_and_warm(
        client, path, django_assert_max_num_queries, DECISION_BUDGET, DECISION_CACHED
    )
    # then the counts are the same, and the record shows every answer and every objection
    assert big_counts == small_counts
    html = client.get(path).content.decode()
    assert html.count('class="list-row roster-row"') == MEMBERS
    assert html.count("Stated back:") == OBJECTIONS
    assert html.count("Integrated.") == OBJECTIONS


def test_the_policy_register_does_not_grow_with_the_number_of_policies(
    client, kitchen, world, django_assert_max_num_queries
):
    k = kitchen
    today = timezone.localdate()

    def add(n):
        # Straight into the database, not through the services (no ledger event): each count
        # below starts from an empty cache, so the register is rendered from these rows.
        for i in range(n):
            Policy.objects.create(
                circle=k.circle, title=f"Policy {Policy.objects.count()}",
                review_on=today + dt.timedelta(days=5 + i * 7),
            )  # fmt: skip

    add(3)
    client.force_login(world.member)
    path = reverse("decisions:policy_register", args=["willow"])
    few = _cold_and_warm(
        client, path, django_assert_max_num_queries, REGISTER_BUDGET, REGISTER_CACHED
    )
    add(120)
    many = _cold_and_warm(
        client, path, django_assert_max_num_queries, REGISTER_BUDGET, REGISTER_CACHED
    )
    assert many == few
    assert client.get(path).content.decode().count('class="list-row"') >= 123
