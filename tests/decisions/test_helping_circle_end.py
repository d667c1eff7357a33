"""A helping circle ends when its end date has passed: the hourly reminders task ends it, its open
work goes to its parent circle's backlog (nothing lost), the parent's members are told, it takes
no new proposals, rounds or backlog items (pages and API say why), it is shown as ended, and the
parent circle extends its mandate by consent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from circlewise.accounts.models import User
from circlewise.circles import services as circle_services
from circlewise.circles.models import Circle
from circlewise.core import feed
from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions import tasks as decision_tasks
from circlewise.decisions.models import BacklogItem, ConsentRound, Proposal
from circlewise.notifications.models import Notification

from .. import factories as f
from ..api.conftest import ApiClient
from .test_periodic_work import DB_TASKS, _run_worker, _tick, worker_test

FSI, PDI = "\u2068", "\u2069"


@dataclass
class Helping:
    parent: Circle  # General, with its own members
    circle: Circle  # Paths, a helping circle inside General
    steward: User  # Paths' facilitator, a member of Paths only
    member: User  # in Paths only
    parent_member: User  # in General only
    parent_steward: User  # General's facilitator


def _today() -> dt.date:
    return timezone.localdate()


def _proposal(circle: Circle, author: User, title: str, **kwargs: object) -> Proposal:
    return services.create_proposal(
        circle=circle, author=author, title=title, driver=f"Why {title}.",
        text=f"What {title} does.", **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def _consent_all(proposal: Proposal, steerer: User) -> ConsentRound:
    round_ = services.open_consent_round(proposal=proposal, actor=steerer)
    for entry in round_.roster.all():
        services.respond(round_=round_, user=entry.user, answer="consent")
    round_.refresh_from_db()
    return round_


@pytest.fixture
def helping(world) -> Helping:
    org, general = world.org, world.general
    steward, member, parent_member, parent_steward = (
        f.join(org, name=n) for n in ("Sol Steward", "Pat Paths", "Gil General", "Gwen Steer")
    )
    f.add(general, parent_member, parent_steward)
    f.give_role(general, "facilitator", parent_steward)
    paths = f.make_circle(
        org, "Paths", parent=general, kind="helping", mandate="Lay the paths.",
        ends_on=_today() + dt.timedelta(days=10),
    )  # fmt: skip
    f.add(paths, steward, member)
    f.give_role(paths, "facilitator", steward)
    return Helping(general, paths, steward, member, parent_member, parent_steward)


def _run_out(circle: Circle, days_ago: int = 1) -> None:
    """Time passes: the circle's last day is behind us (the same as waiting for it)."""
    Circle.objects.filter(pk=circle.pk).update(ends_on=_today() - dt.timedelta(days=days_ago))


def _hourly_run() -> int:
    """What the worker does every hour: the reminders task, as scheduled."""
    return decision_tasks.send_reminders.call()


def _open_work(h: Helping) -> dict[str, object]:
    """An item, a proposal in its consent round, a postponed one, a draft and a closed item."""
    item = services.add_backlog_item(circle=h.circle, actor=h.member, topic="Gravel order",
                                     description="Ten tonnes.", due_on=_today())  # fmt: skip
    done = services.add_backlog_item(circle=h.circle, actor=h.member, topic="Old topic")
    services.close_backlog_item(item=done, actor=h.member)
    in_round = _proposal(h.circle, h.member, "Path widths")
    services.present(proposal=in_round, actor=h.member)
    round_ = services.open_consent_round(proposal=in_round, actor=h.steward)
    later = _proposal(h.circle, h.member, "Lamps")
    services.present(proposal=later, actor=h.member)
    services.open_consent_round(proposal=later, actor=h.steward, subject="postpone")
    for entry in ConsentRound.objects.get(proposal=later, outcome="open").roster.all():
        services.respond(
            round_=ConsentRound.objects.get(proposal=later, outcome="open"),
            user=entry.user,
            answer="consent",
        )
    draft = _proposal(h.circle, h.member, "Secret idea")
    decided = _proposal(h.circle, h.member, "Edges")
    services.present(proposal=decided, actor=h.member)
    _consent_all(decided, h.steward)
    return {"item": item, "done": done, "in_round": in_round, "round": round_,
            "later": later, "draft": draft, "decided": decided}  # fmt: skip


