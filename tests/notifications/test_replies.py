"""Reply by email, end to end: the notification's email carries a Reply-To made for its reader
and thread; a reply sent over SMTP to the receiver (aiosmtpd, notifications/receiver.py) is kept
in the spool and taken into the thread as its author, without the quoted email. A forged,
replayed or foreign reply is refused and changes nothing; an address that is not ours is refused
at once."""

from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from circlewise.core.models import LedgerEvent
from circlewise.decisions import services as decisions
from circlewise.decisions.models import Contribution, ObjectionMessage
from circlewise.notifications import receiver, replies


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbound(settings, tmp_path):
    """The receiver on loopback, its spool in a temporary directory."""
    settings.MAIL_SPOOL = str(tmp_path / "spool")
    settings.REPLY_DOMAIN = "reply.willow.example.org"
    port = _free_port()
    controller, _handler = receiver.start("127.0.0.1", port)
    try:
        yield port
    finally:
        controller.stop()


def _reply(port: int, *, to: str, sender: str, text: str, message_id: str | None = None) -> str:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: a question"
    message["Message-ID"] = message_id or make_msgid(domain="mail.example.org")
    message.set_content(
        f"{text}\n\nOn Mon, 7 Dec 2026 at 10:00, Willow <circlewise@willow.example.org> wrote:\n"
        "> Bo asked a clarifying question about “Bike shed”.\n> How big is it?\n"
    )
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(message)
    return str(message["Message-ID"])


@pytest.fixture
def question(world, smtp, django_capture_on_commit_callbacks):
    proposal = decisions.create_proposal(
        circle=world.garden, author=world.circle_member, title="Bike shed", driver="Wet bikes.",
        text="A roof.",
    )  # fmt: skip
    decisions.present(proposal=proposal, actor=world.circle_member)
    with django_capture_on_commit_callbacks(execute=True):
        asked = decisions.ask_question(proposal=proposal, member=world.facilitator, text="How big?")
    return asked


def _reply_to(smtp, address: str) -> str:
    mails = [m for m in smtp.to(address) if m.message["Reply-To"]]
    assert mails, "the email has a Reply-To"
    return str(mails[-1].message["Reply-To"])


def test_a_reply_to_the_question_email_answers_it_as_its_author(
    world, smtp, inbound, question, django_capture_on_commit_callbacks
):
    # given the author's email about the question, with its Reply-To
    reply_to = _reply_to(smtp, world.circle_member.email)
    assert reply_to.startswith("reply+q") and reply_to.endswith("@reply.willow.example.org")
    # when she replies from her own address, above the quoted email
    _reply(inbound, to=reply_to, sender=world.circle_member.email, text="About four bikes wide.")
    # then the receiver kept it, and taking it in answers the question as her
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = replies.process_spool()
    assert list(outcomes.values()) == ["posted"]
    answer = Contribution.objects.get(reply_to=question)
    assert answer.author == world.circle_member and answer.text == "About four bikes wide."
    event = LedgerEvent.objects.filter(verb="proposal.question_answered").latest("sequence")
    assert event.actor == world.circle_member
    assert replies.process_spool() == {}  # and the spool is empty


@pytest.mark.parametrize("how", ["forged", "foreign", "replayed"])
def test_a_forged_foreign_or_replayed_reply_changes_nothing(world, smtp, inbound, question, how):
    reply_to = _reply_to(smtp, world.circle_member.email)
    sender = world.circle_member.email
    if how == "forged":  # someone guesses an address for another thread
        reply_to = reply_to.replace(f"q{question.pk}-", f"q{question.pk + 1}-")
    if how == "foreign":  # the address, but not from its person
        sender = world.outsider.email
    message_id = make_msgid(domain="mail.example.org")
    if how == "replayed":  # the same message taken once already
        _reply(inbound, to=reply_to, sender=sender, text="Four bikes.", message_id=message_id)
        assert list(replies.process_spool().values()) == ["posted"]
    answers = Contribution.objects.filter(reply_to=question).count()
    events = LedgerEvent.objects.count()
    _reply(inbound, to=reply_to, sender=sender, text="Five bikes.", message_id=message_id)
    outcome = list(replies.process_spool().values())
    assert outcome and outcome != ["posted"]
    assert Contribution.objects.filter(reply_to=question).count() == answers
    assert LedgerEvent.objects.count() == events


def test_an_address_that_is_not_ours_is_refused_at_once(inbound):
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        _reply(inbound, to="someone@reply.willow.example.org", sender="a@b.c", text="Hi")


def test_a_reply_in_an_objections_thread_lands_there(
    world, smtp, inbound, django_capture_on_commit_callbacks
):
    # given an objection to Cy's proposal: she (the author) is told by email
    proposal = decisions.create_proposal(
        circle=world.garden, author=world.circle_member, title="Hedge", driver="Wind.",
        text="A hedge.",
    )  # fmt: skip
    decisions.present(proposal=proposal, actor=world.circle_member)
    decisions.advance(proposal=proposal, actor=world.facilitator)
    decisions.advance(proposal=proposal, actor=world.facilitator)
    round_ = decisions.open_consent_round(proposal=proposal, actor=world.facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.respond(
            round_=round_, user=world.facilitator, answer="objection", reason="Shade."
        )
    reply_to = _reply_to(smtp, world.circle_member.email)
    assert reply_to.startswith("reply+o")
    # when she replies
    _reply(inbound, to=reply_to, sender=world.circle_member.email, text="What do you fear?")
    with django_capture_on_commit_callbacks(execute=True):
        assert list(replies.process_spool().values()) == ["posted"]
    # then it is a message in the objection's thread, by her
    message = ObjectionMessage.objects.get()
    assert message.author == world.circle_member and message.text == "What do you fear?"
