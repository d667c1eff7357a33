"""The proposal page, the decision record and the policy register are kept in the cache on the
organisation's ledger version: never stale, and never someone else's.

Each test reads a page once (so that it is cached), changes something through the services or
changes viewer, and reads it again.
"""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from circlewise.accounts import services as accounts
from circlewise.decisions import services
from circlewise.decisions.models import ConsentResponse, Decision, Objection

from .. import factories as f


def _proposal_in_consent(k):
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="Compost rota", driver="Smell", text="Turn weekly"
    )
    services.present(proposal=proposal, actor=k.author)
    round_ = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    return proposal, round_


def _page(client, user, name: str, *args: object) -> str:
    client.force_login(user)
    response = client.get(reverse(f"decisions:{name}", args=["willow", *args]))
    assert response.status_code == 200
    return response.content.decode()


def _roster(html: str) -> str:
    return html.split('id="consent-round"', 1)[1]


def test_an_answer_shows_on_the_proposal_page_at_once(client, kitchen):
    k = kitchen
    proposal, round_ = _proposal_in_consent(k)
    bo, cai = k.others[0], k.others[1]
    # given the page in its consent round, seen (and so cached) by Bo
    before = _page(client, bo, "proposal_detail", proposal.pk)
    assert "0 of 5 answered" in before
    # when Cai consents, through the service
    services.respond(round_=round_, user=cai, answer="consent")
    # then Bo's next reading counts it and shows Cai's answer
    after = _page(client, bo, "proposal_detail", proposal.pk)
    assert "1 of 5 answered" in after
    cai_row = _roster(after).split(cai.name, 1)[1].split("</li>", 1)[0]
    assert "consented" in cai_row
    # and once Bo has answered, the page says so instead of asking again
    assert 'id="answer"' in after
    services.respond(round_=round_, user=bo, answer="consent")
    mine = _page(client, bo, "proposal_detail", proposal.pk)
    assert 'id="answer"' not in mine
    assert "You answered" in mine
    assert "2 of 5 answered" in mine


def test_an_objection_and_its_thread_show_on_the_proposal_page_at_once(client, kitchen):
    k = kitchen
    proposal, round_ = _proposal_in_consent(k)
    bo, cai = k.others[0], k.others[1]
    assert (
        "Objections"
        not in _page(client, bo, "proposal_detail", proposal.pk)
        .split('id="consent-round"')[1]
        .split("Everyone in the round")[0]
    )
    # when Cai objects
    services.respond(
        round_=round_, user=cai, answer="objection", reason="It floods the shed in winter."
    )
    page = _page(client, bo, "proposal_detail", proposal.pk)
    assert 'id="objections"' in page
    assert "It floods the shed in winter." in page
    assert "0 messages" in page
    # and when someone discusses it in its thread
    objection = Objection.objects.get(proposal=proposal)
    services.discuss_objection(objection=objection, author=bo, text="Which shed?")
    assert "1 message" in _page(client, bo, "proposal_detail", proposal.pk)


def test_each_viewer_gets_their_own_proposal_page(client, kitchen, world):
    k = kitchen
    proposal, round_ = _proposal_in_consent(k)
    bo, cai = k.others[0], k.others[1]
    services.respond(round_=round_, user=cai, answer="consent")
    # given the page cached for Bo, who has not answered yet
    bos = _page(client, bo, "proposal_detail", proposal.pk)
    assert 'id="answer"' in bos
    assert "Consent or object" in bos
    # when Cai (answered), a member outside the circle and Bo again read it
    cais = _page(client, cai, "proposal_detail", proposal.pk)
    members = _page(client, world.member, "proposal_detail", proposal.pk)
    # then each gets their own answer, actions and "what is needed from you now"
    assert 'id="answer"' not in cais
    assert "You answered" in cais
    assert 'id="answer"' not in members
    assert "the members of \u2068Kitchen\u2069 take part in it" in members
    assert "(you)" not in members
    assert re.search(re.escape(f"<bdi>{bo.name}</bdi>") + r' <span class="muted">\(you\)', bos)
    assert re.search(re.escape(f"<bdi>{cai.name}</bdi>") + r' <span class="muted">\(you\)', cais)
    assert not re.search(re.escape(f"<bdi>{cai.name}</bdi>") + r' <span class="muted">\(you\)', bos)
    assert 'id="answer"' in _page(client, bo, "proposal_detail", proposal.pk)