# Ending on time -----------------------------------------------------------------------------


def test_a_helping_circle_works_through_its_last_day_and_ends_after_it(helping):
    h = helping
    # given Paths' last day is today
    Circle.objects.filter(pk=h.circle.pk).update(ends_on=_today())
    # when the hourly task runs today, Paths still works
    _hourly_run()
    h.circle.refresh_from_db()
    assert not h.circle.has_ended
    # and when the hour comes after the day is over (in the site's time zone), it ends
    tomorrow = timezone.make_aware(
        dt.datetime.combine(_today() + dt.timedelta(days=1), dt.time(0, 7))
    )
    # (a minute before midnight it still works)
    last_minute = tomorrow - dt.timedelta(minutes=8)
    assert services.end_expired_helping_circles(now=last_minute) == 0
    assert services.end_expired_helping_circles(now=tomorrow) == 1
    h.circle.refresh_from_db()
    assert h.circle.ended_at == tomorrow
    event = LedgerEvent.objects.get(verb="circle.ended")
    assert event.circle_id == h.circle.pk and event.actor_id is None


def test_the_hourly_task_ends_a_circle_whose_end_date_has_passed_once(helping):
    h = helping
    work = _open_work(h)
    _run_out(h.circle)
    # when the hourly task runs twice
    _hourly_run()
    h.circle.refresh_from_db()
    assert h.circle.has_ended
    ended_at = h.circle.ended_at
    events = LedgerEvent.objects.count()
    parent_items = BacklogItem.objects.filter(circle=h.parent).count()
    _hourly_run()
    # then the second run changed nothing
    h.circle.refresh_from_db()
    assert h.circle.ended_at == ended_at
    assert LedgerEvent.objects.count() == events
    assert BacklogItem.objects.filter(circle=h.parent).count() == parent_items
    assert LedgerEvent.objects.filter(verb="circle.ended").count() == 1
    assert LedgerEvent.objects.filter(verb="circle.helping_ended").count() == 1
    assert work  # the work was there to hand over


@worker_test
def test_the_scheduled_reminders_end_the_circle_through_the_worker(helping, settings):
    # given Paths' end date has passed, and the scheduler's hour comes
    settings.TASKS = DB_TASKS
    services.add_backlog_item(circle=helping.circle, actor=helping.member, topic="Gravel")
    _run_out(helping.circle)
    _tick(decision_tasks.send_reminders)
    helping.circle.refresh_from_db()
    assert not helping.circle.has_ended  # queued, not run yet
    # when the worker runs the queue
    _run_worker()
    # then Paths has ended and its topic is on General's backlog
    helping.circle.refresh_from_db()
    assert helping.circle.has_ended
    assert BacklogItem.objects.open().filter(circle=helping.parent, topic="Gravel").exists()


def test_a_circle_that_has_not_reached_its_end_date_or_is_not_helping_does_not_end(world, helping):
    _hourly_run()
    helping.circle.refresh_from_db()
    assert not helping.circle.has_ended
    assert not Circle.objects.filter(ended_at__isnull=False).exists()


# Nothing lost --------------------------------------------------------------------------------


