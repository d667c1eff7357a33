"""A notification as an email: what it says, what is asked of the person and by when, a link
straight to it, and the headers of a list the person can leave in one click (RFC 8058).

Written for its recipient, in their language and time zone, from the event's own sentence
(core.feed), so that the email and the notification say the same thing. The unsubscribe links
carry a signed token naming the person, the organisation and the kind of notification: whoever
holds the link can turn that one kind off for that person, and nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.core import plainwords
from circlewise.core.links import absolute_url, path_to
from circlewise.core.markdown import render_markdown
from circlewise.core.models import LedgerEvent

from .models import Kind, Notification, kind_of
from .selectors import asked_by, said_to

UNSUBSCRIBE_SALT = "circlewise.notifications.unsubscribe"


# Unsubscribe tokens ----------------------------------------------------------------------


@dataclass(frozen=True)
class Unsubscribe:
    """What an unsubscribe link stops: one kind, from one organisation, for one person."""

    user_id: int
    organisation_id: int
    kind: Kind


def unsubscribe_token(*, user_id: int, organisation_id: int, kind: str) -> str:
    return signing.dumps({"p": user_id, "o": organisation_id, "k": kind}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> Unsubscribe | None:
    """The token's person, organisation and kind; None for anything not signed by this site for
    this purpose (tampered, truncated, another salt's signature)."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    if not isinstance(data, dict):
        return None
    user_id, organisation_id, kind = data.get("p"), data.get("o"), data.get("k")
    if not isinstance(user_id, int) or not isinstance(organisation_id, int):
        return None
    if kind not in Kind.values:
        return None
    return Unsubscribe(user_id, organisation_id, Kind(kind))


# What the email says ---------------------------------------------------------------------


def language_of(user: User) -> str:
    """The person's language. People do not choose one yet: the site's, until they can."""
    return str(getattr(user, "language", "") or settings.LANGUAGE_CODE)


def deadline_of(event: LedgerEvent) -> dt.date | dt.datetime | None:
    """By when the person is asked to act, where the object has an end: a consent round's
    window, a step's window (questions or reactions until), a reminded item's due date. This is
    the one place an email reads it; deadlines to come are added here."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    key = {
        "consent.round_opened": "closes_at",
        "proposal.presented": "step_ends_at",
        "proposal.step_changed": "step_ends_at",
        "proposal.step_reminder": "ends_at",
        "proposal.step_end_changed": "to",
        "backlog.reminder": "due_on",
        "minutes.sent_for_consent": "consent_until",
    }.get(event.verb)
    value = payload.get(key) if key else None
    if not value:
        return None
    try:
        if key == "due_on":
            return dt.date.fromisoformat(str(value)[:10])
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _asked(event: LedgerEvent, kind: Kind, user: User) -> str:
    """What this event's email asks: what the event's app says it asks of this person (a
    review's step), or a reminder before questions or reactions close asks to take part, not
    to answer a round; else what its kind asks."""
    said = asked_by(user, event)
    if said:
        return said
    payload = event.payload if isinstance(event.payload, dict) else {}
    if event.verb == "proposal.step_reminder" and payload.get("state") in (
        "clarifying",
        "reacting",
    ):
        return _(
            "Take part before it closes: ask what you need to know to understand the proposal, "
            "or say how you react to it."
        )
    return asked_of(kind)


def asked_of(kind: Kind) -> str:
    """What the email asks the person to do, in one sentence; empty when it only informs."""
    asks = {
        Kind.ROUND: _(
            "The circle asks for your answer: consent if you can live with it and it is safe "
            "enough to try, or object if it would harm what the circle is there to do."
        ),
        Kind.PROPOSAL: _("It is about your proposal: read it and answer on the proposal’s page."),
        Kind.THREAD: _("Someone answered you: read it, and reply on the page if it needs you."),
        Kind.STEP: _(
            "This is a step for you as facilitator or secretary: take it up, or put it on the "
            "agenda of the circle’s next meeting."
        ),
        Kind.MINUTES: _(
            "Read the minutes below. If they are right, there is nothing to do: they are "
            "approved by lazy consent when the period ends. If something is wrong or missing, "
            "object on their page and say why."
        ),
        Kind.REVIEW_STEP: _(
            "A role review you take part in asks for your part: open it to see what is yours to do."
        ),
        Kind.SELECTION: _(
            "A selection in your circle asks for your part: open it to see what is yours to do."
        ),
    }
    return asks.get(kind, "")


def _subject(text: str) -> str:
    """The sentence, on one line, without its full stop: “Viktor objected to “…””."""
    return " ".join(text.split()).rstrip(".")


def _from_address(organisation_name: str) -> str:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((f"{organisation_name} · {name or 'Circlewise'}", address))


def _when(value: dt.date | dt.datetime | None) -> str:
    """A deadline in words, in the current language and (for a time) the current zone."""
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "l j F Y, H:i")
    return date_format(value, "l j F Y") if value else ""


# The events whose email carries the whole text of what they are about: minutes sent for
# consent and minutes approved (the ledger holds only their hash, so it is read from the row).
CARRIES_MINUTES = frozenset({"minutes.sent_for_consent", "minutes.approved"})


def minutes_text(event: LedgerEvent) -> str:
    """The minutes an email of this event carries, in Markdown (or, the day before a meeting,
    its agenda); empty for any other event."""
    if event.verb == "meeting.agenda_sent" and event.object_id is not None:
        from circlewise.meetings.services_reminders import agenda_markdown

        return agenda_markdown(event.object_id)
    if event.verb not in CARRIES_MINUTES or event.object_id is None:
        return ""
    from circlewise.meetings.models import Minutes

    found = Minutes.objects.filter(pk=event.object_id).values_list("text", flat=True).first()
    return found or ""


def reply_thread(event: LedgerEvent) -> tuple[str, int] | None:
    """The thread a reply to this event's email goes into (notifications/replies.py): a
    clarifying question (answered by the proposal's author), an objection's thread; None for an
    email that is not answered by replying."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    if event.verb == "proposal.question_asked" and not payload.get("passed"):
        return ("q", int(payload["contribution"])) if payload.get("contribution") else None
    if event.verb in ("objection.discussed", "objection.stated_back", "consent.answered"):
        objection = payload.get("objection")
        return ("o", int(objection)) if objection else None
    return None


def email_context(notification: Notification) -> dict[str, Any]:
    """Everything the two templates show, read under the recipient's language and zone."""
    user, event = notification.recipient, notification.event
    organisation = event.organisation
    kind = kind_of(event.verb)
    said = said_to(user, event)
    token = unsubscribe_token(user_id=user.pk, organisation_id=organisation.pk, kind=kind)
    link = absolute_url(said.url, None) if said.url else ""
    answers: list[tuple[str, str]] = []
    if event.verb == "consent.round_opened" and said.url:
        answers = [
            (_("Consent"), absolute_url(said.url + "?answer=consent#answer", None)),
            (_("Object"), absolute_url(said.url + "?answer=object#answer", None)),
        ]
    document = minutes_text(event)
    return {
        "recipient": user,
        "organisation": organisation,
        "event": event,
        "document": document,
        "document_html": render_markdown(document) if document else "",
        "sentence": said,
        "subject": _subject(said.text),
        "link": link,
        "answers": answers,
        "asked": _asked(event, kind, user),
        "deadline": _when(deadline_of(event)),
        "kind": kind.value,
        "kind_label": kind.label,
        "language": translation.get_language(),
        "settings_url": absolute_url(
            path_to("notifications:email_preferences", organisation.slug), None
        ),
        "unsubscribe_url": absolute_url(path_to("notifications:unsubscribe", token), None),
        "reply_to": _reply_to(event, user),
    }


def _reply_to(event: LedgerEvent, user: User) -> str:
    from .replies import reply_address

    thread = reply_thread(event)
    if thread is None:
        return ""
    return reply_address(kind=thread[0], object_id=thread[1], user_id=user.pk)


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    """The notification's email to its recipient: plain text and HTML, in their language and
    time zone, with List-Unsubscribe and one-click unsubscribe for its kind."""
    user = notification.recipient
    # In plain words where the organisation uses them (core.plainwords).
    language = plainwords.language_for(notification.event.organisation, language_of(user))
    with translation.override(language), timezone.override(user.timezone or "UTC"):
        context = email_context(notification)
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or None
    message = EmailMultiAlternatives(
        subject=context["subject"],
        body=text,
        from_email=_from_address(context["organisation"].name),
        to=[formataddr((user.name, user.email))],
        headers={
            "Message-ID": make_msgid("notification", domain=domain),
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            # For the person's own mail filters: which of their choices this email falls under.
            "X-Circlewise-Kind": context["kind"],
            "Content-Language": context["language"],
        },
    )
    if context["reply_to"]:
        message.reply_to = [context["reply_to"]]
    message.attach_alternative(html, "text/html")
    return message
