"""A circle's quorum: a consent round below it cannot close with consent, closing a round early
is the facilitator's act with a reason on the record, and the quorum changes only by consent."""

from __future__ import annotations

import pytest
from django.urls import reverse

from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import CircleDecisionSettings, ConsentRound, Decision, Proposal


def url(name, *args):
    return reverse(f"decisions:{name}", args=["willow", *args])


def _lazy_round(k, world, *, answering=()):
    """A live proposal in a circle deciding by lazy consent, its round opened straight from the
    clarifying step; those `answering` consent."""
    services.update_settings(circle=k.circle, actor=world.admin, absentee_policy="lazy")
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="Hens", driver="Eggs.", text="Two hens."
    )
    services.present(proposal=proposal, actor=k.author, mode=Proposal.Mode.LIVE)
    round_ = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    for person in answering:
        services.respond(round_=round_, user=person, answer="consent")
    return proposal, round_


def test_a_round_nobody_answered_cannot_close_with_consent(kitchen, world):
    # given a lazy-consent round opened straight from clarifying, which nobody has answered
    k = kitchen
    proposal, round_ = _lazy_round(k, world)
    before = LedgerEvent.objects.count()
    # when the facilitator closes it at once, everyone marked absent
    with pytest.raises(ServiceError) as refused:
        services.close_round(round_=round_, actor=k.facilitator, reason="We are out of time.")
    # then it is refused with the numbers, and nothing changes
    assert refused.value.status == 409
    assert refused.value.text.startswith(
        "Below the quorum: 0 of the 5 members asked have answered, and at least 3 must answer"
    )
    round_.refresh_from_db()
    proposal.refresh_from_db()
    assert round_.is_open and proposal.state == Proposal.State.CONSENT
    assert not round_.roster.filter(absent=True).exists()
    assert not Decision.objects.filter(proposal=proposal).exists()
    assert LedgerEvent.objects.count() == before


def test_half_of_those_asked_rounded_up_is_the_default_quorum(kitchen, world):
    # given a round of five where two have answered: below half (three, rounded up)
    k = kitchen
    proposal, round_ = _lazy_round(k, world, answering=k.everyone[:2])
    with pytest.raises(ServiceError, match="2 of the 5 members asked have answered"):
        services.close_round(round_=round_, actor=k.facilitator, reason="Time is up.")
    # when a third answers, the quorum is reached and the round closes early
    services.respond(round_=round_, user=k.everyone[2], answer="consent")
    services.close_round(round_=round_, actor=k.facilitator, reason="Time is up.")
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DECIDED
    assert services.quorum_of(round_).as_payload() == {
        "percent": 50, "asked": 5, "answered": 3, "needed": 3,
    }  # fmt: skip


def test_closing_early_is_the_facilitators_act_with_a_reason_on_the_record(kitchen, world):
    # given a lazy round that has reached its quorum
    k = kitchen
    proposal, round_ = _lazy_round(k, world, answering=k.everyone[:3])
    # when a member who does not steer tries to close it, or the facilitator gives no reason
    with pytest.raises(ServiceError, match="facilitator or leader") as not_theirs:
        services.close_round(round_=round_, actor=k.others[0], reason="I am bored.")
    assert not_theirs.value.status == 403
    with pytest.raises(ServiceError, match="Say why") as no_reason:
        services.close_round(round_=round_, actor=k.facilitator, reason="  ")
    assert no_reason.value.field == "reason"
    round_.refresh_from_db()
    assert round_.is_open
    # when the facilitator closes it, saying why
    services.close_round(round_=round_, actor=k.facilitator, reason="The meeting ends at nine.")
    # then who closed it and why are on the round, in the ledger and on the decision record
    round_.refresh_from_db()
    assert (round_.closed_by, round_.close_reason) == (k.facilitator, "The meeting ends at nine.")
    closed = LedgerEvent.objects.get(verb="consent.round_closed", payload__round=round_.pk)
    assert closed.actor == k.facilitator
    assert closed.payload["closed_early"] == {
        "by": k.facilitator.pk, "reason": "The meeting ends at nine.",
    }  # fmt: skip
    assert closed.payload["quorum"] == {"percent": 50, "asked": 5, "answered": 3, "needed": 3}
    record = Decision.objects.get(proposal=proposal).record
    assert record["closed_early"] == {"by": k.facilitator.pk, "reason": "The meeting ends at nine."}
    assert record["absent"] == sorted(p.pk for p in k.everyone[3:])
    assert services.record_from_ledger(proposal) == record


def test_a_round_everyone_answered_records_no_early_close(kitchen, world):
    k = kitchen
    proposal, _round = _lazy_round(k, world, answering=k.everyone)
    record = Decision.objects.get(proposal=proposal).record
    assert record["closed_early"] is None
    assert record["quorum"]["answered"] == 5
    assert services.record_from_ledger(proposal) == record


