"""A person's calendar feed (accounts.calendar): the deadlines that concern them, at a secret
address that a calendar application reads without signing in, in their own time zone."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from circlewise.accounts import services
from circlewise.accounts.calendar import token_for
from circlewise.circles import services as services_circles
from circlewise.decisions import services as decisions

from .. import factories as f


def _events(body: bytes) -> dict[str, object]:
    cal = Calendar.from_ical(body)
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


def _feed(user) -> str:
    feed = services.renew_calendar_feed(user=user)
    return reverse("calendar_feed", args=[token_for(feed)])


def _presented(world, circle, title, until):
    proposal = decisions.create_proposal(
        circle=circle, author=world.circle_member, title=title, driver="Why.", text="What.",
    )  # fmt: skip
    decisions.present(proposal=proposal, actor=world.circle_member, clarifying_until=until)
    return proposal


def test_the_feed_holds_a_step_closing_in_the_readers_time_zone(world):
    # given a proposal in Garden whose questions close on 3 March at 18:00 UTC
    until = dt.datetime(2027, 3, 3, 18, 0, tzinfo=dt.UTC)
    _presented(world, world.garden, "Rain barrels", until)
    world.circle_member.timezone = "America/New_York"
    world.circle_member.save(update_fields=["timezone"])
    # when a calendar application reads the member's address, without signing in
    answer = Client().get(_feed(world.circle_member))
    # then it is a calendar with the step's end, in her zone (13:00 in New York)
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
    events = _events(answer.content)
    event = events["Clarifying questions close: Rain barrels"]
    start = event["dtstart"].dt
    assert start == until and str(start.tzinfo) == "America/New_York" and start.hour == 13
    assert b"BEGIN:VTIMEZONE" in answer.content and b"TZID:America/New_York" in answer.content
    assert str(event["url"]).endswith(
        reverse("decisions:proposal_detail", args=[world.org.slug, event["uid"].split("-")[1]])
    )


def test_a_private_circles_deadline_reaches_only_its_members(world):
    _presented(world, world.care, "Secret visits rota", timezone.now() + dt.timedelta(days=2))
    mine = Client().get(_feed(world.circle_member)).content
    theirs = Client().get(_feed(world.member)).content
    assert b"Secret visits rota" in mine
    assert b"Secret visits rota" not in theirs


def test_a_new_address_ends_the_old_one_and_stopping_ends_both(world):
    old = _feed(world.member)
    new = _feed(world.member)
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert services.stop_calendar_feed(user=world.member)
    assert Client().get(new).status_code == 404
    # and an address nobody signed is missing, like any other
    assert Client().get(reverse("calendar_feed", args=["made-up"])).status_code == 404


def test_the_calendar_page_shows_the_address_and_makes_a_new_one(client, world):
    client.force_login(world.member)
    page = client.get(reverse("calendar"))
    assert "You have no calendar address yet." in page.content.decode()
    made = client.post(reverse("calendar"), {"action": "renew"})
    assert made.status_code == 302
    page = client.get(reverse("calendar")).content.decode()
    feed = world.member.calendar_feed
    assert reverse("calendar_feed", args=[token_for(feed)]) in page
    # a request that is neither is refused with a message, and nothing changes
    client.post(reverse("calendar"), {"action": "explode"})
    feed.refresh_from_db()
    assert (
        reverse("calendar_feed", args=[token_for(feed)])
        in client.get(reverse("calendar")).content.decode()
    )


def test_a_deactivated_account_has_no_feed(world):
    address = _feed(world.member)
    world.member.is_active = False
    world.member.save(update_fields=["is_active"])
    assert Client().get(address).status_code == 404


def test_terms_ending_are_all_day_for_the_holder_and_the_circles_secretary(world):
    # given Cy's term as a role of Garden ending in ten days, and a secretary of Garden
    end = timezone.localdate() + dt.timedelta(days=10)
    role = services_circles.create_role(circle=world.garden, actor=world.admin, name="Seed keeper")
    services_circles.assign_role(
        role=role, holder=world.circle_member, actor=world.admin, term_end=end
    )
    secretary = f.join(world.org, name="Sid Secretary")
    f.add(world.garden, secretary)
    f.give_role(world.garden, "secretary", secretary)
    # then Cy's calendar says her term ends, all day on that date
    mine = _events(Client().get(_feed(world.circle_member)).content)
    event = mine["Your term as Seed keeper ends"]
    assert event["dtstart"].dt == end and event["dtend"].dt == end + dt.timedelta(days=1)
    # and the secretary's names her; someone else in the organisation sees nothing of it
    theirs = _events(Client().get(_feed(secretary)).content)
    assert f"{world.circle_member.name}'s term as Seed keeper ends" in theirs
    assert not [s for s in _events(Client().get(_feed(world.member)).content) if "Seed keeper" in s]
