"""The consent process end to end, through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from circlewise.circles import services as circle_services
from circlewise.core.errors import ServiceError
from circlewise.core.ledger import verify_organisation
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import (
    BacklogItem,
    ConsentResponse,
    ConsentRound,
    Objection,
    Policy,
    Proposal,
)

from .. import factories as f

CONSENT, OBJECTION, CONCERN = "consent", "objection", "concern"


def _draft(k, **kw):
    return services.create_proposal(
        circle=k.circle,
        author=k.author,
        title=kw.pop("title", "Compost rota"),
        driver="Food scraps pile up.",
        text="Everyone takes a week on the compost rota.",
        **kw,
    )


def _to_consent(k, proposal):
    services.present(proposal=proposal, actor=k.author)
    services.advance(proposal=proposal, actor=k.facilitator)
    services.advance(proposal=proposal, actor=k.facilitator)
    return services.open_consent_round(proposal=proposal, actor=k.facilitator)


def test_a_proposal_goes_from_draft_through_an_objection_to_a_policy(kitchen, world):
    k = kitchen
    # given a draft, private to its author, presented to the circle
    proposal = _draft(k)
    services.present(proposal=proposal, actor=k.author)
    q = services.ask_question(proposal=proposal, member=k.others[0], text="Who turns the heap?")
    services.answer_question(question=q, actor=k.author, text="Whoever is on the rota.")
    services.ask_question(proposal=proposal, member=k.others[1], passed=True)
    services.advance(proposal=proposal, actor=k.facilitator)
    services.react(proposal=proposal, member=k.others[0], text="Love it.")
    services.react(proposal=proposal, member=k.others[1], passed=True)
    services.advance(proposal=proposal, actor=k.facilitator)
    round1 = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    # when one member objects, the round still completes
    services.respond(
        round_=round1, user=k.others[0], answer=OBJECTION, reason="A week is too long for me alone."
    )
    for person in [k.facilitator, k.author, *k.others[1:]]:
        services.respond(round_=round1, user=person, answer=CONSENT)
    round1.refresh_from_db()
    proposal.refresh_from_db()
    assert round1.outcome == ConsentRound.Outcome.OBJECTED
    assert proposal.state == Proposal.State.OBJECTIONS
    objection = Objection.objects.get(proposal=proposal)
    # then the objection is explored, stated back and confirmed by the objector
    services.discuss_objection(objection=objection, author=k.facilitator, text="What would help?")
    services.state_back(objection=objection, actor=k.author, text="A week alone is too heavy.")
    with pytest.raises(ServiceError, match="Only the objector"):
        services.confirm_heard(objection=objection, objector=k.facilitator)
    services.confirm_heard(objection=objection, objector=k.others[0])
    # nobody else can clear it
    with pytest.raises(ServiceError, match="Only the person who objected"):
        services.withdraw_objection(objection=objection, actor=k.facilitator)
    # and a new round cannot open while it stands on the current version
    with pytest.raises(ServiceError, match="still stand"):
        services.open_consent_round(proposal=proposal, actor=k.facilitator)
    # the proposal is amended to integrate it, with a measure
    services.revise(
        proposal=proposal,
        actor=k.facilitator,
        change_note="Pairs, and a shorter term.",
        text="Pairs take a week on the compost rota.",
        review_on=timezone.localdate() + dt.timedelta(days=90),
        measures_to_add=[("Weeks missed", "More than one in a quarter", k.others[0])],
        integrations={objection.pk: "People work in pairs; review after three months."},
    )
    round2 = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    for person in k.everyone:
        services.respond(round_=round2, user=person, answer=CONSENT)
    # then it is decided, with everything on the record, and it is a policy
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DECIDED
    decision = proposal.decision
    assert decision.version.number == 2
    assert decision.record["objections"][0]["integration"].startswith("People work in pairs")
    assert decision.record["objections"][0]["confirmed"] is True
    assert decision.record["objections"][0]["status"] == "integrated"
    assert len(decision.record["answers"]) == 5
    assert decision.record["version"]["measure_set"][0]["metric"] == "Weeks missed"
    policy = decision.policy
    assert policy.title == "Compost rota"
    assert policy.status() == Policy.Status.ACTIVE
    assert decision.ledger_hash
    # the record can be reproduced from the ledger alone
    assert services.record_from_ledger(proposal) == decision.record
    assert verify_organisation(world.org).ok
    # the proposal's backlog item is done
    assert not BacklogItem.objects.open().filter(proposal=proposal).exists()


def test_answers_to_an_old_version_do_not_count(kitchen):
    k = kitchen
    proposal = _draft(k)
    round1 = _to_consent(k, proposal)
    services.respond(round_=round1, user=k.others[0], answer=CONSENT)
    services.revise(
        proposal=proposal, actor=k.facilitator, change_note="Clearer.", text="Clearer text."
    )
    round1.refresh_from_db()
    assert round1.outcome == ConsentRound.Outcome.SUPERSEDED
    with pytest.raises(ServiceError, match="closed"):
        services.respond(round_=round1, user=k.others[1], answer=CONSENT)
    round2 = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    assert set(services.waiting_for(round2)) == {p.pk for p in k.everyone}


def test_no_decision_while_a_member_has_not_answered(kitchen):
    k = kitchen
    proposal = _draft(k)
    round_ = _to_consent(k, proposal)
    for person in k.everyone[:-1]:
        services.respond(round_=round_, user=person, answer=CONSENT)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.CONSENT
    with pytest.raises(ServiceError, match="Still waiting for answers from: Dara"):
        services.close_round(round_=round_, actor=k.facilitator)
    services.respond(round_=round_, user=k.everyone[-1], answer=CONSENT)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DECIDED


def test_an_objection_needs_a_reason_and_there_is_no_passing(kitchen):
    k = kitchen
    round_ = _to_consent(k, _draft(k))
    with pytest.raises(ServiceError, match="reason"):
        services.respond(round_=round_, user=k.author, answer=OBJECTION, reason="  ")
    with pytest.raises(ServiceError, match="nobody passes"):
        services.respond(round_=round_, user=k.author, answer="pass")
    with pytest.raises(ServiceError, match="does not record concerns"):
        services.respond(round_=round_, user=k.author, answer=CONCERN, reason="Hmm")
    assert not ConsentResponse.objects.filter(round=round_).exists()


def test_one_answer_counts_per_member_per_round_and_the_same_again_is_refused(kitchen):
    k = kitchen
    round_ = _to_consent(k, _draft(k))
    services.respond(round_=round_, user=k.author, answer=CONSENT)
    with pytest.raises(ServiceError, match="already answered"):
        services.respond(round_=round_, user=k.author, answer=CONSENT)
    assert ConsentResponse.objects.filter(round=round_, user=k.author).count() == 1


def test_the_answer_is_marked_on_the_roster_and_the_answers_stay_the_reference(kitchen):
    k = kitchen
    round_ = _to_consent(k, _draft(k))
    response = services.respond(round_=round_, user=k.author, answer=CONSENT)
    entry = round_.roster.get(user=k.author)
    assert entry.answered_at == response.created_at
    assert k.author.pk not in services.waiting_for(round_)
    # without the mark (as in rows written before it existed), the answer still counts once
    round_.roster.filter(user=k.author).update(answered_at=None)
    events = LedgerEvent.objects.count()
    with pytest.raises(ServiceError, match="already answered"):
        services.respond(round_=round_, user=k.author, answer=CONSENT)
    assert ConsentResponse.objects.filter(round=round_, user=k.author).count() == 1
    assert LedgerEvent.objects.count() == events
    assert k.author.pk not in services.waiting_for(round_)


def test_the_migration_marks_earlier_answers_on_the_roster(kitchen):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("circlewise.decisions.migrations.0003_roster_answered_at")
    k = kitchen
    round_ = _to_consent(k, _draft(k))
    response = services.respond(round_=round_, user=k.author, answer=CONSENT)
    round_.roster.update(answered_at=None)
    migration.mark_answered(apps, None)
    marked = dict(round_.roster.values_list("user_id", "answered_at"))
    assert marked.pop(k.author.pk) == response.created_at
    assert set(marked.values()) == {None}


def test_the_roster_is_fixed_when_the_round_opens(kitchen, world):
    k = kitchen
    round_ = _to_consent(k, _draft(k))
    # a member added later is not asked
    newcomer = f.join(world.org, name="Newcomer")
    f.add(k.circle, newcomer)
    with pytest.raises(ServiceError, match="joined the circle after"):
        services.respond(round_=round_, user=newcomer, answer=CONSENT)
    # a member who leaves is no longer required, and that is recorded
    leaver = k.others[2]
    circle_services.end_membership(circle=k.circle, user=leaver, actor=world.admin)
    for person in [k.facilitator, k.author, *k.others[:2]]:
        services.respond(round_=round_, user=person, answer=CONSENT)
    round_.refresh_from_db()
    assert round_.outcome == ConsentRound.Outcome.CONSENTED
    entry = round_.roster.get(user=leaver)
    assert entry.required is False and entry.left_circle_at is not None
    record = round_.proposal.decision.record
    assert newcomer.pk not in record["roster"]


def test_someone_who_leaves_is_recorded_at_once_and_not_waited_for(kitchen, world):
    k = kitchen
    round_ = _to_consent(k, _draft(k))
    leaver = k.others[2]
    # when a member leaves the circle while the round is open
    circle_services.end_membership(circle=k.circle, user=leaver, actor=world.admin)
    # then the round records it straight away and stops waiting for them
    entry = round_.roster.get(user=leaver)
    assert entry.required is False and entry.left_circle_at is not None
    assert leaver.pk not in services.waiting_for(round_)
    assert LedgerEvent.objects.filter(
        verb="consent.roster_member_left", payload__user=leaver.pk
    ).exists()


def test_a_round_waiting_only_for_someone_who_leaves_closes(kitchen, world):
    k = kitchen
    round_ = _to_consent(k, _draft(k))
    last = k.others[2]
    for person in [k.facilitator, k.author, *k.others[:2]]:
        services.respond(round_=round_, user=person, answer=CONSENT)
    round_.refresh_from_db()
    assert round_.is_open and services.waiting_for(round_) == [last.pk]
    # when the one member still to answer leaves the circle
    circle_services.end_membership(circle=k.circle, user=last, actor=world.admin)
    # then everyone still in the circle has consented: the proposal is decided
    round_.refresh_from_db()
    assert round_.outcome == ConsentRound.Outcome.CONSENTED
    assert round_.proposal.state == Proposal.State.DECIDED


def test_concerns_are_logged_and_do_not_block(kitchen, world):
    k = kitchen
    services.update_settings(circle=k.circle, actor=world.admin, allow_concerns=True)
    proposal = _draft(k)
    round_ = _to_consent(k, proposal)
    services.respond(round_=round_, user=k.others[0], answer=CONCERN, reason="Watch the smell.")
    for person in [k.facilitator, k.author, *k.others[1:]]:
        services.respond(round_=round_, user=person, answer=CONSENT)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DECIDED
    assert proposal.decision.record["concerns"] == [
        {"user": k.others[0].pk, "reason": "Watch the smell."}
    ]


def test_withdrawing_the_last_objection_decides(kitchen):
    k = kitchen
    proposal = _draft(k)
    round_ = _to_consent(k, proposal)
    services.respond(round_=round_, user=k.others[0], answer=OBJECTION, reason="Not now.")
    for person in [k.facilitator, k.author, *k.others[1:]]:
        services.respond(round_=round_, user=person, answer=CONSENT)
    objection = Objection.objects.get(proposal=proposal)
    services.withdraw_objection(objection=objection, actor=k.others[0])
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DECIDED
    assert services.record_from_ledger(proposal) == proposal.decision.record


def test_lazy_consent_lets_absentees_object_afterwards(kitchen, world):
    k = kitchen
    services.update_settings(
        circle=k.circle, actor=world.admin, absentee_policy="lazy", lazy_consent_hours=48
    )
    proposal = _draft(k)
    services.present(proposal=proposal, actor=k.author, mode="live")
    round_ = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    for person in k.everyone[:-1]:
        services.respond(round_=round_, user=person, answer=CONSENT)
    services.close_round(round_=round_, actor=k.facilitator, reason="The meeting ends.")
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DECIDED
    policy = proposal.decision.policy
    # when the absentee objects within the window, the decision reopens
    absentee = k.everyone[-1]
    services.respond(
        round_=round_, user=absentee, answer=OBJECTION, reason="I was away and this harms us."
    )
    proposal.refresh_from_db()
    policy.refresh_from_db()
    assert proposal.state == Proposal.State.OBJECTIONS
    assert proposal.decision.reopened_at is not None
    assert policy.status() == Policy.Status.RETIRED
    assert BacklogItem.objects.open().filter(source="lazy_objection", proposal=proposal).exists()


def test_exits_are_decided_by_consent(kitchen, world):
    k = kitchen
    proposal = _draft(k)
    services.present(proposal=proposal, actor=k.author)
    round_ = services.open_consent_round(proposal=proposal, actor=k.facilitator, subject="escalate")
    for person in k.everyone:
        services.respond(round_=round_, user=person, answer=CONSENT)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.ESCALATED
    assert BacklogItem.objects.open().filter(circle=world.general, proposal=proposal).exists()


def test_only_members_propose_and_others_raise_it_with_the_circle(kitchen, world):
    with pytest.raises(ServiceError, match="raise it"):
        services.create_proposal(
            circle=kitchen.circle, author=world.member, title="T", driver="D", text="X"
        )
    item = services.add_backlog_item(
        circle=kitchen.circle, actor=world.circle_member, topic="Garden needs kitchen scraps"
    )
    assert item.source == BacklogItem.Source.OTHER_CIRCLE
    assert item.raised_from == world.garden or item.raised_from == world.care


def test_review_reminders_repeat_until_handled_and_reach_the_whole_circle(
    kitchen, world, django_capture_on_commit_callbacks
):
    k = kitchen
    proposal = _draft(k, review_on=timezone.localdate() + dt.timedelta(days=20))
    round_ = _to_consent(k, proposal)
    for person in k.everyone:
        services.respond(round_=round_, user=person, answer=CONSENT)
    policy = Policy.objects.get()
    assert policy.status() == Policy.Status.REVIEW_DUE
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.send_reminders(today=today)
    assert first >= 1
    item = BacklogItem.objects.open().get(policy=policy, source="review_due")
    notified = set(k.others[0].notifications.values_list("event__verb", flat=True))
    assert "backlog.reminder" in notified
    # the same day: no repeat; a week later: again, same item
    assert services.send_reminders(today=today) == 0
    BacklogItem.objects.filter(pk=item.pk).update(
        last_reminded_at=timezone.now() - dt.timedelta(days=8)
    )
    services.send_reminders(today=today)
    item.refresh_from_db()
    assert item.reminders_sent == 2
    assert BacklogItem.objects.open().filter(policy=policy, source="review_due").count() == 1


def test_withdrawing_consent_later_triggers_a_review_not_an_end(kitchen):
    k = kitchen
    proposal = _draft(k)
    round_ = _to_consent(k, proposal)
    for person in k.everyone:
        services.respond(round_=round_, user=person, answer=CONSENT)
    policy = Policy.objects.get()
    item = services.withdraw_consent(
        policy=policy, actor=k.others[1], reason="It is not working for me."
    )
    policy.refresh_from_db()
    assert policy.status() == Policy.Status.ACTIVE
    assert item.source == BacklogItem.Source.CONSENT_WITHDRAWN


def test_an_amending_proposal_updates_the_policy_and_keeps_its_history(kitchen):
    k = kitchen
    first = _draft(k)
    round_ = _to_consent(k, first)
    for person in k.everyone:
        services.respond(round_=round_, user=person, answer=CONSENT)
    policy = Policy.objects.get()
    services.call_early_review(policy=policy, actor=k.others[0], reason="Winter is different.")
    second = services.create_proposal(
        circle=k.circle,
        author=k.author,
        title="Compost rota (winter)",
        driver="Winter.",
        text="Fortnightly in winter.",
        amends=policy,
    )
    round2 = _to_consent(k, second)
    for person in k.everyone:
        services.respond(round_=round2, user=person, answer=CONSENT)
    policy.refresh_from_db()
    assert policy.title == "Compost rota (winter)"
    assert policy.decisions.count() == 2
    assert not BacklogItem.objects.open().filter(policy=policy).exists()


def test_a_proposal_reopened_by_a_late_objection_can_be_decided_again(kitchen, world):
    # given a lazy consent reopened by an absentee's objection within the window
    k = kitchen
    services.update_settings(circle=k.circle, actor=world.admin, absentee_policy="lazy")
    proposal = _draft(k)
    services.present(proposal=proposal, actor=k.author, mode="live")
    round1 = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    for person in k.everyone[:-1]:
        services.respond(round_=round1, user=person, answer=CONSENT)
    services.close_round(round_=round1, actor=k.facilitator, reason="The meeting ends.")
    first = proposal.decision
    services.respond(round_=round1, user=k.everyone[-1], answer=OBJECTION, reason="Not in winter.")
    objection = Objection.objects.get(proposal=proposal)
    # when a new version integrates the objection and everyone consents to it
    services.revise(
        proposal=proposal, actor=k.facilitator, change_note="Summer only.",
        text="Everyone takes a week on the compost rota, in summer.",
        integrations={objection.pk: "Summer only."},
    )  # fmt: skip
    round2 = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    for person in k.everyone:
        services.respond(round_=round2, user=person, answer=CONSENT)
    # then it is decided again: a new decision stands, the reopened one is kept as it was
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DECIDED
    second = proposal.decision
    assert second.pk != first.pk and second.version.number == 2 and second.reopened_at is None
    first.refresh_from_db()
    assert first.reopened_at is not None and first.record["version"]["version"] == 1
    assert second.record["objections"][0]["status"] == "integrated"
    assert services.record_from_ledger(proposal) == second.record
    assert verify_organisation(world.org).ok
