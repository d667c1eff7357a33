"""A proposal's consent process run live in the room (meetings/services_consent.py through the
room's actions, meetings/room.py): presented, the clarifying and reaction rounds, the consent
round in which each present member answers in turn, an objection stated back, the proposal
amended, the consent round again and the decision; who is present decides under the circle's
lazy consent, and the absent may object afterwards. And the secretary's notes on each item,
read back in the room and taken into the minutes' draft."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services as decisions
from circlewise.decisions.models import ConsentResponse, ConsentRound, Objection, Proposal
from circlewise.discussions import services as discussions
from circlewise.meetings import fanout, permissions, selectors, services
from circlewise.meetings import services_minutes as minutes
from circlewise.meetings import services_room as room
from circlewise.meetings.models import AgendaItem, Meeting, Round, Turn
from circlewise.meetings.room import act
from circlewise.meetings.selectors_consent import item_consent
from circlewise.meetings.services_consent import consent_round_for

from .. import factories as f


@pytest.fixture
def people(world):
    """Garden's members in the room in this seat order: Fay (facilitating), Cy (the proposal's
    author), Ann, Bo; Dan is a member who stays away."""
    ann, bo, dan = (f.join(world.org, name=n) for n in ("Ann", "Bo", "Dan"))
    f.add(world.garden, ann, bo, dan)
    return {"fay": world.facilitator, "cy": world.circle_member, "ann": ann, "bo": bo, "dan": dan}


def _meeting_with(world, people, *, lazy: bool, draft: bool):
    """A meeting of Garden with the proposal's topic and a plain topic on its agenda; opened,
    with Fay, Cy, Ann, Bo and the admin (a guest keeping the agenda) in the room; at the
    proposal's item."""
    fay, cy = people["fay"], people["cy"]
    if lazy:
        decisions.update_settings(circle=world.garden, actor=fay, absentee_policy="lazy")
    if draft:
        # A topic discussed in the backlog, and the draft written from its discussion.
        topic = decisions.add_backlog_item(circle=world.garden, actor=cy, topic="Compost")
        proposal = discussions.start_proposal(
            item=topic, actor=cy, title="Compost bins", driver="Kitchen waste piles up.",
            text="We put **two** compost bins by the shed.",
        )  # fmt: skip
    else:
        proposal = decisions.create_proposal(
            circle=world.garden, author=cy, title="Compost bins", driver="Waste piles up.",
            text="We put **two** compost bins by the shed.",
        )  # fmt: skip
        decisions.present(proposal=proposal, actor=cy, mode=Proposal.Mode.LIVE)
        topic = proposal.backlog_items.get()
    meeting = services.plan_meeting(
        circle=world.garden, actor=fay, starts_at=timezone.now() + dt.timedelta(hours=1)
    )
    item = services.add_agenda_item(meeting=meeting, actor=fay, backlog_item=topic)
    plain = services.add_agenda_item(meeting=meeting, actor=fay, title="Tools")
    room.open_room(meeting=meeting, actor=fay)
    for name in ("cy", "ann", "bo"):
        room.join_room(meeting=meeting, user=people[name])
    room.join_room(meeting=meeting, user=world.admin)  # a guest: keeps the agenda, no member
    room.move_to(meeting=meeting, actor=fay, phase="items", item=item)
    meeting.refresh_from_db()
    return meeting, proposal, item, plain


def _speaker(meeting: Meeting):
    return selectors.room_state(meeting, None).speaker


def _answer_all(meeting, fay, answers: dict) -> None:
    """Each speaker in turn gives the answer written for them, on their own device."""
    while (speaker := _speaker(meeting)) is not None:
        answer, reason = answers[speaker.pk]
        act(meeting, speaker, "complete", {"speaker": speaker.pk, "answer": answer,
                                            "reason": reason})  # fmt: skip


