"""Deadlines that keep an asynchronous proposal moving (services.deadlines): each step gets the
circle's window, those who have not acted are reminded once before it ends, and once it has passed
the facilitator is asked, once, to move on, give it more time or close it. The clock is the `now`
the periodic run is given."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions import tasks as decision_tasks
from circlewise.decisions.models import ConsentRound, Proposal
from circlewise.notifications.models import Notification


def _proposal(kitchen, **kwargs) -> Proposal:
    return services.create_proposal(
        circle=kitchen.circle, author=kitchen.author, title="Compost rota",
        driver="The bins overflow.", text="Each household takes a week.", **kwargs,
    )  # fmt: skip


def _notified(event: LedgerEvent) -> set[int]:
    return set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))


def _last(verb: str) -> LedgerEvent:
    return LedgerEvent.objects.filter(verb=verb).order_by("-sequence").first()


def _near(moment: dt.datetime | None, expected: dt.datetime) -> bool:
    return moment is not None and abs(moment - expected) < dt.timedelta(seconds=30)


# Windows from the circle's settings --------------------------------------------------------


def test_each_asynchronous_step_gets_the_circles_window(kitchen):
    # given a circle that gives 2 days for questions, 4 for reactions and 6 for consent
    services.update_settings(
        circle=kitchen.circle, actor=kitchen.facilitator,
        clarifying_days=2, reactions_days=4, consent_days=6,
    )  # fmt: skip
    proposal = _proposal(kitchen)
    # when it is presented, moved on and put to consent
    services.present(proposal=proposal, actor=kitchen.author)
    proposal.refresh_from_db()
    # then each step ends by the circle's window
    assert _near(proposal.step_ends_at, timezone.now() + dt.timedelta(days=2))
    services.advance(proposal=proposal, actor=kitchen.facilitator)
    proposal.refresh_from_db()
    assert _near(proposal.step_ends_at, timezone.now() + dt.timedelta(days=4))
    services.advance(proposal=proposal, actor=kitchen.facilitator)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.SYNTHESIS and proposal.step_ends_at is None
    round_ = services.open_consent_round(proposal=proposal, actor=kitchen.facilitator)
    proposal.refresh_from_db()
    assert _near(proposal.step_ends_at, timezone.now() + dt.timedelta(days=6))
    assert round_.closes_at == proposal.step_ends_at


def test_an_end_given_when_the_step_starts_wins_and_a_meeting_has_none(kitchen):
    until = timezone.now() + dt.timedelta(hours=30)
    given = _proposal(kitchen)
    services.present(proposal=given, actor=kitchen.author, clarifying_until=until)
    given.refresh_from_db()
    assert given.step_ends_at == until
    live = _proposal(kitchen)
    services.present(proposal=live, actor=kitchen.author, mode=Proposal.Mode.LIVE)
    live.refresh_from_db()
    assert live.step_ends_at is None


def test_a_window_outside_one_to_thirty_days_is_refused_and_nothing_changes(kitchen):
    with pytest.raises(ServiceError) as refused:
        services.update_settings(circle=kitchen.circle, actor=kitchen.facilitator, consent_days=0)
    assert refused.value.field == "consent_days"
    assert services.settings_for(kitchen.circle).consent_days == 5


# Reminders and overdue steps, by the clock -------------------------------------------------


def test_those_who_have_not_answered_are_reminded_once_before_the_round_ends(
    kitchen, django_capture_on_commit_callbacks
):
    # given a consent round closing in 5 days, answered by the facilitator and the author
    proposal = _proposal(kitchen)
    services.present(proposal=proposal, actor=kitchen.author)
    services.advance(proposal=proposal, actor=kitchen.facilitator)
    services.advance(proposal=proposal, actor=kitchen.facilitator)
    round_ = services.open_consent_round(proposal=proposal, actor=kitchen.facilitator)
    for person in (kitchen.facilitator, kitchen.author):
        services.respond(round_=round_, user=person, answer="consent")
    ends = round_.closes_at
    assert ends is not None
    # when the periodic run comes two days before the end: nothing yet
    assert services.keep_steps_moving(now=ends - dt.timedelta(days=2)) == (0, 0)
    # and then 3 hours before it
    with django_capture_on_commit_callbacks(execute=True):
        assert services.keep_steps_moving(now=ends - dt.timedelta(hours=3)) == (1, 0)
    # then the three who have not answered are reminded, nobody else
    reminder = _last("proposal.step_reminder")
    assert _notified(reminder) == {p.pk for p in kitchen.others}
    assert reminder.payload["state"] == "consent" and reminder.actor_id is None
    # and a second run, an hour later, reminds nobody again
    assert services.keep_steps_moving(now=ends - dt.timedelta(hours=2)) == (0, 0)


def test_once_the_time_has_passed_the_facilitator_is_asked_once(
    kitchen, django_capture_on_commit_callbacks
):
    # given questions open until tomorrow
    proposal = _proposal(kitchen)
    services.present(proposal=proposal, actor=kitchen.author)
    proposal.refresh_from_db()
    ends = proposal.step_ends_at
    assert ends is not None
    # when the end has passed (no run came before it)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.keep_steps_moving(now=ends + dt.timedelta(minutes=5)) == (0, 1)
    # then the facilitator is asked, and the step is overdue for everyone to see
    overdue = _last("proposal.step_overdue")
    assert _notified(overdue) == {kitchen.facilitator.pk}
    proposal.refresh_from_db()
    assert proposal.step_overdue_at is not None and proposal.step_reminded_at is not None
    # and the next runs ask nobody again
    assert services.keep_steps_moving(now=ends + dt.timedelta(hours=5)) == (0, 0)
    assert LedgerEvent.objects.filter(verb="proposal.step_reminder").count() == 0


def test_reactions_remind_only_those_who_have_not_reacted(
    kitchen, django_capture_on_commit_callbacks
):
    proposal = _proposal(kitchen)
    services.present(proposal=proposal, actor=kitchen.author)
    services.advance(proposal=proposal, actor=kitchen.facilitator)
    services.react(proposal=proposal, member=kitchen.others[0], text="Good idea.")
    proposal.refresh_from_db()
    assert proposal.step_ends_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.keep_steps_moving(now=proposal.step_ends_at - dt.timedelta(hours=1))
    reminded = _notified(_last("proposal.step_reminder"))
    # the author and the one who reacted are not reminded
    assert reminded == {kitchen.facilitator.pk, kitchen.others[1].pk, kitchen.others[2].pk}


# Changing the end ---------------------------------------------------------------------------


def test_the_facilitator_gives_an_overdue_round_more_time_with_a_reason(
    kitchen, django_capture_on_commit_callbacks
):
    # given a consent round whose time has passed
    proposal = _proposal(kitchen)
    services.present(proposal=proposal, actor=kitchen.author)
    services.advance(proposal=proposal, actor=kitchen.facilitator)
    services.advance(proposal=proposal, actor=kitchen.facilitator)
    round_ = services.open_consent_round(proposal=proposal, actor=kitchen.facilitator)
    services.keep_steps_moving(now=round_.closes_at + dt.timedelta(minutes=1))
    later = timezone.now() + dt.timedelta(days=3)
    # when the facilitator gives it three more days, saying why
    with django_capture_on_commit_callbacks(execute=True):
        services.change_step_end(
            proposal=proposal,
            actor=kitchen.facilitator,
            ends_at=later,
            reason="Half of us are away.",
        )
    # then the round and the proposal end then, the marks are cleared, and the circle is told why
    proposal.refresh_from_db()
    round_.refresh_from_db()
    assert proposal.step_ends_at == later == round_.closes_at
    assert proposal.step_overdue_at is None and proposal.step_reminded_at is None
    changed = _last("proposal.step_end_changed")
    assert changed.payload["reason"] == "Half of us are away."
    assert _notified(changed) == {p.pk for p in kitchen.everyone} - {kitchen.facilitator.pk}
    # and the new window is reminded of again
    assert services.keep_steps_moving(now=later - dt.timedelta(hours=1)) == (1, 0)


@pytest.mark.parametrize(
    ("who", "when", "reason", "field"),
    [
        ("member", 3, "Away.", None),
        ("facilitator", -1, "Away.", "ends_at"),
        ("facilitator", 24 * 100, "Away.", "ends_at"),
        ("facilitator", 3, "   ", "reason"),
    ],
    ids=["a member", "in the past", "past 90 days", "no reason"],
)
def test_a_change_of_the_end_that_does_not_hold_is_refused_and_changes_nothing(
    kitchen, who, when, reason, field
):
    proposal = _proposal(kitchen)
    services.present(proposal=proposal, actor=kitchen.author)
    proposal.refresh_from_db()
    before, events = proposal.step_ends_at, LedgerEvent.objects.count()
    actor = kitchen.others[0] if who == "member" else kitchen.facilitator
    with pytest.raises(ServiceError) as refused:
        services.change_step_end(
            proposal=proposal, actor=actor, ends_at=timezone.now() + dt.timedelta(hours=when),
            reason=reason,
        )  # fmt: skip
    assert refused.value.field == field
    proposal.refresh_from_db()
    assert proposal.step_ends_at == before and LedgerEvent.objects.count() == events


def test_an_overdue_round_closes_with_absentees_where_the_circle_uses_lazy_consent(kitchen):
    # given a circle whose absent members may object afterwards, and a round past its time with
    # one member yet to answer
    services.update_settings(
        circle=kitchen.circle, actor=kitchen.facilitator, absentee_policy="lazy"
    )
    proposal = _proposal(kitchen)
    services.present(proposal=proposal, actor=kitchen.author)
    services.advance(proposal=proposal, actor=kitchen.facilitator)
    services.advance(proposal=proposal, actor=kitchen.facilitator)
    round_ = services.open_consent_round(proposal=proposal, actor=kitchen.facilitator)
    for person in kitchen.everyone[:-1]:
        services.respond(round_=round_, user=person, answer="consent")
    # while its time runs, it cannot close with an answer missing
    with pytest.raises(ServiceError):
        services.close_round(round_=round_, actor=kitchen.facilitator, reason="Enough of us.")
    Proposal.objects.filter(pk=proposal.pk).update(step_ends_at=timezone.now())
    # when its time has passed, the facilitator closes it, saying why
    services.close_round(round_=round_, actor=kitchen.facilitator, reason="Time is up.")
    # then it is decided, and the one who did not answer may still object afterwards
    round_.refresh_from_db()
    assert round_.outcome == ConsentRound.Outcome.CONSENTED and round_.lazy
    assert round_.lazy_until is not None
    assert round_.roster.get(user=kitchen.everyone[-1]).absent


# The page ------------------------------------------------------------------------------------


def _url(name, *args):
    return reverse(f"decisions:{name}", args=["willow", *args])


def test_the_page_says_when_the_step_ends_in_the_readers_time_zone(client, kitchen):
    proposal = _proposal(kitchen)
    ends = dt.datetime(2031, 3, 4, 23, 30, tzinfo=dt.UTC)
    services.present(proposal=proposal, actor=kitchen.author, clarifying_until=ends)
    member = kitchen.others[0]
    member.timezone = "Pacific/Auckland"
    member.save(update_fields=["timezone"])
    client.force_login(member)
    page = client.get(_url("proposal_detail", proposal.pk)).content.decode()
    local = ends.astimezone(ZoneInfo("Pacific/Auckland"))  # 5 March, 12:30
    assert f"Clarifying questions close on Wed {local:%-d} Mar, 12:30." in page
    assert "overdue" not in page
    # and a member cannot change it
    assert 'id="step-end"' not in page


def test_the_facilitator_sees_an_overdue_step_and_gives_it_more_time_on_the_page(client, kitchen):
    proposal = _proposal(kitchen)
    services.present(proposal=proposal, actor=kitchen.author)
    Proposal.objects.filter(pk=proposal.pk).update(step_ends_at=timezone.now())
    client.force_login(kitchen.facilitator)
    page = client.get(_url("proposal_detail", proposal.pk)).content.decode()
    assert "The time for clarifying questions has passed." in page
    assert "overdue" in page and 'id="step-end"' in page
    # a bad end is refused with a message, and nothing changes
    address = _url("step_end_change", proposal.pk)
    refused = client.post(address, {"ends_at": "2020-01-01T10:00", "reason": "Late."})
    assert refused.status_code == 400
    assert "The new end must be in the future." in refused.content.decode()
    assert not LedgerEvent.objects.filter(verb="proposal.step_end_changed").exists()
    # a good one moves the end, in the facilitator's time zone
    later = timezone.localtime(timezone.now() + dt.timedelta(days=2))
    moved = client.post(
        address, {"ends_at": later.strftime("%Y-%m-%dT%H:%M"), "reason": "Holidays."}
    )
    assert moved.status_code == 302
    proposal.refresh_from_db()
    assert _near(proposal.step_ends_at, later.replace(second=0, microsecond=0))
    page = client.get(_url("proposal_detail", proposal.pk)).content.decode()
    assert "The time for clarifying questions has passed." not in page


def test_a_member_who_does_not_steer_is_refused_the_change(client, kitchen):
    proposal = _proposal(kitchen)
    services.present(proposal=proposal, actor=kitchen.author)
    client.force_login(kitchen.others[0])
    later = (timezone.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post(
        _url("step_end_change", proposal.pk), {"ends_at": later, "reason": "More time."}
    )
    assert answer.status_code == 403
    assert not LedgerEvent.objects.filter(verb="proposal.step_end_changed").exists()


def test_the_scheduler_runs_the_deadlines_every_five_minutes():
    import crontask

    jobs = [
        j for j in crontask.scheduler.get_jobs() if j.name == decision_tasks.keep_steps_moving.name
    ]
    assert len(jobs) == 1
    start = dt.datetime(2026, 12, 7, 10, 1, tzinfo=dt.UTC)
    first = jobs[0].trigger.get_next_fire_time(None, start)
    second = jobs[0].trigger.get_next_fire_time(first, first + dt.timedelta(microseconds=1))
    assert second - first == dt.timedelta(minutes=5)


def test_a_late_circle_is_left_alone_once_it_has_ended(kitchen):
    # given a step past its time in a circle that then ended
    proposal = _proposal(kitchen)
    services.present(proposal=proposal, actor=kitchen.author)
    proposal.refresh_from_db()
    kitchen.circle.__class__.objects.filter(pk=kitchen.circle.pk).update(archived_at=timezone.now())
    # then the run asks nobody
    assert services.keep_steps_moving(now=proposal.step_ends_at + dt.timedelta(hours=1)) == (0, 0)
