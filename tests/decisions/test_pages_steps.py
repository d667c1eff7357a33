"""Every step of the consent process through its page: the POST calls the service, the state
changes and the ledger records it; bad input shows the message and changes nothing."""

from __future__ import annotations

from django.urls import reverse

from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import (
    ConsentResponse,
    ConsentRound,
    Contribution,
    Objection,
    Proposal,
)


def events(org):
    return LedgerEvent.objects.filter(organisation=org).count()


def last_verb(org):
    return LedgerEvent.objects.filter(organisation=org).order_by("-sequence").first().verb


def url(name, *args):
    return reverse(f"decisions:{name}", args=["willow", *args])


def presented(k, title="Compost rota"):
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title=title, driver="Food scraps pile up.",
        text="Everyone takes a week on the compost rota.",
    )  # fmt: skip
    services.present(proposal=proposal, actor=k.author)
    return proposal


def in_consent(k):
    proposal = presented(k)
    round_ = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    return proposal, round_


def with_objection(k):
    proposal, round_ = in_consent(k)
    services.respond(round_=round_, user=k.others[0], answer="objection", reason="Too long alone.")
    for person in [k.facilitator, k.author, *k.others[1:]]:
        services.respond(round_=round_, user=person, answer="consent")
    return proposal, Objection.objects.get(proposal=proposal)


# Clarifying and reacting ---------------------------------------------------------------------


def test_a_member_asks_a_question_and_the_author_answers_it(client, kitchen, world):
    k = kitchen
    proposal = presented(k)
    client.force_login(k.others[0])
    response = client.post(url("question_ask", proposal.pk), {"text": "Who turns the heap?"})
    assert response.status_code == 302
    question = Contribution.objects.get(kind="question")
    assert question.text == "Who turns the heap?"
    assert last_verb(world.org) == "proposal.question_asked"
    # the author answers inline
    client.force_login(k.author)
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert url("question_answer", proposal.pk, question.pk) in page
    client.post(url("question_answer", proposal.pk, question.pk), {"text": "The rota."})
    assert Contribution.objects.filter(kind="answer", reply_to=question).exists()
    assert last_verb(world.org) == "proposal.question_answered"
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert "The rota." in page


def test_passing_in_the_clarifying_round_is_shown_as_a_pass(client, kitchen, world):
    k = kitchen
    proposal = presented(k)
    client.force_login(k.others[1])
    client.post(url("question_ask", proposal.pk), {"text": "", "pass": "1"})
    assert Contribution.objects.get(kind="question").passed
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert "passed" in page


def test_an_empty_question_shows_the_message_and_changes_nothing(client, kitchen, world):
    k = kitchen
    proposal = presented(k)
    before = events(world.org)
    client.force_login(k.others[0])
    response = client.post(url("question_ask", proposal.pk), {"text": "  "})
    assert response.status_code == 400
    assert "Write your question, or pass." in response.content.decode()
    assert events(world.org) == before and not Contribution.objects.exists()


def test_someone_else_cannot_answer_a_question(client, kitchen, world):
    k = kitchen
    proposal = presented(k)
    question = services.ask_question(proposal=proposal, member=k.others[0], text="Why?")
    client.force_login(k.others[1])
    response = client.post(url("question_answer", proposal.pk, question.pk), {"text": "Because"})
    assert response.status_code == 403
    assert "The author answers clarifying questions." in response.content.decode()
    assert not Contribution.objects.filter(kind="answer").exists()


def test_the_facilitator_moves_on_and_members_react(client, kitchen, world):
    k = kitchen
    proposal = presented(k)
    # a member who is not the facilitator cannot move the process along
    client.force_login(k.others[0])
    response = client.post(url("proposal_advance", proposal.pk))
    assert response.status_code == 403
    assert "facilitator or leader can move the process along" in response.content.decode()
    client.force_login(k.facilitator)
    client.post(url("proposal_advance", proposal.pk))
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.REACTING
    assert last_verb(world.org) == "proposal.step_changed"
    client.force_login(k.others[0])
    client.post(url("reaction_add", proposal.pk), {"text": "Love it."})
    client.force_login(k.others[1])
    client.post(url("reaction_add", proposal.pk), {"pass": "1"})
    assert Contribution.objects.filter(kind="reaction").count() == 2
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    section = page.split('id="reactions"')[1]
    assert "Love it." in section and "passed" in section and "not yet" in section


