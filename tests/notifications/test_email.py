"""Notifications by email, through a real SMTP server (aiosmtpd on loopback, see conftest.py).

Each email is read back as a mail program reads it: its headers, both its parts, its links
followed with the recipient's own session, its one-click unsubscribe POSTed without one.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from circlewise.accounts.models import User
from circlewise.circles import services as circles
from circlewise.core.feed import DESCRIBERS
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services as decisions
from circlewise.decisions.models import ConsentResponse, Proposal
from circlewise.notifications import services
from circlewise.notifications.emails import read_unsubscribe_token, unsubscribe_token
from circlewise.notifications.models import (
    KIND_OF_VERB,
    EmailDelivery,
    EmailPreference,
    Frequency,
    Kind,
    Notification,
)
from tests.conftest import World

from .conftest import Inbox, Received

TITLE = "A teen room in the common house"
SITE = "https://willow.example.org"


def _proposal(world: World, title: str = TITLE) -> Proposal:
    proposal = decisions.create_proposal(
        circle=world.garden, author=world.circle_member, title=title,
        driver="The teenagers have nowhere to meet.", text="Turn the east room into theirs.",
    )  # fmt: skip
    decisions.present(proposal=proposal, actor=world.circle_member)
    return proposal


def _open_round(world: World, proposal: Proposal, **kwargs: Any) -> Any:
    return decisions.open_consent_round(proposal=proposal, actor=world.facilitator, **kwargs)


def _of_kind(inbox: Inbox, address: str, kind: Kind) -> list[Received]:
    return [r for r in inbox.to(address) if r.message["X-Circlewise-Kind"] == kind]


def _path(url: str) -> str:
    assert url.startswith(SITE + "/"), url
    return url.removeprefix(SITE).split("#", 1)[0]


def _links(received: Received) -> list[str]:
    return re.findall(r'href="([^"]+)"', received.part("text/html"))


def _choose(user: User, world: World, kind: Kind, frequency: Frequency) -> None:
    services.set_email_preferences(user=user, organisation=world.org, choices={kind: frequency})


def test_every_verb_with_a_sentence_has_a_kind():
    # given every verb some app describes
    # when each is looked up in the one table of kinds
    missing = sorted(verb for verb in DESCRIBERS if verb not in KIND_OF_VERB)
    # then each has its kind
    assert not missing, f"verbs without a kind of notification: {missing}"


# What asks something of the person comes at once ----------------------------------------


def test_a_consent_round_emails_each_member_at_once_with_consent_and_object_buttons(
    world: World, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given a proposal in Garden
    proposal = _proposal(world)
    # when the facilitator opens the consent round
    with django_capture_on_commit_callbacks(execute=True):
        _open_round(world, proposal)
    # then Cy, in the round, gets one email about it, and the facilitator none about their act
    (mail,) = _of_kind(smtp, world.circle_member.email, Kind.ROUND)
    assert _of_kind(smtp, world.facilitator.email, Kind.ROUND) == []
    message = mail.message
    assert message["Subject"] == f"Fay Facilitator opened the consent round on “{TITLE}” in Garden"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert "Willow Ecovillage" in str(message["From"])
    assert "circlewise@willow.example.org" in str(message["From"])
    assert str(message["To"]) == "Cy Circle <cy@example.org>"
    assert mail.rcpt_tos == ["cy@example.org"]
    assert re.fullmatch(
        rf"<{re.escape(SITE)}/email/unsubscribe/[^>]+/>", message["List-Unsubscribe"]
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"]
    # what is asked, in both parts, and the two answers as real links with their words
    text, html = mail.part("text/plain"), mail.part("text/html")
    for part in (text, html):
        assert "asks for your answer" in part
        assert "nothing is recorded until you confirm" in part
    detail = reverse("decisions:proposal_detail", args=["willow", proposal.pk])
    assert f'href="{SITE}{detail}?answer=consent#answer"' in html
    assert f'href="{SITE}{detail}?answer=object#answer"' in html
    assert re.search(r">Consent</a>", html) and re.search(r">Object</a>", html)
    assert '<html lang="en"' in html
    # and the delivery is recorded as sent, once
    delivery = EmailDelivery.objects.get(notification__recipient=world.circle_member)
    assert delivery.sent_at is not None and delivery.attempts == 1


def test_a_question_an_objection_and_a_reply_each_reach_whom_they_ask_at_once(
    world: World, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given Cy's proposal in Garden, being clarified
    proposal = _proposal(world)
    with django_capture_on_commit_callbacks(execute=True):
        # when the facilitator asks a question about it
        decisions.ask_question(proposal=proposal, member=world.facilitator, text="Which room?")
    # then its author hears at once
    (question,) = _of_kind(smtp, world.circle_member.email, Kind.PROPOSAL)
    assert TITLE in question.message["Subject"]
    assert "your proposal" in question.part("text/plain")
    # when, in the round, the facilitator objects and the author replies in the objection's thread
    with django_capture_on_commit_callbacks(execute=True):
        round_ = _open_round(world, proposal)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.respond(
            round_=round_, user=world.facilitator, answer="objection", reason="Noise at night."
        )
    objection = proposal.objections.get()
    with django_capture_on_commit_callbacks(execute=True):
        decisions.discuss_objection(objection=objection, author=world.circle_member, text="Why?")
    # then the author hears of the objection, and the objector of the reply, each at once
    assert len(_of_kind(smtp, world.circle_member.email, Kind.PROPOSAL)) == 2
    (reply,) = _of_kind(smtp, world.facilitator.email, Kind.THREAD)
    assert TITLE in reply.message["Subject"]
    objection_path = reverse("decisions:objection_detail", args=["willow", objection.pk])
    assert f"{SITE}{objection_path}" in reply.part("text/plain")


def test_a_topic_raised_from_outside_asks_the_facilitator_at_once(
    world: World, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given Mo, in no circle
    # when Mo raises a topic with Garden
    with django_capture_on_commit_callbacks(execute=True):
        decisions.add_backlog_item(circle=world.garden, actor=world.member, topic="Bike shed roof")
    # then Garden's facilitator is asked to take it up, at once
    (mail,) = _of_kind(smtp, world.facilitator.email, Kind.STEP)
    assert "Bike shed roof" in mail.message["Subject"]
    assert "facilitator or secretary" in mail.part("text/plain")


# The rest waits for the digest, unless chosen at once --------------------------------------


def _circle_news(world: World) -> User:
    circles.update_circle(circle=world.garden, actor=world.admin, aim="Grow more beans.")
    return world.circle_member


def _decision(world: World) -> User:
    proposal = _proposal(world, "Compost rota")
    round_ = _open_round(world, proposal)
    for person in round_.roster.select_related("user"):
        decisions.respond(round_=round_, user=person.user, answer="consent")
    assert Proposal.objects.get(pk=proposal.pk).state == Proposal.State.DECIDED
    return world.circle_member


def _role(world: World) -> User:
    from tests import factories as f

    f.give_role(world.garden, "secretary", world.circle_member)
    return world.circle_member


def _membership(world: World) -> User:
    circles.add_member(circle=world.garden, user=world.member, actor=world.admin)
    return world.member


NEWS = [
    (Kind.CIRCLE, _circle_news),
    (Kind.DECISION, _decision),
    (Kind.ROLE, _role),
    (Kind.MEMBERSHIP, _membership),
]


@pytest.mark.parametrize(("kind", "happen"), NEWS, ids=[k.value for k, _ in NEWS])
def test_news_waits_for_the_digest_by_default_and_comes_at_once_when_chosen(
    kind, happen, world: World, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given nobody has chosen anything (the default for news: the daily digest)
    # when it happens
    with django_capture_on_commit_callbacks(execute=True):
        recipient = happen(world)
    # then the person is notified in the app, and not emailed
    assert Notification.objects.filter(recipient=recipient, event__verb__in=[
        v for v, k in KIND_OF_VERB.items() if k == kind
    ]).exists()  # fmt: skip
    assert _of_kind(smtp, recipient.email, kind) == []
    assert not EmailPreference.objects.filter(user=recipient).exists()


@pytest.mark.parametrize(("kind", "happen"), NEWS, ids=[k.value for k, _ in NEWS])
def test_news_comes_at_once_for_who_chose_it(
    kind, happen, world: World, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given Cy and Mo want this kind at once
    for person in (world.circle_member, world.member):
        _choose(person, world, kind, Frequency.IMMEDIATELY)
    # when it happens
    with django_capture_on_commit_callbacks(execute=True):
        recipient = happen(world)
    # then the person gets it by email, naming what happened
    mails = _of_kind(smtp, recipient.email, kind)
    assert len(mails) >= 1
    assert all("at once" in m.part("text/plain") for m in mails)


@pytest.mark.parametrize("frequency", [Frequency.OFF, Frequency.DAILY, Frequency.WEEKLY])
def test_a_round_sends_nothing_to_who_turned_it_off_or_to_the_digest(
    frequency, world: World, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given Cy does not want rounds at once
    _choose(world.circle_member, world, Kind.ROUND, frequency)
    # when a round opens
    with django_capture_on_commit_callbacks(execute=True):
        _open_round(world, _proposal(world))
    # then Cy is notified on the site, and no email is sent or queued
    assert Notification.objects.filter(
        recipient=world.circle_member, event__verb="consent.round_opened"
    ).exists()
    assert smtp.to(world.circle_member.email) == []
    assert not EmailDelivery.objects.filter(notification__recipient=world.circle_member).exists()


# Links, answers and unsubscribing -----------------------------------------------------------


def _round_email(world: World, smtp: Inbox, capture: Any) -> tuple[Proposal, Received]:
    proposal = _proposal(world)
    with capture(execute=True):
        _open_round(world, proposal)
    (mail,) = _of_kind(smtp, world.circle_member.email, Kind.ROUND)
    return proposal, mail


def test_every_link_opens_a_page_the_recipient_may_see_and_changes_nothing(
    client: Client, world: World, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given Cy's email about the round
    proposal, mail = _round_email(world, smtp, django_capture_on_commit_callbacks)
    links = _links(mail)
    assert len(links) == 5  # consent, object, open, settings, unsubscribe
    assert set(links) <= set(re.findall(r"https://\S+", mail.part("text/plain")))
    # when Cy follows each, signed in
    client.force_login(world.circle_member)
    for link in links:
        path, _, query = link.removeprefix(SITE).split("#", 1)[0].partition("?")
        response = client.get(path, dict([query.split("=", 1)]) if query else None)
        # then each page opens
        assert response.status_code == 200, link
    # and nothing was answered or unsubscribed by opening them
    assert not ConsentResponse.objects.filter(round__proposal=proposal).exists()
    assert not EmailPreference.objects.filter(user=world.circle_member).exists()


@pytest.mark.parametrize(("word", "answer"), [("consent", "consent"), ("object", "objection")])
def test_an_answer_button_opens_the_page_with_that_answer_ready_to_confirm(
    word, answer, client: Client, world: World, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given Cy's email about the round, with its two buttons
    proposal, mail = _round_email(world, smtp, django_capture_on_commit_callbacks)
    (link,) = [u for u in _links(mail) if f"?answer={word}" in u]
    # when Cy opens that button's link
    client.force_login(world.circle_member)
    html = client.get(_path(link), {"answer": word}).content.decode()
    # then that answer is chosen in the answer form, the other not, and nothing is recorded
    radios = dict(re.findall(r'<input type="radio" name="answer" value="(\w+)"([^>]*)>', html))
    assert "checked" in radios[answer]
    assert all("checked" not in attrs for value, attrs in radios.items() if value != answer)
    assert not ConsentResponse.objects.filter(round__proposal=proposal).exists()
    # and the same page without the parameter (cached per viewer) has no choice made
    plain = client.get(reverse("decisions:proposal_detail", args=["willow", proposal.pk]))
    plain_radios = re.findall(r'<input type="radio" name="answer"[^>]*>', plain.content.decode())
    assert plain_radios and all("checked" not in r for r in plain_radios)
    # when Cy confirms on the page
    client.post(
        reverse("decisions:round_answer", args=["willow", proposal.rounds.get().pk]),
        {"answer": answer, "reason": "It would keep the night quiet." if word == "object" else ""},
    )
    # then the answer is recorded
    assert ConsentResponse.objects.get(round__proposal=proposal).answer == answer


def _unsubscribe_link(mail: Received) -> str:
    return mail.message["List-Unsubscribe"].strip("<>")


def test_one_click_unsubscribe_by_post_turns_that_kind_off_without_a_session(
    world: World, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given Cy's email about a round
    _, mail = _round_email(world, smtp, django_capture_on_commit_callbacks)
    # when a mail program POSTs to its List-Unsubscribe address, as RFC 8058 says: no cookie,
    # no CSRF token
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(
        _path(_unsubscribe_link(mail)),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    # then rounds are off for Cy in Willow, and nothing else changed
    assert response.status_code == 200
    assert "no longer get emails" in response.content.decode()
    assert list(EmailPreference.objects.filter(user=world.circle_member).values_list(
        "organisation__slug", "kind", "frequency"
    )) == [("willow", "round", "off")]  # fmt: skip
    # and the next round reaches Cy on the site only
    with django_capture_on_commit_callbacks(execute=True):
        _open_round(world, _proposal(world, "Another room"))
    assert len(smtp.to(world.circle_member.email)) == 1


def test_the_unsubscribe_link_opened_shows_what_it_stops_and_asks_to_confirm(
    world: World, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given Cy's email about a round
    _, mail = _round_email(world, smtp, django_capture_on_commit_callbacks)
    # when the link is opened (GET), by anyone
    response = Client().get(_path(_unsubscribe_link(mail)))
    # then the page says what it would stop and offers a button, and nothing has changed
    html = response.content.decode()
    assert response.status_code == 200
    assert "Consent rounds to answer" in html and "Willow Ecovillage" in html
    assert re.search(r'<button type="submit"[^>]*>Stop emails about', html)
    assert response.headers["Cache-Control"].startswith("max-age=0")
    assert not EmailPreference.objects.exists()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-3] + ("aaa" if not t.endswith("aaa") else "bbb"),  # the signature
        lambda t: t.replace(t.split(":")[0], t.split(":")[0][::-1]),  # the payload
        lambda t: "not-a-token",
    ],
    ids=["signature", "payload", "garbage"],
)
def test_a_tampered_unsubscribe_token_is_refused_and_changes_nothing(tamper, world: World):
    # given a real token for Cy's round emails, altered
    token = unsubscribe_token(
        user_id=world.circle_member.pk, organisation_id=world.org.pk, kind="round"
    )
    assert read_unsubscribe_token(token) is not None
    bad = tamper(token)
    url = reverse("notifications:unsubscribe", args=[bad])
    # when it is opened and POSTed
    got, posted = Client().get(url), Client().post(url)
    # then both say the link does not work, and nothing changes
    assert got.status_code == posted.status_code == 400
    assert "This link does not work" in posted.content.decode()
    assert not EmailPreference.objects.exists()


def test_a_token_signed_for_something_else_is_refused(world: World):
    # given a value signed by this site with another salt (another purpose)
    from django.core import signing

    forged = signing.dumps({"p": world.circle_member.pk, "o": world.org.pk, "k": "round"})
    # when it is POSTed as an unsubscribe link
    response = Client().post(reverse("notifications:unsubscribe", args=[forged]))
    # then it is refused
    assert response.status_code == 400
    assert not EmailPreference.objects.exists()


def test_the_link_of_someone_who_left_the_organisation_is_missing(world: World):
    # given a token for the removed person, no longer in Willow
    token = unsubscribe_token(user_id=world.removed.pk, organisation_id=world.org.pk, kind="round")
    # when it is POSTed
    response = Client().post(reverse("notifications:unsubscribe", args=[token]))
    # then it is missing, and nothing is stored
    assert response.status_code == 404
    assert not EmailPreference.objects.exists()


# Language and time zone ----------------------------------------------------------------------


def test_the_email_is_in_the_persons_language_and_time_zone(
    world: World, smtp: Inbox, settings, django_capture_on_commit_callbacks
):
    # given Cy lives in Auckland, and the site speaks French
    User.objects.filter(pk=world.circle_member.pk).update(timezone="Pacific/Auckland")
    settings.LANGUAGE_CODE = "fr"
    closes_at = dt.datetime(2031, 1, 15, 23, 30, tzinfo=dt.UTC)  # 16 January, 12:30 in Auckland
    # when a round opens that closes then
    with django_capture_on_commit_callbacks(execute=True):
        _open_round(world, _proposal(world), closes_at=closes_at)
    # then the email says by when in French, at Auckland's time, and says which language it is in
    (mail,) = _of_kind(smtp, world.circle_member.email, Kind.ROUND)
    text, html = mail.part("text/plain"), mail.part("text/html")
    assert "jeudi 16 janvier 2031, 12:30" in text
    assert "jeudi 16 janvier 2031, 12:30" in html
    assert "Pacific/Auckland" in text
    assert '<html lang="fr"' in html
    assert mail.message["Content-Language"] == "fr"


# Failures: retried, never lost, never sent twice -----------------------------------------------


def test_a_refused_send_is_retried_and_sent_once(
    world: World, smtp: Inbox, caplog, django_capture_on_commit_callbacks
):
    # given the mail server refuses the next two messages for now (451)
    smtp.refuse = 2
    # when a round opens
    with (
        caplog.at_level(logging.ERROR, logger="circlewise.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _open_round(world, _proposal(world))
    # then the email was tried three times and received once
    assert smtp.refused == 2
    assert len(_of_kind(smtp, world.circle_member.email, Kind.ROUND)) == 1
    delivery = EmailDelivery.objects.get(notification__recipient=world.circle_member)
    assert delivery.attempts == 3 and delivery.sent_at is not None and delivery.last_error == ""
    assert "Try 1 of sending the email" in caplog.text
    # when the same delivery is run again (a duplicate task), or the event delivered again
    assert services.send_email(delivery_id=delivery.pk) == "done"
    event = delivery.notification.event
    services.deliver(event_id=event.pk, recipient_ids=[world.circle_member.pk])
    assert services.queue_emails(event_id=event.pk, recipient_ids=[world.circle_member.pk]) == 0
    # then nothing more is sent
    assert len(_of_kind(smtp, world.circle_member.email, Kind.ROUND)) == 1


def test_an_email_the_server_keeps_refusing_is_kept_unsent_with_its_error(
    world: World, smtp: Inbox, caplog, django_capture_on_commit_callbacks
):
    # given a mail server that refuses everything
    smtp.refuse = 1000
    # when a round opens
    with (
        caplog.at_level(logging.ERROR, logger="circlewise.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _open_round(world, _proposal(world))
    # then every try was made, and the delivery is kept, unsent, with why
    delivery = EmailDelivery.objects.get(notification__recipient=world.circle_member)
    assert delivery.attempts == 1 + len(services.RETRY_DELAYS)
    assert delivery.sent_at is None and delivery.skipped_at is None
    assert "451" in delivery.last_error
    assert "Gave up sending the email" in caplog.text
    # when the server takes mail again and the delivery is run by hand
    smtp.refuse = 0
    assert services.send_email(delivery_id=delivery.pk) == "sent"
    # then it is sent, once
    assert len(_of_kind(smtp, world.circle_member.email, Kind.ROUND)) == 1


# Nothing private reaches anyone who may not see it ---------------------------------------------

CANARY = "Canarywhistle"


def test_a_private_circles_canary_never_reaches_anyone_outside_it(
    world: World, smtp: Inbox, settings, django_capture_on_commit_callbacks
):
    # given Mo in Care (private) wanting its news at once, the task worker's queue held
    circles.add_member(circle=world.care, user=world.member, actor=world.circle_member)
    for person in (world.member, world.admin, world.outsider):
        EmailPreference.objects.create(
            user=person, organisation=world.org, kind=Kind.CIRCLE, frequency=Frequency.IMMEDIATELY
        )
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    # when Care is renamed to the canary, and Mo leaves Care before the email goes out
    with django_capture_on_commit_callbacks(execute=True):
        circles.update_circle(circle=world.care, actor=world.circle_member, name=CANARY)
    event = LedgerEvent.objects.filter(circle=world.care, verb="circle.updated").latest("sequence")
    circles.end_membership(circle=world.care, user=world.member, actor=world.member)
    # and a delivery names people outside Care (the admin, someone of another organisation)
    services.deliver(event_id=event.pk, recipient_ids=[world.admin.pk, world.outsider.pk])
    for delivery in EmailDelivery.objects.filter(notification__event=event):
        services.send_email(delivery_id=delivery.pk)
    # then nobody outside Care was sent anything, and each delivery says why it was skipped
    deliveries = EmailDelivery.objects.filter(notification__event=event)
    assert deliveries.count() == 3
    assert all(d.skipped_at and d.sent_at is None for d in deliveries)
    assert all(CANARY not in r.message.as_string() for r in smtp.received)
    assert smtp.received == []


def test_a_draft_is_never_emailed_to_anyone_but_its_author(
    world: World, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given a draft in Garden with a canary title, and its event delivered to the facilitator
    draft = decisions.create_proposal(
        circle=world.garden, author=world.circle_member, title=CANARY, driver="d", text="t"
    )
    event = LedgerEvent.objects.filter(verb="proposal.drafted").latest("sequence")
    assert event.payload["proposal"] == draft.pk
    _choose(world.facilitator, world, Kind.CIRCLE, Frequency.IMMEDIATELY)
    # when it is delivered to the facilitator anyway
    with django_capture_on_commit_callbacks(execute=True):
        services.deliver(event_id=event.pk, recipient_ids=[world.facilitator.pk])
    # then no email goes out
    assert smtp.received == []
    assert EmailDelivery.objects.get(notification__event=event).skipped_at is not None


def test_loading_history_in_one_go_emails_nobody(
    world: World, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given emails paused, as while the demo organisation is loaded
    with services.emails_paused(), django_capture_on_commit_callbacks(execute=True):
        # when a round opens
        _open_round(world, _proposal(world))
    # then it is notified on the site, and emailed to nobody
    assert Notification.objects.filter(event__verb="consent.round_opened").exists()
    assert smtp.received == [] and not EmailDelivery.objects.exists()


@pytest.mark.parametrize(
    ("verb", "payload", "expected"),
    [
        ("backlog.reminder", {"due_on": "2027-01-01"}, dt.date(2027, 1, 1)),
        ("consent.round_opened", {"closes_at": "2031-01-15T23:30:00+00:00"},
         dt.datetime(2031, 1, 15, 23, 30, tzinfo=dt.UTC)),
        ("proposal.step_changed", {"step_ends_at": None}, None),
        ("circle.updated", {"due_on": "2027-01-01"}, None),
    ],
)  # fmt: skip
def test_the_deadline_an_email_names_is_read_from_its_event(verb, payload, expected):
    from circlewise.notifications.emails import deadline_of

    assert deadline_of(LedgerEvent(verb=verb, payload=payload)) == expected


def test_an_email_recorded_and_never_tried_is_sent_by_the_requeue_once(world, smtp):
    import datetime as dt

    from django.utils import timezone

    from circlewise.core.models import LedgerEvent
    from circlewise.decisions import services as decisions
    from circlewise.notifications import services as notification_services
    from circlewise.notifications.models import EmailDelivery

    # given a round whose notification and email are recorded, but whose task to send the email
    # never ran (in a test's transaction the commit's callbacks are not run)
    proposal = decisions.create_proposal(
        circle=world.garden, author=world.circle_member, title="Lost mail", driver="Why.",
        text="What.",
    )  # fmt: skip
    decisions.present(proposal=proposal, actor=world.circle_member)
    decisions.advance(proposal=proposal, actor=world.facilitator)
    decisions.advance(proposal=proposal, actor=world.facilitator)
    decisions.open_consent_round(proposal=proposal, actor=world.facilitator)
    event = LedgerEvent.objects.get(verb="consent.round_opened", payload__proposal=proposal.pk)
    notification_services.deliver(event_id=event.pk, recipient_ids=[world.circle_member.pk])
    stuck = EmailDelivery.objects.filter(sent_at__isnull=True, attempts=0)
    assert stuck.count() == 1 and not smtp.received
    # when the requeue runs too soon, nothing; a while later, it is sent, and only once
    assert notification_services.requeue_stuck_emails() == 0
    later = timezone.now() + dt.timedelta(minutes=20)
    assert notification_services.requeue_stuck_emails(now=later) == 1
    assert [m for m in smtp.received if "Lost mail" in str(m.message["Subject"])]
    assert notification_services.requeue_stuck_emails(now=later) == 0