def test_the_quorum_changes_only_by_the_circles_consent(kitchen, world):
    # given the default quorum
    k = kitchen
    assert services.settings_for(k.circle).quorum_percent == 50
    # when the admin tries to change it directly, it is refused with why
    with pytest.raises(ServiceError, match="only by the circle's consent") as refused:
        services.update_settings(circle=k.circle, actor=world.admin, quorum_percent=20)
    assert refused.value.field == "quorum_percent"
    assert services.settings_for(k.circle).quorum_percent == 50
    # (an unchanged value, as a settings form sends it, is no change)
    services.update_settings(circle=k.circle, actor=world.admin, quorum_percent=50)
    # when the circle consents to a proposal that changes it
    with pytest.raises(ServiceError, match="between 1 and 100"):
        services.create_proposal(
            circle=k.circle, author=k.author, title="Q", driver="D", text="T", quorum_percent=0
        )
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="A higher quorum", driver="Too few decide.",
        text="Three in four of us answer before a round closes.", quorum_percent=75,
        is_policy=False,
    )  # fmt: skip
    services.present(proposal=proposal, actor=k.author)
    round_ = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    assert round_.quorum_percent == 50  # a round keeps the quorum it opened with
    assert CircleDecisionSettings.objects.get(circle=k.circle).quorum_percent == 50
    for person in k.everyone:
        services.respond(round_=round_, user=person, answer="consent")
    # then the quorum changes, by that decision, in the ledger
    decision = Decision.objects.get(proposal=proposal)
    assert services.settings_for(k.circle).quorum_percent == 75
    changed = LedgerEvent.objects.get(verb="decisions.settings_changed")
    assert changed.payload["quorum_percent"] == 75
    assert changed.payload["decision"] == decision.pk
    assert decision.record["quorum_percent"] == 75
    assert services.record_from_ledger(proposal) == decision.record
    # and the next round opens with it
    nxt = services.create_proposal(
        circle=k.circle, author=k.author, title="N", driver="D", text="T"
    )
    services.present(proposal=nxt, actor=k.author)
    assert services.open_consent_round(proposal=nxt, actor=k.facilitator).quorum_percent == 75


def test_someone_who_left_without_answering_is_not_counted_in_the_quorum(kitchen, world):
    from circlewise.circles import services as circle_services

    # given a lazy round of five where two answered, and two others leave the circle
    k = kitchen
    _proposal, round_ = _lazy_round(k, world, answering=k.everyone[:2])
    for leaver in k.everyone[3:]:
        circle_services.end_membership(circle=k.circle, user=leaver, actor=world.admin)
    # then two of the three still asked is the quorum (two, rounded up)
    quorum = services.quorum_of(round_)
    assert (quorum.asked, quorum.answered, quorum.needed, quorum.met) == (3, 2, 2, True)


# Pages -------------------------------------------------------------------------------------


def test_closing_a_round_nobody_answered_through_the_page_decides_nothing(client, kitchen, world):
    # given a lazy-consent round opened straight from clarifying, which nobody has answered
    k = kitchen
    proposal, round_ = _lazy_round(k, world)
    # when the facilitator closes it at once
    client.force_login(k.facilitator)
    response = client.post(url("round_close", round_.pk), {"reason": "We are out of time."})
    # then nothing is decided, and the page says why
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.CONSENT
    assert not Decision.objects.filter(proposal=proposal).exists()
    assert response.status_code == 409
    assert "Below the quorum: 0 of the 5 members asked have answered" in response.content.decode()


def test_the_page_says_why_a_round_below_its_quorum_cannot_close(client, kitchen, world):
    # given a lazy round where one of five has answered
    k = kitchen
    proposal, round_ = _lazy_round(k, world, answering=k.everyone[:1])
    client.force_login(k.facilitator)
    # the facilitator's page says how many must answer, and offers no early close yet
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert "below the quorum" in page
    assert "At least 3 of the 5 members asked must answer" in page
    assert 'name="reason"' not in page.split('id="quorum"')[1].split("</section>")[0]
    # when she closes it anyway, the page refuses with the numbers and nothing changes
    response = client.post(url("round_close", round_.pk), {"reason": "We are out of time."})
    assert response.status_code == 409
    assert "Below the quorum: 1 of the 5 members asked has answered" in response.content.decode()
    round_.refresh_from_db()
    assert round_.outcome == ConsentRound.Outcome.OPEN


def test_the_page_closes_a_round_early_with_the_reason_and_the_record_shows_it(
    client, kitchen, world
):
    # given a lazy round at its quorum
    k = kitchen
    proposal, round_ = _lazy_round(k, world, answering=k.everyone[:3])
    client.force_login(k.facilitator)
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert 'id="close-round"' in page and "Why close the round now?" in page
    # when she closes it without a reason, the reason is asked for beside the field
    response = client.post(url("round_close", round_.pk), {"reason": ""})
    assert response.status_code == 400
    assert "Say why the round closes before everyone has answered" in response.content.decode()
    # and with one, the round closes and the decision record says who closed it and why
    response = client.post(url("round_close", round_.pk), {"reason": "The hall closes."})
    assert response.status_code == 302
    decision = Decision.objects.get(proposal=proposal)
    record = client.get(url("decision_detail", decision.pk)).content.decode()
    assert "closed the round before everyone had answered, saying: “The hall closes.”" in record
    assert "3 of the 5 members asked answered; the quorum was 3 (50%)." in record


def test_a_quorum_is_proposed_through_the_proposal_form(client, kitchen, world):
    # given the circle's settings page, where the quorum cannot be changed directly
    k = kitchen
    client.force_login(world.admin)
    page = client.get(url("decision_settings", k.circle.slug)).content.decode()
    assert "The quorum changes only by the circle's consent." in page
    # when a member proposes a new quorum from the circle's proposals
    client.force_login(k.author)
    form = client.get(url("proposal_create", k.circle.slug) + "?change=quorum").content.decode()
    assert 'name="quorum_percent"' in form and 'value="50"' in form
    response = client.post(
        url("proposal_create", k.circle.slug),
        {"title": "A higher quorum", "driver": "Too few decide.", "text": "Three in four.",
         "review_on": "2099-01-01", "quorum_percent": "75"},
    )  # fmt: skip
    # then the draft carries it, to take effect when the circle consents
    assert response.status_code == 302
    assert Proposal.objects.get(author=k.author).quorum_percent == 75