def test_a_friendly_amendment_is_taken_up_by_whoever_synthesises(client, kitchen, world):
    k = kitchen
    proposal = presented(k)
    services.advance(proposal=proposal, actor=k.facilitator)
    client.force_login(k.others[0])
    client.post(url("amendment_suggest", proposal.pk), {"text": "Start with pairs."})
    amendment = Contribution.objects.get(kind="amendment")
    assert last_verb(world.org) == "proposal.amendment_suggested"
    # a member cannot accept it
    response = client.post(url("amendment_resolve", proposal.pk, amendment.pk), {"accept": "yes"})
    assert response.status_code == 403
    client.force_login(k.facilitator)
    client.post(url("amendment_resolve", proposal.pk, amendment.pk), {"accept": "yes"})
    amendment.refresh_from_db()
    assert amendment.amendment_status == "accepted"
    assert last_verb(world.org) == "proposal.amendment_resolved"


# New versions and consent rounds -------------------------------------------------------------


def test_the_facilitator_writes_a_new_version_with_a_measure(client, kitchen, world):
    k = kitchen
    proposal = presented(k)
    services.advance(proposal=proposal, actor=k.facilitator)
    client.force_login(k.facilitator)
    response = client.post(
        url("proposal_revise", proposal.pk),
        {"title": "Compost rota", "driver": "Food scraps pile up.", "text": "Pairs take a week.",
         "change_note": "Pairs.", "measure_metric": "Weeks missed",
         "measure_threshold": "More than one", "measure_owner": k.others[0].pk},
    )  # fmt: skip
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.version_number == 2
    assert proposal.current_version.measure_set.get().metric == "Weeks missed"
    assert last_verb(world.org) == "proposal.revised"


def test_a_new_version_without_a_change_note_changes_nothing(client, kitchen, world):
    k = kitchen
    proposal = presented(k)
    services.advance(proposal=proposal, actor=k.facilitator)
    client.force_login(k.facilitator)
    before = events(world.org)
    response = client.post(
        url("proposal_revise", proposal.pk),
        {"title": "Compost rota", "driver": "d", "text": "t", "change_note": ""},
    )
    assert response.status_code == 400
    assert "Say what changed in this version." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.version_number == 1 and events(world.org) == before


def test_opening_a_round_and_everyone_consenting_decides_the_proposal(client, kitchen, world):
    k = kitchen
    proposal = presented(k)
    client.force_login(k.facilitator)
    client.post(url("round_open", proposal.pk), {"subject": "proposal"})
    round_ = ConsentRound.objects.get(proposal=proposal)
    assert last_verb(world.org) == "consent.round_opened"
    # every roster member is listed, those who have not answered as such
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert "Not answered yet" in page
    for person in k.everyone:
        assert person.name in page.split('id="consent-round"')[1]
    for person in k.everyone:
        client.force_login(person)
        response = client.post(url("round_answer", round_.pk), {"answer": "consent"})
        assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DECIDED
    assert LedgerEvent.objects.filter(organisation=world.org, verb="proposal.decided").exists()
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert reverse("decisions:decision_detail", args=["willow", proposal.decision.pk]) in page


def test_an_objection_needs_a_reason_and_nobody_can_pass(client, kitchen, world):
    k = kitchen
    _proposal, round_ = in_consent(k)
    client.force_login(k.others[0])
    before = events(world.org)
    response = client.post(url("round_answer", round_.pk), {"answer": "objection", "reason": ""})
    assert response.status_code == 400
    assert "Give the reason for your objection" in response.content.decode()
    response = client.post(url("round_answer", round_.pk), {"answer": "pass"})
    assert response.status_code == 400
    assert not ConsentResponse.objects.exists() and events(world.org) == before