def test_only_the_author_of_the_draft_on_the_table_is_offered_to_present_it(world, people):
    # given the draft of Cy on the table in the room
    meeting, _proposal, _item, _plain = _meeting_with(world, people, lazy=False, draft=True)
    reading = fanout.read(meeting.pk)
    assert reading is not None

    # when the room renders each screen's view
    def view(person):
        runs = permissions.can_run_room(person, meeting)
        key = reading.key(person.pk, runs=runs, display=False, zone="UTC")
        return key, json.loads(reading._render(key, person.pk))["html"]

    (cy_key, cy_view), (_fay_key, fay_view), (ann_key, ann_view) = (
        view(people[n]) for n in ("cy", "fay", "ann")
    )

    # then the author alone has the button; the others read who presents it
    assert 'value="present"' in cy_view
    assert 'value="present"' not in fay_view and 'value="present"' not in ann_view
    assert "Cy Circle</bdi> presents the proposal" in ann_view
    assert cy_key != ann_key  # the author's view is a kind of its own

    # and once it is presented nobody is offered to present it again
    act(meeting, people["cy"], "present", {})
    again = fanout.read(meeting.pk)
    assert again is not None
    key = again.key(people["cy"].pk, runs=False, display=False, zone="UTC")
    assert 'value="present"' not in json.loads(again._render(key, people["cy"].pk))["html"]