def test_open_items_and_proposals_go_to_the_parents_backlog_and_nothing_is_lost(helping):
    h = helping
    work = _open_work(h)
    _run_out(h.circle)
    _hourly_run()
    # the open item is closed in Paths, and a new one names where it came from in General
    item = work["item"]
    item.refresh_from_db()
    assert item.status == BacklogItem.Status.DONE
    handed = BacklogItem.objects.get(circle=h.parent, topic="Gravel order")
    assert handed.status == BacklogItem.Status.OPEN
    assert handed.source == BacklogItem.Source.CIRCLE_ENDED
    assert handed.raised_from_id == h.circle.pk
    assert handed.description == "Ten tonnes." and handed.due_on == _today()
    # the proposal in its round leaves the process there, and General's item points at it
    in_round = work["in_round"]
    in_round.refresh_from_db()
    assert in_round.state == Proposal.State.HANDED_BACK
    assert in_round.handed_to_id == h.parent.pk
    work["round"].refresh_from_db()
    assert work["round"].outcome == ConsentRound.Outcome.ENDED
    assert BacklogItem.objects.open().get(circle=h.parent, proposal=in_round).topic == "Path widths"
    # so does the postponed one
    later = work["later"]
    later.refresh_from_db()
    assert later.state == Proposal.State.HANDED_BACK
    assert BacklogItem.objects.open().filter(circle=h.parent, proposal=later).exists()
    # the draft stays its author's, private, and the decided proposal stays decided
    work["draft"].refresh_from_db()
    assert work["draft"].state == Proposal.State.DRAFT
    assert not BacklogItem.objects.filter(circle=h.parent, topic="Secret idea").exists()
    work["decided"].refresh_from_db()
    assert work["decided"].state == Proposal.State.DECIDED
    # the closed item stays closed where it was
    assert not BacklogItem.objects.filter(circle=h.parent, topic="Old topic").exists()
    # nothing open is left behind in Paths
    assert not BacklogItem.objects.open().filter(circle=h.circle).exists()
    assert not Proposal.objects.filter(circle=h.circle, state__in=Proposal.OPEN_STATES).exists()
    # and the ledger records what went where
    ended = LedgerEvent.objects.get(verb="circle.ended")
    assert ended.payload["handed_to"] == h.parent.pk
    assert ended.payload["items"] == [{"item": item.pk, "to": handed.pk, "topic": "Gravel order"}]
    assert {p["proposal"] for p in ended.payload["proposals"]} == {in_round.pk, later.pk}
    assert ended.payload["drafts_kept"] == 1
    closed = LedgerEvent.objects.get(verb="backlog.item_closed", payload__item=item.pk)
    assert closed.payload["resolution"] == "handed_back"
    exited = LedgerEvent.objects.get(verb="proposal.exited", payload__proposal=in_round.pk)
    assert exited.payload["state"] == "handed_back"


def test_the_parents_members_are_told_in_a_sentence_naming_the_circle(
    client, helping, django_capture_on_commit_callbacks
):
    h = helping
    services.add_backlog_item(circle=h.circle, actor=h.member, topic="Gravel order")
    _run_out(h.circle)
    with django_capture_on_commit_callbacks(execute=True):
        _hourly_run()
    told = LedgerEvent.objects.get(verb="circle.helping_ended")
    assert told.circle_id == h.parent.pk
    said = feed.sentence(told)
    assert "<bdi>Paths</bdi>" in said.html and "<bdi>General</bdi>" in said.html
    assert "ended" in said.text and "backlog" in said.text
    assert said.url == reverse("decisions:backlog", args=["willow", "general"])
    # every member of General has it, Paths' own members have the circle's own event
    for person in (h.parent_member, h.parent_steward):
        assert Notification.objects.filter(recipient=person, event=told).exists()
    own = LedgerEvent.objects.get(verb="circle.ended")
    assert Notification.objects.filter(recipient=h.member, event=own).exists()
    assert not Notification.objects.filter(recipient=h.member, event=told).exists()
    # and the notification page says it
    client.force_login(h.parent_member)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "<bdi>Paths</bdi>" in page and "has ended" in page


# Refusals -------------------------------------------------------------------------------------


@pytest.fixture
def ended(helping) -> Helping:
    _run_out(helping.circle)
    _hourly_run()
    helping.circle.refresh_from_db()
    return helping


def _url(name: str, *args: object) -> str:
    return reverse(f"decisions:{name}", args=["willow", *args])


def test_the_services_refuse_new_work_in_an_ended_circle(ended):
    h = ended
    with pytest.raises(ServiceError) as refused:
        _proposal(h.circle, h.member, "One more")
    assert refused.value.status == 409 and "ended on" in refused.value.text
    with pytest.raises(ServiceError) as refused:
        services.add_backlog_item(circle=h.circle, actor=h.member, topic="One more")
    assert refused.value.status == 409
    assert not Proposal.objects.filter(circle=h.circle).exists()
    assert not BacklogItem.objects.filter(circle=h.circle).exists()