def test_a_concern_is_refused_where_the_circle_does_not_allow_it(client, kitchen):
    k = kitchen
    proposal, round_ = in_consent(k)
    client.force_login(k.others[0])
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert 'value="concern"' not in page
    response = client.post(url("round_answer", round_.pk), {"answer": "concern", "reason": "x"})
    assert response.status_code == 400
    assert not ConsentResponse.objects.exists()


def test_answering_with_htmx_refreshes_the_round_alone(client, kitchen):
    k = kitchen
    _proposal, round_ = in_consent(k)
    client.force_login(k.others[0])
    response = client.post(
        url("round_answer", round_.pk), {"answer": "consent"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="consent-round"' in html
    assert "Your answer is recorded." in html
    # and what is needed from me is refreshed beside it
    assert 'hx-swap-oob="true"' in html and "You have answered." in html
    assert ConsentResponse.objects.filter(user=k.others[0]).exists()


def test_closing_a_round_with_answers_missing_is_refused(client, kitchen, world):
    k = kitchen
    _proposal, round_ = in_consent(k)
    client.force_login(k.facilitator)
    response = client.post(url("round_close", round_.pk), {"reason": "The meeting ends."})
    assert response.status_code == 409
    assert "Still waiting for answers from" in response.content.decode()
    round_.refresh_from_db()
    assert round_.is_open


def test_the_facilitator_opens_a_round_to_postpone(client, kitchen, world):
    k = kitchen
    proposal = presented(k)
    client.force_login(k.facilitator)
    client.post(url("round_open", proposal.pk), {"subject": "postpone"})
    round_ = ConsentRound.objects.get(proposal=proposal)
    assert round_.subject == "postpone"
    for person in k.everyone:
        services.respond(round_=round_, user=person, answer="consent")
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.POSTPONED
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert "Postponed" in page.split('aria-current="step"')[1][:400]


def test_handing_over_without_a_helping_circle_shows_the_message(client, kitchen, world):
    k = kitchen
    proposal = presented(k)
    client.force_login(k.facilitator)
    response = client.post(url("round_open", proposal.pk), {"subject": "hand_over"})
    assert response.status_code == 400
    assert "Choose the helping circle to hand it to." in response.content.decode()
    assert not ConsentRound.objects.exists()


# Objections --------------------------------------------------------------------------------


def test_an_objection_is_stated_back_confirmed_and_withdrawn_only_by_its_objector(
    client, kitchen, world
):
    k = kitchen
    proposal, objection = with_objection(k)
    # the proposal page links the thread
    client.force_login(k.author)
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert url("objection_detail", objection.pk) in page
    # discussion and stating back
    client.post(url("objection_discuss", objection.pk), {"text": "What do you fear?"})
    assert last_verb(world.org) == "objection.discussed"
    client.post(url("objection_state_back", objection.pk), {"text": "A week alone is heavy."})
    objection.refresh_from_db()
    assert objection.stated_back == "A week alone is heavy."
    # only the objector sees the confirmation button
    page = client.get(url("objection_detail", objection.pk)).content.decode()
    assert "Yes, that is my objection" not in page
    response = client.post(url("objection_confirm", objection.pk))
    assert response.status_code == 403
    client.force_login(k.others[0])
    page = client.get(url("objection_detail", objection.pk)).content.decode()
    assert "Yes, that is my objection" in page
    client.post(url("objection_confirm", objection.pk))
    objection.refresh_from_db()
    assert objection.confirmed_at is not None
    assert last_verb(world.org) == "objection.confirmed"
    page = client.get(url("objection_detail", objection.pk)).content.decode()
    assert "Confirmed:" in page
    # the facilitator cannot withdraw it; the objector can
    client.force_login(k.facilitator)
    assert client.post(url("objection_withdraw", objection.pk)).status_code == 403
    client.force_login(k.others[0])
    client.post(url("objection_withdraw", objection.pk))
    objection.refresh_from_db()
    assert objection.status == Objection.Status.WITHDRAWN
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DECIDED


def test_a_new_version_integrates_an_objection_with_a_note(client, kitchen, world):
    k = kitchen
    proposal, objection = with_objection(k)
    client.force_login(k.facilitator)
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert f'name="integrates_{objection.pk}"' in page
    client.post(
        url("proposal_revise", proposal.pk),
        {"title": "Compost rota", "driver": "d", "text": "Pairs.", "change_note": "Pairs.",
         f"integrates_{objection.pk}": "People work in pairs."},
    )  # fmt: skip
    objection.refresh_from_db()
    assert objection.integration == "People work in pairs."
    assert objection.integrated_in_version == 2


def test_an_empty_state_back_shows_the_message_and_changes_nothing(client, kitchen, world):
    k = kitchen
    _proposal, objection = with_objection(k)
    client.force_login(k.author)
    before = events(world.org)
    response = client.post(url("objection_state_back", objection.pk), {"text": ""})
    assert response.status_code == 400
    assert "Say the objection back in your own words." in response.content.decode()
    assert events(world.org) == before


# Who may act -------------------------------------------------------------------------------


def test_an_org_member_outside_the_circle_gets_403_on_every_step(client, kitchen, world):
    k = kitchen
    proposal, objection = with_objection(k)
    _open_one, round_ = in_consent(k)
    question_one = presented(k, "Hens")
    question = services.ask_question(proposal=question_one, member=k.others[0], text="?")
    client.force_login(world.member)
    before = events(world.org)
    posts = [
        url("question_ask", question_one.pk),
        url("question_answer", question_one.pk, question.pk),
        url("reaction_add", question_one.pk),
        url("amendment_suggest", question_one.pk),
        url("proposal_advance", question_one.pk),
        url("proposal_revise", proposal.pk),
        url("round_open", question_one.pk),
        url("round_answer", round_.pk),
        url("round_close", round_.pk),
        url("objection_discuss", objection.pk),
        url("objection_state_back", objection.pk),
        url("proposal_present", question_one.pk),
    ]
    for address in posts:
        assert client.post(address, {"text": "x", "answer": "consent"}).status_code == 403, address
    assert client.get(url("objection_detail", objection.pk)).status_code == 200
    assert events(world.org) == before


def test_an_outsider_gets_404_on_every_step(client, kitchen, world):
    k = kitchen
    proposal, objection = with_objection(k)
    open_one, round_ = in_consent(k)
    client.force_login(world.outsider)
    for address in [
        url("proposal_detail", proposal.pk),
        url("objection_detail", objection.pk),
        url("proposal_versions", proposal.pk),
    ]:
        assert client.get(address).status_code == 404
    for address in [
        url("question_ask", open_one.pk),
        url("round_answer", round_.pk),
        url("objection_confirm", objection.pk),
        url("objection_withdraw", objection.pk),
    ]:
        assert client.post(address, {"answer": "consent"}).status_code == 404


def test_lazy_consent_closes_in_a_meeting_and_an_absentee_may_still_object(client, kitchen, world):
    # given a circle deciding by lazy consent, in a meeting, with one member absent
    k = kitchen
    services.update_settings(circle=k.circle, actor=k.facilitator, absentee_policy="lazy")
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="Hens", driver="d", text="t"
    )
    services.present(proposal=proposal, actor=k.author, mode="live")
    round_ = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    for person in k.everyone[:-1]:
        services.respond(round_=round_, user=person, answer="consent")
    # when the facilitator closes the round
    client.force_login(k.facilitator)
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert "Close the round" in page
    client.post(url("round_close", round_.pk), {"reason": "The meeting ends."})
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DECIDED
    # then the absent member is told they may still object, and their objection reopens it
    absentee = k.everyone[-1]
    client.force_login(absentee)
    page = client.get(url("proposal_detail", proposal.pk)).content.decode()
    assert "You were absent when the circle consented." in page
    assert 'id="answer"' in page
    client.post(url("round_answer", round_.pk), {"answer": "objection", "reason": "Foxes."})
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.OBJECTIONS
    assert last_verb(world.org) == "proposal.reopened"
