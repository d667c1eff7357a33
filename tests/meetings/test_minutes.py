"""Minutes: drafted from the meeting when it closes, written up by its secretary, approved, and
then kept as they are (their hash in the ledger), told and emailed to the circle's members; a
draft is its keepers' alone."""

from __future__ import annotations

import datetime as dt
import hashlib
import pathlib
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.meetings import services, services_actions
from circlewise.meetings import services_minutes as minutes
from circlewise.meetings import services_room as room
from circlewise.meetings.models import Meeting, Minutes
from tests import factories as f


@pytest.fixture
def held(world):
    meeting = services.plan_meeting(
        circle=world.garden, actor=world.facilitator, title="Harvest planning",
        starts_at=timezone.now() + dt.timedelta(hours=1),
    )  # fmt: skip
    item = services.add_agenda_item(
        meeting=meeting, actor=world.facilitator, title="Apple press", outcome="decide"
    )
    room.open_room(meeting=meeting, actor=world.facilitator)
    room.join_room(meeting=meeting, user=world.circle_member)
    room.move_to(meeting=meeting, actor=world.facilitator, phase="items", item=item)
    round_ = room.start_round(meeting=meeting, actor=world.facilitator, kind="clarifying")
    room.end_round(round_=round_, actor=world.facilitator)
    services_actions.add_action_item(
        circle=world.garden, actor=world.facilitator, title="Borrow a press",
        owner=world.circle_member, meeting=meeting,
    )  # fmt: skip
    room.close_room(meeting=meeting, actor=world.facilitator)
    meeting.refresh_from_db()
    return meeting


def test_closing_the_meeting_drafts_its_minutes_from_the_meeting(world, held):
    text = Minutes.objects.get(meeting=held).text
    assert text.startswith("# Harvest planning")
    assert "Fay Facilitator, Cy Circle" in text and "1. **Apple press** (decide)" in text
    assert "Clarifying round: 1 turn" in text and "- Borrow a press (Cy Circle, no date)" in text


def test_approved_minutes_no_longer_change_and_the_ledger_holds_their_hash(
    world, held, smtp, django_capture_on_commit_callbacks
):
    minutes.edit_minutes(meeting=held, actor=world.facilitator, text="# Harvest\n\nWe agreed.")
    with django_capture_on_commit_callbacks(execute=True):
        approved = minutes.approve_minutes(meeting=held, actor=world.facilitator)
    event = LedgerEvent.objects.get(verb="minutes.approved")
    assert event.payload["sha256"] == hashlib.sha256(approved.text.encode()).hexdigest()
    assert "We agreed" not in str(event.payload)
    assert len(smtp.to(world.circle_member.email)) == 1  # told at once, by email too
    with pytest.raises(ServiceError) as refused:
        minutes.edit_minutes(meeting=held, actor=world.facilitator, text="Changed.")
    assert refused.value.status == 409
    assert Minutes.objects.get(meeting=held).text == "# Harvest\n\nWe agreed.\n"


def test_a_draft_is_its_keepers_and_the_approved_minutes_everyones(client, world, held):
    url = reverse("meetings:meeting_minutes", args=["willow", held.pk])
    client.force_login(world.circle_member)  # a member, not keeping the agenda
    assert "being written up" in client.get(url).content.decode()
    assert client.post(url, {"text": "Mine now"}).status_code == 403
    client.force_login(world.facilitator)
    page = client.get(url).content.decode()
    assert "Approve the minutes" in page and "Apple press" in page
    assert client.post(url, {"text": ""}).status_code == 400
    answer = client.post(url, {"text": "# Harvest\n\n**We agreed.**", "approve": "1"})
    assert answer.status_code == 302
    client.force_login(world.member)  # in Willow, not in Garden: sees Garden's record
    page = client.get(url).content.decode()
    assert "<strong>We agreed.</strong>" in page and "Approved by" in page
    md = client.get(url + "?format=md")
    assert (
        md["Content-Type"].startswith("text/markdown")
        and md.content == b"# Harvest\n\n**We agreed.**\n"
    )


# Lazy consent --------------------------------------------------------------------------------


def _minutes_url(meeting):
    return reverse("meetings:meeting_minutes", args=["willow", meeting.pk])


