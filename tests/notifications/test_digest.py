"""Digests (notifications/digests.py), through a real SMTP server: one email a day or a week with
what needs the person, what their circles decided, reviews and terms due, then the news they
chose to hear of that way; nothing when nothing happened; never twice; nothing private."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from circlewise.circles import services as circles
from circlewise.decisions import services as decisions
from circlewise.notifications import services
from circlewise.notifications.digests import send_digests
from circlewise.notifications.models import Digest

from .. import factories as f


def _round(world, circle, title, steward=None):
    steward = steward or world.facilitator
    proposal = decisions.create_proposal(
        circle=circle, author=world.circle_member, title=title, driver="Why.", text="What.",
    )  # fmt: skip
    decisions.present(proposal=proposal, actor=world.circle_member)
    decisions.advance(proposal=proposal, actor=steward)
    decisions.advance(proposal=proposal, actor=steward)
    return decisions.open_consent_round(proposal=proposal, actor=steward)


def _digests(smtp, address=None):
    """The digests the server received (not the emails sent at once), to `address` if given."""
    return [
        r for r in (smtp.to(address) if address else smtp.received)
        if str(r.message["X-Circlewise-Kind"]).startswith("digest")
    ]  # fmt: skip


def test_nothing_happened_so_no_digest_is_sent(world, smtp):
    run = send_digests(frequency="daily")
    assert run.people >= 3 and run.sent == 0 and _digests(smtp) == []
    assert Digest.objects.filter(empty=True).count() == run.empty


def test_a_daily_digest_lists_what_needs_you_first_with_its_end(
    world, smtp, django_capture_on_commit_callbacks
):
    # given a round in Garden waiting for Cy, and the circle's news meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        round_ = _round(world, world.garden, "Compost bins")
    now = timezone.now() + dt.timedelta(minutes=1)
    # when the daily digests go out
    run = send_digests(frequency="daily", now=now)
    # then Cy gets one email, what needs her first, with the round's end and a link to answer
    mine = _digests(smtp, world.circle_member.email)
    assert run.sent >= 1 and len(mine) == 1
    mail = mine[0]
    text = mail.part("text/plain")
    assert mail.message["Subject"].startswith("Your day in Willow Ecovillage")
    assert "What needs you" in text
    if "Also in your circles" in text:
        assert text.index("What needs you") < text.index("Also in your circles")
    assert "Consent or object: Compost bins" in text
    assert f"/o/willow/proposals/{round_.proposal_id}/#answer" in text
    html = mail.part("text/html")
    assert "Compost bins" in html and 'lang="en"' in html
    assert mail.message["List-Unsubscribe"].startswith("<https://willow.example.org/")
    # and a second run of the same day (in Cy's time zone: two hours on, or just before
    # midnight if that comes first) sends nothing again
    local = now.astimezone(zoneinfo.ZoneInfo(world.circle_member.timezone or "UTC"))
    end_of_day = local.replace(hour=23, minute=59, second=59, microsecond=0)
    again = send_digests(frequency="daily", now=min(now + dt.timedelta(hours=2), end_of_day))
    assert again.sent == 0 and len(_digests(smtp, world.circle_member.email)) == 1


def _care_members(world):
    from circlewise.circles.models import CircleMembership

    return [
        m.user
        for m in CircleMembership.objects.current().filter(circle=world.care).select_related("user")
    ]


def test_no_one_outside_a_private_circle_reads_its_canary(
    world, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        f.give_role(world.care, "facilitator", world.circle_member)
        _round(world, world.care, "Secretcare canary 7f3a", steward=world.circle_member)
        f.add(world.garden, world.member)  # and Mo, outside Care, has a round of his own
        _round(world, world.garden, "Open gate")
    send_digests(frequency="daily", now=timezone.now() + dt.timedelta(minutes=1))
    members = {p.email for p in _care_members(world)}
    outside = [r for r in _digests(smtp) if r.rcpt_tos[0] not in members]
    assert outside  # others got digests too, without it
    for received in outside:
        assert "7f3a" not in received.part("text/plain") + received.part("text/html")
    assert any("7f3a" in r.part("text/plain") for r in _digests(smtp) if r.rcpt_tos[0] in members)


def test_news_chosen_for_the_weekly_digest_comes_weekly_not_daily(
    world, smtp, django_capture_on_commit_callbacks
):
    # given Mo wants circle news weekly, and news in Garden
    services.set_email_preferences(
        user=world.member, organisation=world.org, choices={"circle": "weekly"}
    )
    f.add(world.garden, world.member)
    with django_capture_on_commit_callbacks(execute=True):
        circles.update_circle(circle=world.garden, actor=world.admin, aim="Fix the tap.")
    now = timezone.now() + dt.timedelta(minutes=1)
    daily = send_digests(frequency="daily", now=now)
    mo_daily = _digests(smtp, world.member.email)
    weekly = send_digests(frequency="weekly", now=now)
    mo_weekly = _digests(smtp, world.member.email)[len(mo_daily) :]
    assert daily.people == weekly.people
    assert not [m for m in mo_daily if "the circle Garden" in m.part("text/plain")]
    said = "updated the description of the circle Garden"
    assert [m for m in mo_weekly if said in m.part("text/plain")]


def test_a_failed_digest_is_sent_by_the_next_run_and_only_once(
    world, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _round(world, world.garden, "Rain tank")
    now = timezone.now() + dt.timedelta(minutes=1)
    smtp.refuse = 100  # the mail server refuses everything for a while
    first = send_digests(frequency="daily", now=now)
    assert first.failed >= 1 and first.sent == 0
    smtp.refuse = 0
    second = send_digests(frequency="daily", now=now + dt.timedelta(minutes=30))
    assert second.sent == first.failed
    assert len(_digests(smtp, world.circle_member.email)) == 1


def test_a_digest_is_read_in_the_same_queries_however_much_it_holds(
    world, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from circlewise.notifications.digests import contents_of
    from circlewise.notifications.models import Frequency

    counts = []
    for n in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            for i in range(1 + 3 * n):
                _round(world, world.garden, f"Round {n}-{i}")
        now = timezone.now() + dt.timedelta(minutes=1)
        since = now - dt.timedelta(days=1)
        with CaptureQueriesContext(connection) as captured:
            contents = contents_of(world.circle_member, world.org, Frequency.DAILY, since, now)
        counts.append(len(captured.captured_queries))
        assert len(contents.needs) >= 1 + 3 * n
    assert counts[0] == counts[1]