def test_a_proposal_goes_from_presented_to_decided_in_the_room_under_lazy_consent(
    world, people, client, django_assert_max_num_queries
):
    # given Garden deciding by lazy consent, a draft written from a backlog topic's discussion on
    # the agenda, and Fay, Cy, Ann, Bo and a guest in the room (Dan and Dee are not)
    fay, cy, ann, bo, dan = (people[n] for n in ("fay", "cy", "ann", "bo", "dan"))
    meeting, proposal, item, _plain = _meeting_with(world, people, lazy=True, draft=True)
    assert item_consent(meeting).step == "draft"

    # when the facilitator asks to present someone else's draft, decisions says no; its author
    # presents it, for this meeting
    with pytest.raises(ServiceError) as refused:
        act(meeting, fay, "present", {})
    assert refused.value.status == 403
    act(meeting, cy, "present", {})
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.CLARIFYING and proposal.mode == Proposal.Mode.LIVE
    state = item_consent(meeting)
    assert (state.step, state.suggested_kind) == ("presented", "clarifying")

    # and the room goes through the clarifying and the reaction rounds it suggests in turn
    for kind, following in (("clarifying", "reaction"), ("reaction", "consent")):
        act(meeting, fay, "start_round", {"kind": kind})
        act(meeting, fay, "end_round", {})
        assert item_consent(meeting).suggested_kind == following

    # when the consent round is opened in the room
    act(meeting, fay, "start_round", {"kind": "consent"})
    round_ = Round.objects.get(meeting=meeting, ended_at__isnull=True)
    consent = ConsentRound.objects.get(proposal=proposal, outcome="open")
    # then the present members are asked, in seat order: not the guest, not those away
    assert round_.kind == "consent" and round_.item_id == item.pk
    assert round_.order == [fay.pk, cy.pk, ann.pk, bo.pk]
    assert consent.lazy and consent.version_number == 1

    # when each answers in turn: Cy objects, Ann's consent is given in the room and recorded by
    # Fay, and passing is refused
    act(meeting, fay, "complete", {"speaker": fay.pk, "answer": "consent"})
    with pytest.raises(ServiceError) as passing:
        act(meeting, cy, "complete", {"speaker": cy.pk, "passed": "1"})
    assert passing.value.status == 409
    act(meeting, cy, "complete", {"speaker": cy.pk, "answer": "objection",
                                  "reason": "Rats will come to the shed."})  # fmt: skip
    shown = item_consent(meeting)
    assert [(a.user.name, a.answer) for a in shown.answers] == [
        (fay.name, "consent"),
        (cy.name, "objection"),
    ]  # each answer appears as it is given
    assert shown.answers[1].reason == "Rats will come to the shed."
    act(meeting, fay, "complete", {"speaker": ann.pk, "answer": "consent"})
    act(meeting, bo, "complete", {"speaker": bo.pk, "answer": "consent"})
    ann_turn = Turn.objects.get(round=round_, user=ann)
    assert ann_turn.recorded_by_id == fay.pk
    said = LedgerEvent.objects.filter(verb="round.turn_taken", payload__user=ann.pk).get()
    assert said.payload["recorded_by"] == fay.pk
    assert ConsentResponse.objects.get(round=consent, user=ann).answer == "consent"

    # then the room's round is over, and those away are still to answer in decisions' round
    shown = item_consent(meeting)
    assert Round.objects.get(pk=round_.pk).ended_at is not None
    assert {p.pk for p in shown.absentees} >= {dan.pk} and not shown.waiting_in_room
    assert shown.may_close_lazily

    # when the facilitator closes it: those present decided, the objection stands
    act(meeting, fay, "consent_close", {})
    consent.refresh_from_db()
    proposal.refresh_from_db()
    assert consent.outcome == "objected" and consent.lazy_until is not None
    assert consent.roster.get(user=dan).absent
    assert proposal.state == Proposal.State.OBJECTIONS
    objection = Objection.objects.get(proposal=proposal)

    # when Ann states the objection back in the room, and Fay amends the proposal integrating it
    act(meeting, ann, "state_back", {"objection": objection.pk,
                                     "text": "You fear rats near the shed."})  # fmt: skip
    assert item_consent(meeting).suggested_kind == ""  # it stands: amend first
    act(meeting, fay, "amend", {
        "text": "We put two closed compost bins by the shed.", "change_note": "Closed bins.",
        f"integration_{objection.pk}": "Closed bins keep rats out.",
    })  # fmt: skip
    proposal.refresh_from_db()
    objection.refresh_from_db()
    assert proposal.version_number == 2
    assert objection.stated_back == "You fear rats near the shed."
    assert (objection.integrated_in_version, objection.integration) == (
        2,
        "Closed bins keep rats out.",
    )
    assert item_consent(meeting).suggested_kind == "consent"

    # and the consent round runs again, everyone present consenting, and is closed
    act(meeting, fay, "start_round", {"kind": "consent", "first": str(cy.pk)})
    assert Round.objects.get(meeting=meeting, ended_at__isnull=True).order[0] == cy.pk
    _answer_all(meeting, fay, {p.pk: ("consent", "") for p in (fay, cy, ann, bo)})
    act(meeting, fay, "consent_close", {})

    # then the proposal is decided by those present, the objection integrated
    proposal.refresh_from_db()
    objection.refresh_from_db()
    assert proposal.state == Proposal.State.DECIDED
    assert objection.status == Objection.Status.INTEGRATED
    second = ConsentRound.objects.get(proposal=proposal, version_number=2)
    assert second.outcome == "consented" and second.lazy_until is not None
    assert set(second.responses.values_list("user_id", flat=True)) == {fay.pk, cy.pk, ann.pk, bo.pk}
    with django_assert_max_num_queries(12):
        shown = item_consent(meeting)
    assert shown.step == "decided" and shown.decision.version.number == 2

    # and the room shows it: the version's text in Markdown, the answers, the objection
    client.force_login(bo)
    page = client.get(reverse("meetings:meeting_room", args=[world.org.slug, meeting.pk]))
    html = page.content.decode()
    assert "We put two closed compost bins by the shed." in html
    assert "You fear rats near the shed." in html and "Closed bins keep rats out." in html
    assert 'name="action" value="notes"' not in html  # Bo does not run the room

    # and the minutes' draft keeps the decision verbatim and the objection's integration
    room.move_to(meeting=meeting, actor=fay, phase="backlog")
    room.close_room(meeting=meeting, actor=fay)
    draft = meeting.minutes.text
    assert "> We put two closed compost bins by the shed." in draft
    assert "Rats will come to the shed." in draft and "Closed bins keep rats out." in draft

    # when Dan, who was away, objects within the lazy-consent period
    decisions.respond(round_=second, user=dan, answer="objection", reason="Smell by my window.")
    # then the decision is reopened
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.OBJECTIONS
    assert ConsentResponse.objects.get(round=second, user=dan).after_round_closed