def test_sending_for_consent_tells_and_emails_the_members_the_text(
    client, world, held, smtp, django_capture_on_commit_callbacks
):
    # given minutes written up by the facilitator
    client.force_login(world.facilitator)
    url = _minutes_url(held)
    # when they send them to the members for consent, with the default time of 7 days
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            url, {"text": "# Harvest\n\nWe agreed on **the press**.", "action": "send", "days": "7"}
        )
    # then the minutes are out for consent for a week, and the ledger says so with their hash
    assert answer.status_code == 302
    sent = Minutes.objects.get(meeting=held)
    assert sent.status == Minutes.Status.CONSENT and sent.consent_round == 1
    assert abs(sent.consent_until - (timezone.now() + dt.timedelta(days=7))) < dt.timedelta(
        minutes=1
    )
    event = LedgerEvent.objects.get(verb="minutes.sent_for_consent")
    assert event.payload["days"] == 7 and "We agreed" not in str(event.payload)
    assert event.payload["sha256"] == hashlib.sha256(sent.text.encode()).hexdigest()
    # and each member is emailed the text itself, rendered, with the date to object by
    [mail] = smtp.to(world.circle_member.email)
    assert "minutes" in mail.message["Subject"]
    assert "<strong>the press</strong>" in mail.part("text/html")
    assert "We agreed on **the press**." in mail.part("text/plain")
    assert "object on their page" in mail.part("text/plain")
    assert mail.message["X-Circlewise-Kind"] == "minutes"
    assert not smtp.to(world.facilitator.email)  # who sent them is not told of their own act
    # and a member of the circle reads them, with the form to object
    client.force_login(world.circle_member)
    page = client.get(url).content.decode()
    assert "<strong>the press</strong>" in page and "Object to the minutes" in page


@pytest.mark.parametrize("days", ["0", "31", "seven", "", "-3"])
def test_the_time_to_object_is_1_to_30_days(client, world, held, days):
    client.force_login(world.facilitator)
    before = Minutes.objects.get(meeting=held).text
    answer = client.post(_minutes_url(held), {"action": "send", "days": days})
    assert answer.status_code == 400
    assert "from 1 to 30" in answer.content.decode()
    minutes_now = Minutes.objects.get(meeting=held)
    assert minutes_now.status == Minutes.Status.DRAFT and minutes_now.text == before
    assert not LedgerEvent.objects.filter(verb="minutes.sent_for_consent").exists()


def test_sending_is_for_those_who_keep_the_minutes(client, world, held):
    client.force_login(world.circle_member)
    assert client.post(_minutes_url(held), {"action": "send", "days": "7"}).status_code == 403
    with pytest.raises(ServiceError) as refused:
        minutes.send_for_consent(meeting=held, actor=world.circle_member)
    assert refused.value.status == 403
    assert Minutes.objects.get(meeting=held).status == Minutes.Status.DRAFT


def test_an_objection_takes_the_minutes_back_to_the_secretary_and_a_new_sending_a_new_period(
    client, world, held, django_capture_on_commit_callbacks
):
    # given minutes out for consent for 3 days
    minutes.send_for_consent(meeting=held, actor=world.facilitator, days=3)
    object_url = reverse("meetings:minutes_object", args=["willow", held.pk])
    # when someone outside the circle tries to object, and a member objects without a reason
    client.force_login(world.member)
    assert client.post(object_url, {"reason": "Not mine."}).status_code == 403
    client.force_login(world.circle_member)
    empty = client.post(object_url, {"reason": "   "})
    assert empty.status_code == 400 and "Say what is wrong" in empty.content.decode()
    assert Minutes.objects.get(meeting=held).status == Minutes.Status.CONSENT
    # and then with one
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(object_url, {"reason": "The press is <b>borrowed</b>, not bought."})
    # then the minutes are a draft again, and the facilitator is told and sees why
    assert answer.status_code == 302
    assert Minutes.objects.get(meeting=held).status == Minutes.Status.DRAFT
    event = LedgerEvent.objects.get(verb="minutes.objected")
    assert event.actor == world.circle_member and "borrowed" not in str(event.payload)
    assert world.facilitator.notifications.filter(event=event).exists()
    assert "being written up" in client.get(_minutes_url(held)).content.decode()  # a draft
    client.force_login(world.facilitator)
    page = client.get(_minutes_url(held)).content.decode()
    assert "Objections from the members" in page
    assert "The press is &lt;b&gt;borrowed&lt;/b&gt;, not bought." in page
    # when they work it in and send the minutes again
    minutes.edit_minutes(meeting=held, actor=world.facilitator, text="# Harvest\n\nBorrowed.")
    again = minutes.send_for_consent(meeting=held, actor=world.facilitator, days=10)
    # then a new period starts, and the earlier objection belongs to the earlier sending
    assert again.consent_round == 2 and again.status == Minutes.Status.CONSENT
    assert again.consent_until > timezone.now() + dt.timedelta(days=9)
    assert again.objections.get().consent_round == 1
    # and objecting once the period is over is refused, changing nothing
    later = timezone.now() + dt.timedelta(days=11)
    Minutes.objects.filter(pk=again.pk).update(consent_until=timezone.now())
    with pytest.raises(ServiceError) as refused:
        minutes.object_to_minutes(meeting=held, user=world.circle_member, reason="Late.")
    assert refused.value.status == 409 and "ended" in refused.value.text
    assert minutes.approve_by_lazy_consent(now=later) == 1


