"""The consent process through the API: a proposal from draft to policy, what the proposal's
answer shows, clear errors, and the consent answer's cost."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from circlewise.core.ledger import verify_organisation
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import ConsentResponse, ConsentRound, Objection, Proposal

from .conftest import event_count, last_event
from .operations_decisions import (
    answer_everyone,
    consent_round,
    crew,
    decided,
    objection,
    presented,
    stated_back,
)


def _members(world, circle):
    return [m.user for m in circle.memberships.current().select_related("user")]


def test_a_proposal_goes_from_draft_to_policy_through_an_objection(world, api):
    # given Garden, where Cy proposes and Fay facilitates
    cy, fay = crew(world, world.garden)
    garden = world.garden.pk
    # when Cy drafts and presents, questions are asked and answered, reactions given
    created = api.post(
        f"/circles/{garden}/proposals",
        {"title": "Compost rota", "driver": "Scraps pile up.", "text": "A week each."},
        as_=cy,
    )
    assert created.status == 201, created.body
    pid = created.body["id"]
    assert created.body["state"] == "draft"
    assert created.body["my_next_action"]["operation_id"] == "presentProposal"
    assert api.patch(f"/proposals/{pid}", {"aim": "A tidy heap."}, as_=cy).status == 200
    assert api.post(f"/proposals/{pid}/present", {}, as_=cy).body["state"] == "clarifying"
    question = api.post(f"/proposals/{pid}/questions", {"text": "Who turns it?"}, as_=fay)
    assert question.status == 201
    answered = api.post(f"/questions/{question.body['id']}/answer", {"text": "The rota."}, as_=cy)
    assert answered.body["reply_to_id"] == question.body["id"]
    assert api.post(f"/proposals/{pid}/advance", {}, as_=fay).body["state"] == "reacting"
    assert api.post(f"/proposals/{pid}/reactions", {"passed": True}, as_=cy).status == 201
    amendment = api.post(f"/proposals/{pid}/amendments", {"text": "Pairs."}, as_=cy).body
    resolved = api.post(f"/amendments/{amendment['id']}/resolve", {"accept": True}, as_=fay)
    assert resolved.body["amendment_status"] == "accepted"
    assert api.post(f"/proposals/{pid}/advance", {}, as_=fay).body["state"] == "synthesis"
    # and in the consent round Cy objects while everyone else consents
    round_ = api.post(f"/proposals/{pid}/rounds", {}, as_=fay)
    assert round_.status == 201, round_.body
    rid = round_.body["id"]
    objected = api.post(
        f"/rounds/{rid}/answers", {"answer": "objection", "reason": "Too heavy alone."}, as_=cy
    )
    assert objected.status == 201
    oid = objected.body["objection_id"]
    answer_everyone(ConsentRound.objects.get(pk=rid))
    # then the objection is discussed, stated back, confirmed and integrated in a new version
    assert api.get(f"/proposals/{pid}", as_=cy).body["state"] == "objections"
    assert api.post(f"/objections/{oid}/messages", {"text": "What fear?"}, as_=fay).status == 201
    assert api.post(f"/objections/{oid}/state-back", {"text": "Too heavy."}, as_=fay).status == 200
    confirmed = api.post(f"/objections/{oid}/confirm", as_=cy)
    assert confirmed.body["confirmed"] is True
    revised = api.post(
        f"/proposals/{pid}/versions",
        {
            "change_note": "Pairs, and a review after three months.",
            "text": "Pairs take a week each.",
            "review_on": str(timezone.localdate() + dt.timedelta(days=90)),
            "integrations": [{"objection_id": oid, "note": "People work in pairs."}],
            "measures": [{"metric": "Weeks missed", "threshold": "Two", "owner_id": cy.pk}],
        },
        as_=fay,
    )
    assert revised.status == 201, revised.body
    assert revised.body["number"] == 2
    assert revised.body["measure_set"][0]["owner"]["id"] == cy.pk
    rid2 = api.post(f"/proposals/{pid}/rounds", {}, as_=fay).body["id"]
    answer_everyone(ConsentRound.objects.get(pk=rid2))
    # then it is decided, its record holds everything, and it is in the policy register
    proposal = api.get(f"/proposals/{pid}", as_=cy).body
    assert proposal["state"] == "decided"
    assert proposal["my_next_action"]["action"] == "read_decision"
    decision = api.get(f"/decisions/{proposal['decision_id']}", as_=world.member).body
    event = LedgerEvent.objects.get(verb="proposal.decided", payload__proposal=pid)
    assert decision["ledger_hash"] == event.hash
    assert decision["ledger_sequence"] == event.sequence
    assert decision["record"]["objections"][0]["integration"] == "People work in pairs."
    assert decision["record"]["objections"][0]["confirmed"] is True
    assert {p["id"] for p in decision["people"]} >= {cy.pk, fay.pk}
    policies = api.get("/organisations/willow/policies", as_=world.member).body["items"]
    assert [p["title"] for p in policies] == ["Compost rota"]
    versions = api.get(f"/proposals/{pid}/versions", as_=world.member).body
    assert [v["number"] for v in versions["items"]] == [1, 2]
    assert verify_organisation(world.org).ok


def test_the_proposal_lists_everyone_in_the_round_and_who_has_not_answered(world, api):
    # given a consent round in Garden where Cy has consented
    round_ = consent_round(world, world.garden)
    api.post(f"/rounds/{round_.pk}/answers", {"answer": "consent"}, as_=world.circle_member)
    # when Fay reads the proposal
    body = api.get(f"/proposals/{round_.proposal_id}", as_=world.facilitator).body
    # then every member is listed with their state, the waiting ones named, and she is asked
    states = {row["user"]["name"]: row["state"] for row in body["round"]["roster"]}
    assert states == {
        "Cy Circle": "consent",
        "Fay Facilitator": "waiting",
        "Dee Deactivated": "waiting",
    }
    assert [p["name"] for p in body["round"]["waiting_for"]] == [
        "Dee Deactivated",
        "Fay Facilitator",
    ]
    assert body["round"]["answered"] == 1
    assert body["round"]["asked"] == 3
    assert body["my_next_action"]["action"] == "answer_round"
    assert body["my_next_action"]["path"] == f"/api/v1/rounds/{round_.pk}/answers"
    assert [s["status"] for s in body["steps"]] == [
        "done",
        "done",
        "done",
        "done",
        "current",
        "upcoming",
    ]
    # and Cy, who has answered, waits; Mo, outside the circle, follows
    assert (
        api.get(f"/proposals/{round_.proposal_id}", as_=world.circle_member).body["my_next_action"][
            "action"
        ]
        == "wait"
    )
    mo = api.get(f"/proposals/{round_.proposal_id}", as_=world.member).body
    assert mo["my_next_action"]["action"] == "follow"
    assert mo["can"] == {"take_part": False, "steer": False, "synthesise": False, "edit": False}


def test_the_round_shows_each_members_state(world, api):
    # given a round where Cy objected
    round_ = consent_round(world, world.garden)
    api.post(
        f"/rounds/{round_.pk}/answers",
        {"answer": "objection", "reason": "Too much."},
        as_=world.circle_member,
    )
    # when it is read
    body = api.get(f"/rounds/{round_.pk}", as_=world.member).body
    # then the objection is first after those waiting, with its reason and its thread's id
    rows = body["roster"]
    assert [r["state"] for r in rows] == ["waiting", "waiting", "objection"]
    assert rows[2]["reason"] == "Too much."
    assert rows[2]["objection_id"] == Objection.objects.get().pk


def test_objection_without_a_reason_is_a_400_naming_the_reason(world, api):
    # given an open round in Garden
    round_ = consent_round(world, world.garden)
    before = event_count(world.org.pk)
    # when Cy objects without saying why
    answer = api.post(
        f"/rounds/{round_.pk}/answers", {"answer": "objection"}, as_=world.circle_member
    )
    # then the field is named, with a sentence, and nothing is recorded
    assert answer.status == 400
    assert answer.body["field"] == "reason"
    assert "reason" in answer.detail
    assert event_count(world.org.pk) == before
    assert not ConsentResponse.objects.exists()


def test_passing_in_a_consent_round_is_refused_in_words(world, api):
    # given an open round
    round_ = consent_round(world, world.garden)
    # when Cy tries to pass
    answer = api.post(f"/rounds/{round_.pk}/answers", {"answer": "pass"}, as_=world.circle_member)
    # then the service says nobody passes
    assert answer.status == 400
    assert answer.body["field"] == "answer"
    assert "passes" in answer.detail


def test_a_member_changes_their_answer_while_the_round_is_open(world, api):
    # given Cy has consented
    round_ = consent_round(world, world.garden)
    first = api.post(f"/rounds/{round_.pk}/answers", {"answer": "consent"}, as_=world.circle_member)
    # when she answers again, objecting
    again = api.post(
        f"/rounds/{round_.pk}/answers",
        {"answer": "objection", "reason": "The path floods."},
        as_=world.circle_member,
    )
    # then both are recorded, and the later counts: her objection stands
    assert first.status == 201 and again.status == 201
    answers = ConsentResponse.objects.filter(user=world.circle_member).order_by("pk")
    assert [(a.answer, a.replaced_at is not None) for a in answers] == [
        ("consent", True), ("objection", False),
    ]  # fmt: skip
    assert Objection.objects.get(response=answers[1]).status == "open"
    # and the same answer once more is refused, changing nothing
    same = api.post(
        f"/rounds/{round_.pk}/answers",
        {"answer": "objection", "reason": "The path floods."},
        as_=world.circle_member,
    )
    assert same.status == 409 and "already answered" in same.detail
    assert ConsentResponse.objects.filter(user=world.circle_member).count() == 2


def test_the_last_answer_decides_and_says_so(world, api):
    # given a round where everyone but Fay has consented
    round_ = consent_round(world, world.garden)
    for user in _members(world, world.garden):
        if user != world.facilitator:
            services.respond(round_=round_, user=user, answer="consent")
    # when Fay consents
    answer = api.post(f"/rounds/{round_.pk}/answers", {"answer": "consent"}, as_=world.facilitator)
    # then the answer tells that the round closed and the proposal is decided
    assert answer.body["round_outcome"] == "consented"
    assert answer.body["proposal_state"] == "decided"
    assert LedgerEvent.objects.filter(
        verb="proposal.decided", payload__proposal=round_.proposal_id
    ).exists()


def test_answering_a_round_takes_few_queries(world, api, django_assert_max_num_queries):
    # given an open round in a circle of ten, and Cy's token
    from tests import factories as f

    f.add(world.garden, *[f.join(world.org, name=f"Member {i}") for i in range(7)])
    round_ = consent_round(world, world.garden)
    from .conftest import token_for

    raw = token_for(world.circle_member)
    # when she answers
    with django_assert_max_num_queries(26):  # 19 of them the service's own
        answer = api.post(f"/rounds/{round_.pk}/answers", {"answer": "consent"}, token=raw)
    # then it is recorded
    assert answer.status == 201


def test_reading_a_proposal_takes_a_fixed_number_of_queries(
    world, api, django_assert_max_num_queries
):
    # given a proposal in a consent round with questions, reactions and an objection
    from circlewise.decisions.models import Contribution

    found = objection(world, world.garden)
    for member in (world.circle_member, world.facilitator):
        Contribution.objects.create(
            proposal_id=found.proposal_id,
            version_number=1,
            kind="question",
            author=member,
            text="?",
        )
    from .conftest import token_for

    raw = token_for(world.facilitator)
    # when it is read (the token and its owner are two lookups by key, compiled once)
    with django_assert_max_num_queries(15):
        answer = api.get(f"/proposals/{found.proposal_id}", token=raw)
    # then everything is there
    assert answer.status == 200
    assert answer.body["objection_counts"]["open"] == 1
    assert answer.body["objections"][0]["objector"]["id"] == world.circle_member.pk


def test_confirming_is_the_objectors_alone(world, api):
    # given an objection by Cy, stated back by Fay
    found = stated_back(world, world.garden)
    # when Fay tries to confirm it and to withdraw it
    confirm = api.post(f"/objections/{found.pk}/confirm", as_=world.facilitator)
    withdraw = api.post(f"/objections/{found.pk}/withdraw", as_=world.facilitator)
    # then only the objector can
    assert confirm.status == 403
    assert "objector" in confirm.detail
    assert withdraw.status == 403
    assert "objected" in withdraw.detail
    # and Cy's own thread shows what was stated back, for her to confirm
    body = api.get(f"/objections/{found.pk}", as_=world.circle_member).body
    assert body["stated_back"] == "One week alone is too much."
    assert body["confirmed"] is False
    proposal = api.get(f"/proposals/{found.proposal_id}", as_=world.circle_member).body
    assert proposal["my_next_action"]["action"] == "confirm_objection"


def test_withdrawing_the_last_objection_decides(world, api):
    # given Cy's objection, the only one
    found = objection(world, world.garden)
    # when she withdraws it
    answer = api.post(f"/objections/{found.pk}/withdraw", as_=world.circle_member)
    # then it is withdrawn and the proposal is decided
    assert answer.body["status"] == "withdrawn"
    assert Proposal.objects.get(pk=found.proposal_id).state == "decided"


def test_step_refused_by_the_state_is_a_409(world, api):
    # given a proposal in clarifying questions
    proposal = presented(world, world.garden)
    # when Cy tries to react already
    answer = api.post(
        f"/proposals/{proposal.pk}/reactions", {"text": "Yes."}, as_=world.circle_member
    )
    # then the step is named
    assert answer.status == 409
    assert "Clarifying questions" in answer.detail


def test_only_the_facilitator_steps_the_process_along(world, api):
    # given a presented proposal
    proposal = presented(world, world.garden)
    # when Cy, a member but not its facilitator, advances it
    answer = api.post(f"/proposals/{proposal.pk}/advance", {}, as_=world.circle_member)
    # then the service's sentence says who may
    assert answer.status == 403
    assert "facilitator or leader" in answer.detail


def test_a_draft_needs_a_title_and_the_field_is_named(world, api):
    # given Cy
    crew(world, world.garden)
    # when she drafts with an empty title, and with a policy that is not her circle's
    blank = api.post(
        f"/circles/{world.garden.pk}/proposals",
        {"title": " ", "driver": "D", "text": "T"},
        as_=world.circle_member,
    )
    foreign = api.post(
        f"/circles/{world.garden.pk}/proposals",
        {"title": "T", "driver": "D", "text": "T", "amends_id": 999999},
        as_=world.circle_member,
    )
    missing = api.post(
        f"/circles/{world.garden.pk}/proposals", {"title": "T"}, as_=world.circle_member
    )
    # then each answer names the field
    assert (blank.status, blank.body["field"]) == (400, "title")
    assert (foreign.status, foreign.body["field"]) == (400, "amends_id")
    assert missing.status == 422
    assert {e["field"] for e in missing.body["errors"]} == {"driver", "text"}


def test_a_measure_owner_outside_the_organisation_is_named(world, api):
    # given a proposal at synthesis
    from .operations_decisions import synthesis

    proposal = synthesis(world, world.garden)
    # when Fay adds a measure owned by the outsider
    answer = api.post(
        f"/proposals/{proposal.pk}/versions",
        {
            "change_note": "M.",
            "measures": [{"metric": "m", "threshold": "t", "owner_id": world.outsider.pk}],
        },
        as_=world.facilitator,
    )
    # then the field is named and the outsider is not
    assert answer.status == 400
    assert answer.body["field"] == "measures"
    assert "Olga" not in answer.detail


def test_proposals_filter_by_state(world, api):
    # given a decided proposal and a presented one in Garden
    decided(world, world.garden)
    open_one = presented(world, world.garden)
    # when the list is filtered
    answer = api.get(f"/circles/{world.garden.pk}/proposals", as_=world.member, state="clarifying")
    wrong = api.get(f"/circles/{world.garden.pk}/proposals", as_=world.member, state="pondering")
    # then only the presented one is listed, and an unknown state is named
    assert [p["id"] for p in answer.body["items"]] == [open_one.pk]
    assert answer.body["items"][0]["title"] == "Compost rota"
    assert wrong.status == 422
    assert wrong.body["errors"][0]["field"] == "state"


def test_decisions_and_policies_filter_by_circle_since_and_status(world, api):
    # given a decision in Garden and one in Care
    decided(world, world.garden)
    decided(world, world.care)
    later = (timezone.now() + dt.timedelta(days=1)).isoformat()
    # when Mo (who cannot see Care) and Cy list them
    mo = api.get("/organisations/willow/decisions", as_=world.member).body
    cy = api.get("/organisations/willow/decisions", as_=world.circle_member).body
    garden = api.get(
        "/organisations/willow/decisions", as_=world.circle_member, circle=world.garden.pk
    ).body
    none_since = api.get(
        "/organisations/willow/decisions", as_=world.circle_member, since=later
    ).body
    active = api.get(
        "/organisations/willow/policies", as_=world.circle_member, status="active"
    ).body
    expired = api.get(
        "/organisations/willow/policies", as_=world.circle_member, status="expired"
    ).body
    # then each filter holds, and Care's stays hidden from Mo
    assert mo["count"] == 1
    assert cy["count"] == 2
    assert [d["circle_id"] for d in garden["items"]] == [world.garden.pk]
    assert none_since["count"] == 0
    assert active["count"] == 2
    assert expired["count"] == 0


def test_policy_shows_its_history_and_a_review_call(world, api):
    # given a policy in Garden
    policy_id = decided(world, world.garden).decision.policy_id
    # when Cy calls an early review, and then reads the policy
    review = api.post(
        f"/policies/{policy_id}/review", {"reason": "It chafes."}, as_=world.circle_member
    )
    body = api.get(f"/policies/{policy_id}", as_=world.member).body
    empty = api.post(
        f"/policies/{policy_id}/withdraw-consent", {"reason": " "}, as_=world.circle_member
    )
    # then the review is on the backlog, the history lists the decision, and a reason is required
    assert review.status == 200
    assert review.body["source"] == "early_review"
    assert [i["id"] for i in body["open_items"]] == [review.body["id"]]
    assert len(body["history"]) == 1
    assert body["can_review"] is False
    assert (empty.status, empty.body["field"]) == (400, "reason")


def test_someone_from_another_circle_raises_a_topic_with_garden(world, api):
    # given Cy, a member of Care and Garden; and a new circle whose member raises a topic
    from tests import factories as f

    kitchen = f.make_circle(world.org, "Kitchen", parent=world.general)
    f.add(kitchen, world.member)
    # when Mo raises a topic with Garden, naming an owner, and Cy adds one with a bad owner
    raised = api.post(
        f"/circles/{world.garden.pk}/backlog", {"topic": "Shared tools"}, as_=world.member
    )
    bad = api.post(
        f"/circles/{world.garden.pk}/backlog",
        {"topic": "Seeds", "owner_id": world.member.pk},
        as_=world.circle_member,
    )
    # then it is on Garden's backlog from Kitchen, and the bad owner is named
    assert raised.status == 201
    assert raised.body["source"] == "other_circle"
    assert raised.body["raised_from_id"] == kitchen.pk
    assert (bad.status, bad.body["field"]) == (400, "owner_id")
    listed = api.get(f"/circles/{world.garden.pk}/backlog", as_=world.member, status="open").body
    assert [i["topic"] for i in listed["items"]] == ["Shared tools"]


def test_closing_a_backlog_item_twice_is_a_409(world, api):
    # given an item Cy added
    crew(world, world.garden)
    item = services.add_backlog_item(circle=world.garden, actor=world.circle_member, topic="Shed")
    # when it is closed twice
    first = api.post(
        f"/backlog/{item.pk}/close",
        {"status": "dropped", "reason": "Not needed."},
        as_=world.circle_member,
    )
    again = api.post(f"/backlog/{item.pk}/close", {"status": "done"}, as_=world.circle_member)
    # then the second is refused
    assert first.body["status"] == "dropped"
    assert again.status == 409


def test_stewards_change_the_decision_settings_and_bad_values_are_named(world, api):
    # given Fay, Garden's facilitator
    # when she turns concerns on, and then asks for a 100-month review period
    changed = api.patch(
        f"/circles/{world.garden.pk}/decision-settings",
        {"allow_concerns": True},
        as_=world.facilitator,
    )
    recorded = last_event(world.org.pk).verb
    bad = api.patch(
        f"/circles/{world.garden.pk}/decision-settings",
        {"default_review_months": 100},
        as_=world.facilitator,
    )
    read = api.get(f"/circles/{world.garden.pk}/decision-settings", as_=world.member).body
    # then the first is saved and recorded, and the second names its field
    assert changed.body["allow_concerns"] is True
    assert recorded == "decisions.settings_changed"
    assert (bad.status, bad.body["field"]) == (400, "default_review_months")
    assert read["allow_concerns"] is True
    assert read["can_change"] is False


def test_needs_me_lists_the_round_waiting_for_me(world, api):
    # given a round in Garden where Fay has not answered
    round_ = consent_round(world, world.garden)
    # when Fay asks what needs her
    body = api.get("/organisations/willow/needs-me", as_=world.facilitator).body
    # then the round is there with its proposal's title
    assert [(r["id"], r["title"]) for r in body["rounds"]] == [(round_.pk, "Compost rota")]
    # and for Mo, in no circle, nothing is
    mo = api.get("/organisations/willow/needs-me", as_=world.member).body
    assert mo == {"rounds": [], "objections_to_confirm": [], "proposals": [], "backlog": []}


def test_who_may_take_a_step_is_checked_before_whether_it_can_be_taken_now(world, api):
    # given a proposal in clarifying questions, with a question Fay asked
    proposal = presented(world, world.garden)
    question = services.ask_question(proposal=proposal, member=world.facilitator, text="Who?")
    # when Cy, its author but not the facilitator, tries to write a new version (which nobody
    # may at this step), and Fay, the facilitator, answers the question
    revise = api.post(
        f"/proposals/{proposal.pk}/versions", {"change_note": "X"}, as_=world.circle_member
    )
    answer = api.post(f"/questions/{question.pk}/answer", {"text": "Me."}, as_=world.facilitator)
    # then Cy hears she may not (403), not that it is the wrong step; Fay, who steers, may
    assert revise.status == 403
    assert "synthesises" in revise.detail
    assert answer.status == 201