def test_the_pages_refuse_a_proposal_and_a_backlog_item_with_a_clear_message(client, ended):
    h = ended
    client.force_login(h.member)
    events = LedgerEvent.objects.count()
    for name in ("proposal_create", "backlog_add"):
        shown = client.get(_url(name, "paths"))
        assert shown.status_code == 409
        page = shown.content.decode()
        assert "This circle has ended" in page and "takes no new proposals" in page
        sent = client.post(_url(name, "paths"), {"title": "More", "driver": "Why.",
                                                 "text": "What.", "topic": "More"})  # fmt: skip
        assert sent.status_code == 409
        assert "takes no new proposals" in sent.content.decode()
    assert not Proposal.objects.filter(circle=h.circle).exists()
    assert not BacklogItem.objects.filter(circle=h.circle, topic="More").exists()
    assert LedgerEvent.objects.count() == events
    # someone from another circle cannot raise a topic with it either
    client.force_login(h.parent_member)
    assert client.post(_url("backlog_add", "paths"), {"topic": "More"}).status_code == 409


def test_presenting_a_draft_or_opening_a_round_is_refused_with_the_reason(client, helping):
    h = helping
    draft = _proposal(h.circle, h.member, "Late idea")
    open_one = _proposal(h.circle, h.member, "Width")
    services.present(proposal=open_one, actor=h.member)
    _run_out(h.circle)
    _hourly_run()
    client.force_login(h.member)
    presented = client.post(_url("proposal_present", draft.pk), {"mode": "async"})
    assert presented.status_code == 409
    assert "takes no new proposals" in presented.content.decode()
    draft.refresh_from_db()
    assert draft.state == Proposal.State.DRAFT
    client.force_login(h.steward)
    opened = client.post(_url("round_open", open_one.pk), {"subject": "proposal"})
    assert opened.status_code == 409
    assert "takes no new proposals" in opened.content.decode()
    assert not ConsentRound.objects.filter(proposal=open_one).exists()


def test_the_api_answers_409_with_the_reason(client, ended):
    h = ended
    api = ApiClient(client)
    answer = api.post(f"/circles/{h.circle.pk}/proposals",
                      {"title": "More", "driver": "Why.", "text": "What."}, as_=h.member)  # fmt: skip
    assert answer.status == 409 and "ended on" in answer.detail
    answer = api.post(f"/circles/{h.circle.pk}/backlog", {"topic": "More"}, as_=h.member)
    assert answer.status == 409 and "ended on" in answer.detail
    assert not Proposal.objects.filter(circle=h.circle).exists()
    shown = api.get(f"/circles/{h.circle.pk}", as_=h.member)
    assert shown.status == 200 and shown.body["ended_at"] is not None


def test_the_api_shows_a_handed_back_proposal_and_refuses_its_round(client, helping):
    h = helping
    proposal = _proposal(h.circle, h.member, "Width")
    services.present(proposal=proposal, actor=h.member)
    _run_out(h.circle)
    _hourly_run()
    api = ApiClient(client)
    shown = api.get(f"/proposals/{proposal.pk}", as_=h.member)
    assert shown.status == 200 and shown.body["state"] == "handed_back"
    assert shown.body["handed_to_id"] == h.parent.pk
    opened = api.post(f"/proposals/{proposal.pk}/rounds", {"subject": "proposal"}, as_=h.steward)
    assert opened.status == 409 and "ended on" in opened.detail


def test_its_end_date_is_not_edited_back_by_hand(ended):
    h = ended
    with pytest.raises(ServiceError) as refused:
        circle_services.update_circle(
            circle=h.circle, actor=f.admin_of(h.circle.organisation),
            ends_on=_today() + dt.timedelta(days=30),
        )  # fmt: skip
    assert refused.value.status == 409 and "parent circle" in refused.value.text


# Shown as ended ------------------------------------------------------------------------------


