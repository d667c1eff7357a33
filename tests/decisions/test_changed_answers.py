"""While a consent round is open a member may change their answer: both answers are recorded, the
later counts. An objection changed to consent is withdrawn by its objector; consent changed to an
objection raises one. Once the round has closed, an answer stands."""

from __future__ import annotations

import pytest
from django.urls import reverse

from circlewise.core import feed
from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import ConsentResponse, ConsentRound, Objection, Proposal


def _round(k) -> ConsentRound:
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="Bike shed", driver="Bikes get wet.",
        text="A roof over the racks.",
    )  # fmt: skip
    services.present(proposal=proposal, actor=k.author)
    services.advance(proposal=proposal, actor=k.facilitator)
    services.advance(proposal=proposal, actor=k.facilitator)
    return services.open_consent_round(proposal=proposal, actor=k.facilitator)


def test_an_objection_not_changed_before_the_last_answer_stands(kitchen):
    k = kitchen
    round_ = _round(k)
    objector = k.others[0]
    services.respond(round_=round_, user=objector, answer="objection", reason="Too dark.")
    for person in k.everyone:
        if person != objector:
            services.respond(round_=round_, user=person, answer="consent")
    # the round closed on everyone's answer, with the objection: it cannot be changed any more
    round_.refresh_from_db()
    assert round_.outcome == ConsentRound.Outcome.OBJECTED
    with pytest.raises(ServiceError):
        services.respond(round_=round_, user=objector, answer="consent")
    assert Objection.objects.get(objector=objector).status == Objection.Status.OPEN


def test_a_changed_answer_counts_and_the_record_keeps_both(kitchen):
    k = kitchen
    round_ = _round(k)
    objector = k.others[0]
    # given an objection, then the objector changes it to consent before the round closes
    services.respond(round_=round_, user=objector, answer="objection", reason="Too dark.")
    objection = Objection.objects.get(objector=objector)
    services.respond(round_=round_, user=objector, answer="consent")
    said = feed.sentence(LedgerEvent.objects.filter(verb="consent.answered").latest("sequence"))
    assert f"{objector.name} changed their answer on" in said.text and "now consent" in said.text
    objection.refresh_from_db()
    assert objection.status == Objection.Status.WITHDRAWN
    assert LedgerEvent.objects.filter(
        verb="objection.withdrawn", payload__objection=objection.pk
    ).exists()
    # when everyone else consents
    for person in k.everyone:
        if person != objector:
            services.respond(round_=round_, user=person, answer="consent")
    # then the circle has decided, on the later answer
    proposal = Proposal.objects.get(pk=round_.proposal_id)
    assert proposal.state == Proposal.State.DECIDED
    record = proposal.decision.record
    mine = [a for a in record["answers"] if a["user"] == objector.pk]
    assert [a["answer"] for a in mine] == ["consent"]
    assert [(a["user"], a["answer"], a["reason"]) for a in record["changed_answers"]] == [
        (objector.pk, "objection", "Too dark.")
    ]
    # and the ledger alone rebuilds the same record
    assert services.record_from_ledger(proposal) == record


def test_the_decision_record_shows_the_changed_answer(client, kitchen):
    k = kitchen
    round_ = _round(k)
    services.respond(round_=round_, user=k.others[0], answer="objection", reason="Too dark.")
    services.respond(round_=round_, user=k.others[0], answer="consent")
    for person in k.everyone:
        if person != k.others[0]:
            services.respond(round_=round_, user=person, answer="consent")
    decision = Proposal.objects.get(pk=round_.proposal_id).decision
    client.force_login(k.author)
    page = client.get(reverse("decisions:decision_detail", args=["willow", decision.pk]))
    text = page.content.decode()
    assert "Answers changed during the round" in text
    assert "First objected, on" in text and "Too dark." in text


def test_consent_changed_to_an_objection_raises_one(kitchen):
    k = kitchen
    round_ = _round(k)
    member = k.others[1]
    services.respond(round_=round_, user=member, answer="consent")
    services.respond(round_=round_, user=member, answer="objection", reason="It blocks the path.")
    current = ConsentResponse.objects.current().get(round=round_, user=member)
    assert current.answer == "objection"
    assert Objection.objects.get(response=current).status == Objection.Status.OPEN
    assert ConsentResponse.objects.filter(round=round_, user=member).count() == 2


def test_a_changed_answer_on_the_page(client, kitchen):
    k = kitchen
    round_ = _round(k)
    member = k.others[1]
    services.respond(round_=round_, user=member, answer="consent")
    client.force_login(member)
    page_url = reverse("decisions:proposal_detail", args=["willow", round_.proposal_id])
    page = client.get(page_url).content.decode()
    assert "Change my answer" in page and 'id="change-answer"' in page
    answer_url = reverse("decisions:round_answer", args=["willow", round_.pk])
    # an objection without its reason is refused, and her consent stands
    refused = client.post(answer_url, {"answer": "objection", "reason": ""})
    assert refused.status_code == 400
    assert ConsentResponse.objects.current().get(round=round_, user=member).answer == "consent"
    changed = client.post(answer_url, {"answer": "objection", "reason": "It blocks the path."})
    assert changed.status_code == 302
    assert ConsentResponse.objects.current().get(round=round_, user=member).answer == "objection"


def test_an_answer_to_a_closed_round_is_not_changed(kitchen):
    k = kitchen
    round_ = _round(k)
    for person in k.everyone:
        services.respond(round_=round_, user=person, answer="consent")
    with pytest.raises(ServiceError):
        services.respond(round_=round_, user=k.others[0], answer="objection", reason="Late.")
    assert ConsentResponse.objects.filter(round=round_, user=k.others[0]).count() == 1