def test_where_everyone_must_answer_the_room_records_the_present_and_the_round_waits(world, people):
    # given a circle that waits for everyone, and its proposal's consent round in the room
    fay, cy, ann, bo, dan = (people[n] for n in ("fay", "cy", "ann", "bo", "dan"))
    meeting, proposal, _item, _plain = _meeting_with(world, people, lazy=False, draft=False)
    assert item_consent(meeting).step == "presented"
    act(meeting, fay, "start_round", {"kind": "consent"})
    consent = ConsentRound.objects.get(proposal=proposal, outcome="open")
    assert not consent.lazy

    # when everyone present consents
    _answer_all(meeting, fay, {p.pk: ("consent", "") for p in (fay, cy, ann, bo)})

    # then their answers are recorded, and closing for those present is refused: Dan is awaited
    assert consent.responses.count() == 4
    with pytest.raises(ServiceError) as refused:
        act(meeting, fay, "consent_close", {})
    assert dan.name in refused.value.text
    consent.refresh_from_db()
    assert consent.is_open
    shown = item_consent(meeting)
    assert not shown.may_close_lazily and dan.pk in {p.pk for p in shown.absentees}


def test_only_who_runs_the_room_opens_closes_and_amends_and_records_for_others(world, people):
    # given the proposal's consent round in the room, Fay speaking first
    fay, cy, ann = people["fay"], people["cy"], people["ann"]
    meeting, proposal, item, _plain = _meeting_with(world, people, lazy=True, draft=False)

    # when a member who does not run the room, or an outsider, asks for the runner's actions
    for who in (cy, world.outsider):
        for action, data in (
            ("start_round", {"kind": "consent"}),
            ("consent_close", {}),
            ("amend", {"text": "Other.", "change_note": "Mine."}),
            ("notes", {"item": item.pk, "notes": "Mine."}),
        ):
            # then each is refused, and nothing changes
            with pytest.raises(ServiceError) as refused:
                act(meeting, who, action, data)
            assert refused.value.status == 403, (who, action)
    assert not ConsentRound.objects.filter(proposal=proposal).exists()
    assert not Round.objects.filter(meeting=meeting).exists()

    # when the round is opened and Cy tries to give Fay's answer
    act(meeting, fay, "start_round", {"kind": "consent"})
    with pytest.raises(ServiceError) as refused:
        act(meeting, cy, "complete", {"speaker": fay.pk, "answer": "consent"})
    # then it is refused: recording someone else's answer is for who runs the room
    assert refused.value.status == 403
    assert not ConsentResponse.objects.exists()
    # and a second tap for a turn that has moved on records nothing
    act(meeting, fay, "complete", {"speaker": fay.pk, "answer": "consent"})
    with pytest.raises(ServiceError):
        act(meeting, fay, "complete", {"speaker": fay.pk, "answer": "consent"})
    assert ConsentResponse.objects.count() == 1
    assert _speaker(meeting).pk == cy.pk
    # and Ann, not yet the speaker, cannot answer in Cy's place either
    with pytest.raises(ServiceError):
        act(meeting, ann, "complete", {"answer": "consent"})