def test_the_circle_page_chart_and_list_show_it_as_ended(client, ended):
    h = ended
    client.force_login(h.parent_member)
    date = (_today() - dt.timedelta(days=1)).strftime("%-d %b %Y")
    page = client.get(reverse("circles:circle_detail", args=["willow", "paths"])).content.decode()
    assert f"Ended on {date}" in page
    assert "This helping circle ended on" in page and "ends on" not in page
    # General's member may propose the extension there
    assert f"{_url('proposal_create', 'general')}?extend=paths" in page
    chart = client.get(reverse("circles:org_chart", args=["willow"])).content.decode()
    assert f'aria-label="{FSI}Paths{PDI}. Ended on {date}.' in chart
    assert chart.count("c-disc c-ended") == 1
    # and the chart's legend says what the muted, dashed circle means
    assert "legend-ended" in chart and "whose mandate has ended" in chart
    listed = client.get(reverse("circles:circle_list", args=["willow"])).content.decode()
    assert f"ended on {date}" in listed and listed.count("ended on") == 1


def test_the_ended_circles_pages_offer_no_new_proposal_or_topic_and_say_why(client, ended):
    client.force_login(ended.member)
    proposals = client.get(_url("circle_proposals", "paths")).content.decode()
    assert _url("proposal_create", "paths") not in proposals
    assert "takes no new proposals" in proposals
    backlog = client.get(_url("backlog", "paths")).content.decode()
    assert _url("backlog_add", "paths") not in backlog
    assert "takes no new proposals" in backlog


def test_the_parents_backlog_names_and_links_the_ended_circle(client, helping):
    h = helping
    services.add_backlog_item(circle=h.circle, actor=h.member, topic="Gravel order")
    _run_out(h.circle)
    _hourly_run()
    client.force_login(h.parent_member)
    page = client.get(_url("backlog", "general")).content.decode()
    paths_url = reverse("circles:circle_detail", args=["willow", "paths"])
    assert "Gravel order" in page
    assert f'<a href="{paths_url}"><bdi>Paths</bdi></a>' in page
    assert "Left open by a helping circle that ended" in page


@pytest.mark.parametrize("page", ["circles:org_chart", "circles:circle_list"])
def test_ended_circles_cost_the_chart_and_list_no_extra_queries(client, world, helping, page):
    def queries() -> int:
        client.force_login(helping.parent_member)
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(page, args=["willow"])).status_code == 200
        return len(captured)

    _run_out(helping.circle)
    _hourly_run()
    one = queries()
    for n in range(3):
        f.make_circle(world.org, f"Helpers {n}", parent=world.general, kind="helping",
                      ends_on=_today() - dt.timedelta(days=2))  # fmt: skip
    _hourly_run()
    assert Circle.objects.filter(ended_at__isnull=False).count() == 4
    assert queries() == one


# Extension by the parent's consent ---------------------------------------------------------


def test_the_parent_extends_the_mandate_by_consent_and_the_circle_works_again(client, ended):
    h = ended
    # the ended circle's page leads General's member to a prefilled proposal in General
    client.force_login(h.parent_member)
    form = client.get(_url("proposal_create", "general") + "?extend=paths").content.decode()
    assert "Extend the mandate of Paths" in form
    assert f'<option value="{h.circle.pk}" selected>' in form
    until = _today() + dt.timedelta(days=90)
    sent = client.post(_url("proposal_create", "general"), {
        "title": "Extend the mandate of Paths", "driver": "The paths are not done.",
        "text": "Three more months.", "review_on": (_today() + dt.timedelta(days=365)).isoformat(),
        "extends_circle": h.circle.pk, "extends_until": until.isoformat(),
    })  # fmt: skip
    assert sent.status_code == 302
    proposal = Proposal.objects.get(circle=h.parent)
    assert proposal.extends_circle_id == h.circle.pk and proposal.extends_until == until
    # while it is only proposed, Paths has still ended
    h.circle.refresh_from_db()
    assert h.circle.has_ended
    shown = client.get(_url("proposal_detail", proposal.pk)).content.decode()
    assert "Extends the mandate of" in shown and "<bdi>Paths</bdi></a>" in shown
    # when General consents
    services.present(proposal=proposal, actor=h.parent_member)
    _consent_all(proposal, h.parent_steward)
    # then Paths works again, until the new date, and the ledger says so
    h.circle.refresh_from_db()
    assert not h.circle.has_ended and h.circle.ends_on == until
    event = LedgerEvent.objects.get(verb="circle.mandate_extended")
    assert event.payload["reopened"] is True and event.actor_id is None
    said = feed.sentence(event)
    assert "<bdi>General</bdi>" in said.html and "<bdi>Paths</bdi>" in said.html
    # and it takes proposals again
    assert _proposal(h.circle, h.member, "Next stretch").circle_id == h.circle.pk
    _hourly_run()
    h.circle.refresh_from_db()
    assert not h.circle.has_ended


