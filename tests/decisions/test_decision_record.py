"""The decision record says who took part as it happened (answered, absent under lazy consent,
left the circle during the round and when, joined after it opened and not asked), in the stored
record, the ledger and the page; and it shows what changed since the proposal was presented."""

from __future__ import annotations

import re

from django.urls import reverse

from circlewise.circles import services as circle_services
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import Decision, Proposal, RosterEntry

from .. import factories as f


def url(name, *args):
    return reverse(f"decisions:{name}", args=["willow", *args])


def _round(k, *, mode=Proposal.Mode.ASYNC):
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="Compost rota", driver="Food scraps pile up.",
        text="Everyone takes a week on the compost rota.",
    )  # fmt: skip
    services.present(proposal=proposal, actor=k.author, mode=mode)
    return proposal, services.open_consent_round(proposal=proposal, actor=k.facilitator)


def _row(html, name):
    """The roster row of the person named, on a page."""
    rows = re.findall(r'<li class="list-row roster-row">.*?</li>', html, flags=re.S)
    return next(r for r in rows if f"<span><bdi>{name}</bdi></span>" in r)


def test_the_record_holds_who_left_during_the_round_and_who_joined_after_it_opened(kitchen, world):
    # given a round of five; Dara leaves the circle during it and Nia joins
    k = kitchen
    proposal, round_ = _round(k)
    dara = k.others[2]
    circle_services.end_membership(circle=k.circle, user=dara, actor=world.admin)
    nia = f.join(world.org, name="Nia Newcomer")
    f.add(k.circle, nia)
    # when everyone still asked consents
    for person in k.everyone[:4]:
        services.respond(round_=round_, user=person, answer="consent")
    # then the stored record says so, as the ledger does
    decision = Decision.objects.get(proposal=proposal)
    left_at = RosterEntry.objects.get(round=round_, user=dara).left_circle_at
    record = decision.record
    assert record["left"] == [{"user": dara.pk, "at": left_at.isoformat()}]
    assert record["joined_after_opening"] == [nia.pk]
    assert record["absent"] == []
    assert record["quorum"] == {"percent": 50, "asked": 4, "answered": 4, "needed": 2}
    assert services.record_from_ledger(proposal) == record
    left_event = LedgerEvent.objects.get(verb="consent.roster_member_left")
    assert left_event.payload["left_at"] == left_at.isoformat()
    closed = LedgerEvent.objects.get(verb="consent.round_closed", payload__round=round_.pk)
    assert closed.payload["left"] == record["left"]
    assert closed.payload["joined_after_opening"] == [nia.pk]


def test_the_decision_page_tells_answered_absent_left_and_not_asked_apart(client, kitchen, world):
    # given a lazy consent in a meeting: Bo absent, Dara gone during the round, Nia new
    k = kitchen
    services.update_settings(circle=k.circle, actor=world.admin, absentee_policy="lazy")
    proposal, round_ = _round(k, mode=Proposal.Mode.LIVE)
    bo, dara = k.others[0], k.others[2]
    circle_services.end_membership(circle=k.circle, user=dara, actor=world.admin)
    nia = f.join(world.org, name="Nia Newcomer")
    f.add(k.circle, nia)
    for person in (k.facilitator, k.author, k.others[1]):
        services.respond(round_=round_, user=person, answer="consent")
    services.close_round(round_=round_, actor=k.facilitator, reason="The meeting ends.")
    decision = Decision.objects.get(proposal=proposal)
    assert decision.record["absent"] == [bo.pk]
    # when the record is read
    client.force_login(world.member)
    html = client.get(url("decision_detail", decision.pk)).content.decode()
    # then each is named with what happened to them, and only Bo is "absent"
    assert "consented" in _row(html, k.author.name)
    assert "absent: lazy consent" in _row(html, bo.name)
    dara_row = _row(html, dara.name)
    assert "left the circle during the round" in dara_row and "absent" not in dara_row
    assert "left on <time" in dara_row
    assert "joined after it opened: not asked" in _row(html, nia.name)
    assert html.count('class="list-row roster-row"') == 6


def test_the_progress_count_does_not_count_someone_who_left(client, kitchen, world):
    # given a round of five where two have answered and one has left the circle
    k = kitchen
    proposal, round_ = _round(k)
    for person in k.everyone[:2]:
        services.respond(round_=round_, user=person, answer="consent")
    circle_services.end_membership(circle=k.circle, user=k.others[2], actor=world.admin)
    # when a member looks at the round
    client.force_login(k.others[0])
    html = client.get(url("proposal_detail", proposal.pk)).content.decode()
    # then two of the four still asked have answered
    assert "2 of 4 answered" in html


def test_the_decision_record_shows_what_changed_since_it_was_first_presented(
    client, kitchen, world
):
    # given a proposal presented, revised to integrate an objection, and consented to
    k = kitchen
    proposal, round_ = _round(k)
    services.respond(round_=round_, user=k.others[0], answer="objection", reason="Too long alone.")
    for person in [k.facilitator, k.author, *k.others[1:]]:
        services.respond(round_=round_, user=person, answer="consent")
    objection = proposal.objections.get()
    services.revise(
        proposal=proposal, actor=k.facilitator, change_note="Pairs.",
        text="Pairs take a week on the compost rota.", title="Compost rota in pairs",
        integrations={objection.pk: "People work in pairs."},
    )  # fmt: skip
    round2 = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    for person in k.everyone:
        services.respond(round_=round2, user=person, answer="consent")
    decision = Decision.objects.get(proposal=proposal)
    # when the record is read
    client.force_login(world.member)
    html = client.get(url("decision_detail", decision.pk)).content.decode()
    # then it shows, word by word, what changed from version 1 to version 2
    section = html.split('id="since-first"')[1].split("</section>")[0]
    assert "From version 1, as presented, to version 2, as consented" in section
    assert re.search(r"<del>.*Everyone.*</del>", section)
    assert re.search(r"<ins>.*Pairs.*</ins>", section)
    assert re.search(r"<ins>.*in pairs.*</ins>", section)  # the title too


def test_a_decision_consented_as_presented_says_nothing_changed(client, kitchen, world):
    k = kitchen
    proposal, round_ = _round(k)
    for person in k.everyone:
        services.respond(round_=round_, user=person, answer="consent")
    decision = Decision.objects.get(proposal=proposal)
    client.force_login(world.member)
    html = client.get(url("decision_detail", decision.pk)).content.decode()
    assert "the circle consented to the proposal as it was first presented" in html