def test_bad_answers_and_an_item_without_a_proposal_are_refused_and_change_nothing(world, people):
    # given the proposal's consent round in the room, Fay speaking
    fay = people["fay"]
    meeting, proposal, _item, plain = _meeting_with(world, people, lazy=True, draft=False)
    act(meeting, fay, "start_round", {"kind": "consent"})
    version = Meeting.objects.get(pk=meeting.pk).room_version
    events = LedgerEvent.objects.count()
    for data, field in (
        ({"answer": "abstain"}, "answer"),  # not an answer
        ({"answer": ""}, "answer"),  # a plain "I'm complete"
        ({"answer": "objection", "reason": "  "}, "reason"),  # an objection needs its reason
        ({"answer": "concern", "reason": "Smell."}, "answer"),  # Garden records no concerns
    ):
        # when it is given
        with pytest.raises(ServiceError) as refused:
            act(meeting, fay, "complete", {"speaker": fay.pk, **data})
        # then it is refused with a sentence naming the field, and nothing changed
        assert refused.value.field == field and refused.value.text
    assert not ConsentResponse.objects.exists()
    assert _speaker(meeting).pk == fay.pk
    assert Meeting.objects.get(pk=meeting.pk).room_version == version
    assert LedgerEvent.objects.count() == events

    # when the room is at an item that carries no proposal
    act(meeting, fay, "end_round", {})
    room.move_to(meeting=meeting, actor=fay, phase="items", item=plain)
    meeting.refresh_from_db()
    events = LedgerEvent.objects.count()
    for action, data in (
        ("present", {}),
        ("consent_close", {}),
        ("state_back", {"objection": "1", "text": "Said back."}),
        ("amend", {"text": "Other.", "change_note": "Mine."}),
    ):
        # then the proposal's actions are refused with a clear sentence
        with pytest.raises(ServiceError) as refused:
            act(meeting, fay, action, data)
        assert "carries no proposal" in refused.value.text, action
    assert LedgerEvent.objects.count() == events
    # and a consent round on it is an ordinary round, with no answers to record
    act(meeting, fay, "start_round", {"kind": "consent"})
    ordinary = Round.objects.get(meeting=meeting, ended_at__isnull=True)
    assert ordinary.item_id == plain.pk and consent_round_for(ordinary) is None
    assert ConsentRound.objects.filter(proposal=proposal).count() == 1  # no other opened
    state = item_consent(meeting)
    assert state.proposal is None and state.item.pk == plain.pk


def test_the_secretary_keeps_notes_per_item_read_back_and_in_the_minutes(world, people, client):
    # given a live meeting at the proposal's item
    fay, cy = people["fay"], people["cy"]
    meeting, _proposal, item, plain = _meeting_with(world, people, lazy=True, draft=False)

    # when Fay writes the notes, and Cy (a member, not running the room) tries to
    act(meeting, fay, "notes", {"item": item.pk, "notes": "Bins **by the shed**."})
    with pytest.raises(ServiceError) as refused:
        act(meeting, cy, "notes", {"item": item.pk, "notes": "Mine."})
    assert refused.value.status == 403
    # and too long a text, and another meeting's item, are refused
    with pytest.raises(ServiceError) as too_long:
        act(meeting, fay, "notes", {"item": item.pk, "notes": "x" * 10_001})
    assert too_long.value.field == "notes"
    with pytest.raises(ServiceError):
        act(meeting, fay, "notes", {"item": "999999", "notes": "Elsewhere."})

    # then the notes are kept once, on the record, and the room reads them back
    assert AgendaItem.objects.get(pk=item.pk).notes == "Bins **by the shed**."
    event = LedgerEvent.objects.get(verb="agenda.notes_edited")
    assert event.actor_id == fay.pk and event.payload["item"] == item.pk
    client.force_login(cy)
    page = client.get(reverse("meetings:meeting_room", args=[world.org.slug, meeting.pk]))
    assert "Bins <strong>by the shed</strong>." in page.content.decode()
    display = client.get(reverse("meetings:room_display", args=[world.org.slug, meeting.pk]))
    assert "Bins <strong>by the shed</strong>." in display.content.decode()

    # and the minutes' draft has each item's notes
    act(meeting, fay, "phase", {"phase": "items", "item": str(plain.pk)})
    act(meeting, fay, "notes", {"item": str(plain.pk), "notes": "Sharpen the hoes.\nOil them."})
    act(meeting, fay, "close", {})
    draft = minutes.draft_text(Meeting.objects.get(pk=meeting.pk))
    assert "     Bins **by the shed**." in draft
    assert "     Sharpen the hoes.\n     Oil them." in draft
    # once the meeting is closed, the notes no longer change in the room
    with pytest.raises(ServiceError):
        act(meeting, fay, "notes", {"item": item.pk, "notes": "Later."})