def test_only_the_parent_extends_and_only_its_own_helping_circles(world, ended):
    h = ended
    until = _today() + dt.timedelta(days=90)
    # the ended circle cannot extend itself (it takes no proposals), nor can a sibling
    with pytest.raises(ServiceError):
        _proposal(h.circle, h.member, "Extend us", extends_circle=h.circle, extends_until=until)
    f.add(world.garden, h.parent_member)
    with pytest.raises(ServiceError) as refused:
        _proposal(world.garden, h.parent_member, "Extend Paths", extends_circle=h.circle,
                  extends_until=until)  # fmt: skip
    assert refused.value.field == "extends_circle"
    # and the new end date must be in the future
    with pytest.raises(ServiceError) as refused:
        _proposal(h.parent, h.parent_member, "Extend Paths", extends_circle=h.circle,
                  extends_until=_today())  # fmt: skip
    assert refused.value.field == "extends_until"


# Private helping circles ---------------------------------------------------------------------


def test_a_private_helping_circles_name_does_not_reach_the_parents_members(
    client, world, helping, django_capture_on_commit_callbacks
):
    h = helping
    hush = f.make_circle(world.org, "Hushhush", parent=h.parent, kind="helping",
                         visibility="private", ends_on=_today() - dt.timedelta(days=1))  # fmt: skip
    f.add(hush, h.member)
    circle_services.end_membership(circle=hush, user=world.admin, actor=world.admin)
    services.add_backlog_item(circle=hush, actor=h.member, topic="Quiet topic")
    with django_capture_on_commit_callbacks(execute=True):
        _hourly_run()
    hush.refresh_from_db()
    assert hush.has_ended
    # the work is on General's backlog
    assert BacklogItem.objects.open().filter(circle=h.parent, topic="Quiet topic").exists()
    # but General's members outside it read no name: not in the notification, feed or backlog
    told = LedgerEvent.objects.get(verb="circle.helping_ended")
    assert Notification.objects.filter(recipient=h.parent_member, event=told).exists()
    assert "Hushhush" not in feed.sentence(told).html
    assert "private helping circle" in feed.sentence(told).text
    client.force_login(h.parent_member)
    for url in (
        reverse("notifications:list"),
        _url("backlog", "general"),
        reverse("circles:circle_feed", args=["willow", "general"]),
        reverse("circles:org_feed", args=["willow"]),
        reverse("circles:org_chart", args=["willow"]),
        reverse("circles:circle_list", args=["willow"]),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "Hushhush" not in page.content.decode(), url
    # its own member still sees it, ended
    client.force_login(h.member)
    page = client.get(reverse("circles:circle_detail", args=["willow", "hushhush"]))
    assert "Ended on" in page.content.decode()


def test_the_api_refuses_an_extension_of_a_circle_it_cannot_extend(client, world, helping):
    h = helping
    api = ApiClient(client)
    body = {"title": "Extend", "driver": "Why.", "text": "What.",
            "extends_until": (_today() + dt.timedelta(days=30)).isoformat()}  # fmt: skip
    for odd in (world.garden.pk, world.care.pk, 2**70, -1):
        answer = api.post(f"/circles/{h.parent.pk}/proposals", {**body, "extends_circle_id": odd},
                          as_=h.parent_member)  # fmt: skip
        assert 400 <= answer.status < 500, (odd, answer.body)
    assert not Proposal.objects.filter(circle=h.parent).exists()
    # and one it can, with its date
    answer = api.post(f"/circles/{h.parent.pk}/proposals",
                      {**body, "extends_circle_id": h.circle.pk}, as_=h.parent_member)  # fmt: skip
    assert answer.status == 201
    assert answer.body["extends_circle_id"] == h.circle.pk