def test_changing_minutes_out_for_consent_takes_them_back_to_draft(world, held):
    minutes.send_for_consent(meeting=held, actor=world.facilitator)
    changed = minutes.edit_minutes(meeting=held, actor=world.facilitator, text="# Typo fixed")
    assert changed.status == Minutes.Status.DRAFT
    assert (
        LedgerEvent.objects.filter(verb="minutes.edited").last().payload["withdrawn_from_consent"]
    )


def test_with_no_objection_the_minutes_are_approved_by_lazy_consent_when_the_period_ends(
    world, held, smtp, django_capture_on_commit_callbacks
):
    # given minutes out for consent for 2 days
    minutes.edit_minutes(meeting=held, actor=world.facilitator, text="# Harvest\n\n*Agreed.*")
    with django_capture_on_commit_callbacks(execute=True):
        sent = minutes.send_for_consent(meeting=held, actor=world.facilitator, days=2)
    smtp.received.clear()
    # when the periodic task runs before the end, and after it
    assert minutes.approve_by_lazy_consent(now=timezone.now() + dt.timedelta(days=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        done = minutes.approve_by_lazy_consent(now=sent.consent_until + dt.timedelta(minutes=1))
    # then they are approved once, by nobody in person: the circle, by lazy consent
    assert done == 1
    assert minutes.approve_by_lazy_consent(now=sent.consent_until + dt.timedelta(days=1)) == 0
    approved = Minutes.objects.get(meeting=held)
    assert approved.is_approved and approved.approved_by is None and approved.approved_by_consent
    event = LedgerEvent.objects.get(verb="minutes.approved")
    assert event.actor is None and event.payload["by_consent"] is True
    assert event.payload["sha256"] == hashlib.sha256(approved.text.encode()).hexdigest()
    from circlewise.core import feed

    assert "by lazy consent" in feed.sentence(event).text
    assert "<bdi>Garden</bdi>" in feed.sentence(event).html
    # and every member (the facilitator too) is emailed the approved text, with a link
    for person in (world.circle_member, world.facilitator):
        [mail] = smtp.to(person.email)
        assert "<em>Agreed.</em>" in mail.part("text/html")
        assert _minutes_url(held) in mail.part("text/plain")
    # and they no longer change, nor take objections
    with pytest.raises(ServiceError):
        minutes.object_to_minutes(meeting=held, user=world.circle_member, reason="Too late.")


def test_the_periodic_task_approves_through_the_service(world, held):
    from circlewise.meetings import tasks

    sent = minutes.send_for_consent(meeting=held, actor=world.facilitator, days=1)
    Minutes.objects.filter(pk=sent.pk).update(consent_until=timezone.now())
    assert tasks.approve_minutes_by_consent.call() == 1
    assert Minutes.objects.get(pk=sent.pk).is_approved


# At the next meeting ---------------------------------------------------------------------------


def test_the_next_meeting_shows_the_previous_minutes_to_approve(client, world, held):
    # given the circle's next meeting, and the held meeting's minutes still a draft
    nxt = services.plan_meeting(
        circle=world.garden, actor=world.facilitator,
        starts_at=timezone.now() + dt.timedelta(days=7),
    )  # fmt: skip
    detail = reverse("meetings:meeting_detail", args=["willow", nxt.pk])
    # when its facilitator opens it
    client.force_login(world.facilitator)
    page = client.get(detail).content.decode()
    # then its administration shows the previous minutes, with a link and the approve action
    assert "Administration: the previous minutes" in page
    assert f'href="{_minutes_url(held)}"' in page and "Approve the previous minutes" in page
    # while a member sees nothing of a draft, and no approve action on minutes out for consent
    client.force_login(world.circle_member)
    assert "the previous minutes" not in client.get(detail).content.decode()
    minutes.send_for_consent(meeting=held, actor=world.facilitator)
    page = client.get(detail).content.decode()
    assert "out for consent until" in page and "Approve the previous minutes" not in page
    # when the facilitator approves them from there
    client.force_login(world.facilitator)
    answer = client.post(
        _minutes_url(held), {"action": "approve", "next": "meeting", "from": str(nxt.pk)}
    )
    # then they are approved, the facilitator is back at the meeting, which no longer shows them
    assert answer.status_code == 302 and answer["Location"] == detail
    assert Minutes.objects.get(meeting=held).approved_by == world.facilitator
    assert "the previous minutes" not in client.get(detail).content.decode()


# The circle's record, the search, print and Markdown ------------------------------------------


def _held_in(circle, keeper, title, text):
    meeting = services.plan_meeting(
        circle=circle, actor=keeper, title=title, starts_at=timezone.now() + dt.timedelta(hours=1)
    )
    room.open_room(meeting=meeting, actor=keeper)
    room.close_room(meeting=meeting, actor=keeper)
    minutes.edit_minutes(meeting=meeting, actor=keeper, text=text)
    minutes.approve_minutes(meeting=meeting, actor=keeper)
    return meeting


def test_approved_minutes_are_on_the_circles_record(client, world, held):
    minutes.approve_minutes(meeting=held, actor=world.facilitator)
    client.force_login(world.member)  # sees Garden, is not in it
    record = client.get(reverse("meetings:circle_minutes", args=["willow", "garden"]))
    assert record.status_code == 200 and "Harvest planning" in record.content.decode()
    meetings_page = client.get(reverse("meetings:circle_meetings", args=["willow", "garden"]))
    assert _minutes_url(held) in meetings_page.content.decode()
    client.force_login(world.outsider)
    assert (
        client.get(reverse("meetings:circle_minutes", args=["willow", "garden"])).status_code == 404
    )


def test_the_search_finds_approved_minutes_the_person_may_see_and_marks_the_match(client, world):
    # given approved minutes in Garden (open) and Care (private, Cy its secretary), and a draft
    f.give_role(world.care, "secretary", world.circle_member)
    _held_in(
        world.garden, world.facilitator, "Tools", "We bought a <script>x</script> SPADE today."
    )
    _held_in(world.care, world.circle_member, "Quiet", "A spade for the care room.")
    draft = services.plan_meeting(
        circle=world.garden,
        actor=world.facilitator,
        starts_at=timezone.now() + dt.timedelta(hours=2),
    )
    room.open_room(meeting=draft, actor=world.facilitator)
    room.close_room(meeting=draft, actor=world.facilitator)
    minutes.edit_minutes(meeting=draft, actor=world.facilitator, text="A spade, unapproved.")
    url = reverse("meetings:minutes_search", args=["willow"])
    # when a member of Willow outside Care searches, in their own time zone
    world.member.timezone = "Pacific/Auckland"
    world.member.save(update_fields=["timezone"])
    client.force_login(world.member)
    page = client.get(url, {"q": "Spade"}).content.decode()
    # then only Garden's approved minutes are found, the match marked, the rest escaped
    assert "1 meeting's minutes mention" in page
    assert "<mark>SPADE</mark>" in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<script>x" not in page and "care room" not in page and "unapproved" not in page
    when = timezone.localtime(
        Meeting.objects.get(title="Tools").starts_at, zoneinfo.ZoneInfo("Pacific/Auckland")
    )
    assert when.strftime("%H:%M") in page
    api = client.get("/api/v1/organisations/willow/minutes", {"q": "spade"}).json()
    assert [hit["title"] for hit in api["items"]] == ["Tools"]
    # and a member of Care finds both
    client.force_login(world.circle_member)
    page = client.get(url, {"q": "spade"}).content.decode()
    assert "2 meetings' minutes mention" in page and "care room" in page
    # and a LIKE wildcard is a character like any other
    assert "mention" in (page := client.get(url, {"q": "%%"}).content.decode())
    assert "0 meetings' minutes mention" in page
    # and the outsider finds nothing of Willow
    client.force_login(world.outsider)
    assert client.get(url, {"q": "spade"}).status_code == 404


@pytest.mark.parametrize(
    ("query", "says"),
    [("", "Type a word"), ("   ", "Type a word"), ("a", "at least 2"), ("x" * 201, "at most 200")],
)
def test_a_bad_search_says_what_is_wrong(client, world, query, says):
    client.force_login(world.member)
    answer = client.get(reverse("meetings:minutes_search", args=["willow"]), {"q": query})
    assert answer.status_code == 400 and says in answer.content.decode()


def test_the_markdown_export_is_for_who_may_read_the_minutes(client, world, held):
    client.force_login(world.circle_member)
    draft = client.get(_minutes_url(held) + "?format=md")
    assert not draft["Content-Type"].startswith("text/markdown")  # a draft is its keepers'
    minutes.approve_minutes(meeting=held, actor=world.facilitator)
    md = client.get(_minutes_url(held) + "?format=md")
    assert md["Content-Type"] == "text/markdown; charset=utf-8"
    day = timezone.localtime(held.starts_at).date().isoformat()
    assert md["Content-Disposition"] == f'attachment; filename="minutes-garden-{day}.md"'
    assert md.content.decode() == Minutes.objects.get(meeting=held).text
    client.force_login(world.outsider)
    assert client.get(_minutes_url(held) + "?format=md").status_code == 404


def test_the_print_stylesheet_hides_the_navigation_and_forms():
    css = (pathlib.Path(__file__).parents[2] / "circlewise/static/css/app.css").read_text()
    printing = css[css.index("@media print") :]
    for hidden in (".places", ".topbar", ".actions", "form", ".messages"):
        assert hidden in printing[: printing.index("display: none")]


# The API -------------------------------------------------------------------------------------


def test_the_api_sends_for_consent_takes_objections_and_searches(client, world, held):
    v1 = "/api/v1"
    client.force_login(world.facilitator)
    bad = client.post(
        f"{v1}/meetings/{held.pk}/minutes/consent", {"days": 40}, content_type="application/json"
    )
    assert bad.status_code == 400 and "from 1 to 30" in bad.json()["detail"]
    sent = client.post(
        f"{v1}/meetings/{held.pk}/minutes/consent", {"days": 5}, content_type="application/json"
    )
    assert sent.status_code == 200 and sent.json()["status"] == "consent"
    assert sent.json()["consent_round"] == 1 and "Apple press" in sent.json()["text"]
    client.force_login(world.member)  # not in Garden
    refused = client.post(
        f"{v1}/meetings/{held.pk}/minutes/objections", {"reason": "No."},
        content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 403
    client.force_login(world.circle_member)
    empty = client.post(
        f"{v1}/meetings/{held.pk}/minutes/objections", {"reason": ""},
        content_type="application/json",
    )  # fmt: skip
    assert empty.status_code == 400
    objected = client.post(
        f"{v1}/meetings/{held.pk}/minutes/objections", {"reason": "The date is wrong."},
        content_type="application/json",
    )  # fmt: skip
    assert objected.status_code == 201
    assert objected.json()["status"] == "draft" and objected.json()["text"] is None
    minutes.approve_minutes(meeting=held, actor=world.facilitator)
    found = client.get(f"{v1}/organisations/willow/minutes", {"q": "apple PRESS"}).json()
    assert found["count"] == 1 and "<mark>Apple press</mark>" in found["items"][0]["excerpt"]
    assert found["items"][0]["url"] == _minutes_url(held)
    assert client.get(f"{v1}/organisations/willow/minutes", {"q": "a"}).status_code == 400