def test_a_cached_proposal_page_gets_a_fresh_csrf_token_that_works(kitchen):
    k = kitchen
    proposal, round_ = _proposal_in_consent(k)
    bo = k.others[0]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bo)
    path = reverse("decisions:proposal_detail", args=["willow", proposal.pk])
    pattern = r'name="csrfmiddlewaretoken" value="([^"]+)"'
    first = re.findall(pattern, browser.get(path).content.decode())
    second = re.findall(pattern, browser.get(path).content.decode())  # from the cache
    assert first and second
    assert "placeholder" not in "".join(second)
    assert first[0] != second[0]  # masked anew for every response
    # the token of the cached page is accepted
    answer = reverse("decisions:round_answer", args=["willow", round_.pk])
    response = browser.post(answer, {"answer": "consent", "csrfmiddlewaretoken": second[0]})
    assert response.status_code in (200, 302)
    assert ConsentResponse.objects.filter(round=round_, user=bo).exists()


def test_a_late_answer_window_closes_on_the_cached_page_without_a_ledger_event(
    client, kitchen, monkeypatch
):
    # given a live proposal decided by lazy consent while Dara was absent
    k = kitchen
    services.update_settings(circle=k.circle, actor=k.facilitator, absentee_policy="lazy")
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="Compost rota", driver="Smell", text="Turn weekly"
    )
    services.present(proposal=proposal, actor=k.author, mode="live")
    round_ = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    dara = k.others[2]
    for person in k.everyone:
        if person != dara:
            services.respond(round_=round_, user=person, answer="consent")
    services.close_round(round_=round_, actor=k.facilitator, reason="The meeting ends.")
    # Dara's page, cached, offers a late answer
    assert 'id="answer"' in _page(client, dara, "proposal_detail", proposal.pk)
    # when the window has passed (no ledger event marks it), on the same day (the date is in
    # every key: only the window itself may tell the two pages apart)
    round_.refresh_from_db()
    later = round_.lazy_until + dt.timedelta(minutes=1)
    today = timezone.localdate()
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today)
    # then the page no longer offers it
    assert 'id="answer"' not in _page(client, dara, "proposal_detail", proposal.pk)


def _decided(k):
    proposal, round_ = _proposal_in_consent(k)
    for person in k.everyone:
        services.respond(round_=round_, user=person, answer="consent")
    return Decision.objects.get(proposal=proposal)


def test_a_renamed_member_shows_on_the_cached_decision_record(
    client, kitchen, world, django_capture_on_commit_callbacks
):
    k = kitchen
    decision = _decided(k)
    bo = k.others[0]
    assert bo.name in _page(client, world.member, "decision_detail", decision.pk)
    assert bo.name in _page(client, world.member, "proposal_detail", decision.proposal_id)
    # when Bo changes their name in their profile (not ledgered: the people version moves)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.update_profile(user=bo, name="Bo Renamed", pronouns="", timezone="UTC")
    # then the record names them as they are now, on the proposal page as well
    assert "Bo Renamed" in _page(client, world.member, "decision_detail", decision.pk)
    proposal_id = decision.proposal_id
    assert "Bo Renamed" in _page(client, world.member, "proposal_detail", proposal_id)


def test_a_private_circles_decision_and_policy_never_show_to_a_non_member(client, world):
    people = [world.circle_member, *(f.join(world.org) for _ in range(2))]
    f.add(world.care, *people[1:])
    f.give_role(world.care, "facilitator", people[1])
    proposal = services.create_proposal(
        circle=world.care, author=people[0], title="Night rota", driver="d", text="t"
    )
    services.present(proposal=proposal, actor=people[0])
    r = services.open_consent_round(proposal=proposal, actor=people[1])
    for person in people:
        services.respond(round_=r, user=person, answer="consent")
    decision = Decision.objects.get(proposal=proposal)
    # given a member of Care saw (and so cached) the record, the proposal and the register
    assert "Night rota" in _page(client, world.circle_member, "decision_detail", decision.pk)
    assert "Night rota" in _page(client, world.circle_member, "proposal_detail", proposal.pk)
    assert "Night rota" in _page(client, world.circle_member, "policy_register")
    # then someone outside Care is refused the record and the proposal, and the register
    # leaves the policy out
    for person in (world.member, world.facilitator):
        client.force_login(person)
        record = reverse("decisions:decision_detail", args=["willow", decision.pk])
        assert client.get(record).status_code == 404
        proposal_page = reverse("decisions:proposal_detail", args=["willow", proposal.pk])
        assert client.get(proposal_page).status_code == 404
        assert "Night rota" not in _page(client, person, "policy_register")


def test_a_decided_policy_shows_in_the_cached_register_at_once(client, kitchen, world):
    k = kitchen
    register = _page(client, world.member, "policy_register")
    assert "Compost rota" not in register
    # when Kitchen consents to a proposal that sets a rule
    _decided(k)
    # then the register lists it, and its filter by status as well
    assert "Compost rota" in _page(client, world.member, "policy_register")
    client.force_login(world.member)
    path = reverse("decisions:policy_register", args=["willow"])
    assert "Compost rota" in client.get(path, {"status": "active"}).content.decode()
    assert "Compost rota" not in client.get(path, {"status": "expired"}).content.decode()
