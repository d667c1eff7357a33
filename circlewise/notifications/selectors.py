"""What a notification says to its recipient, read from its ledger event. Nothing here writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.utils.html import conditional_escape
from django.utils.translation import gettext as _

from circlewise.core.feed import Sentence, sentence
from circlewise.core.models import LedgerEvent

from .models import (
    EmailPreference,
    Frequency,
    Kind,
    Notification,
    NotificationQuerySet,
    default_frequency,
)
from .permissions import can_see_event

if TYPE_CHECKING:
    from circlewise.accounts.models import User
    from circlewise.core.types import Viewer


def notifications_of(user: Viewer) -> NotificationQuerySet:
    """The person's own notifications, with what their sentences read, newest first: nobody
    else's is ever in the list."""
    return (
        Notification.objects.filter(recipient_id=user.pk)
        .select_related("event__actor", "event__organisation", "event__circle__organisation")
        .order_by("-id")
    )


def unread_count(user: Viewer) -> int:
    return Notification.objects.unread().filter(recipient_id=user.pk).count()


# Sentences said to their reader ("Kai asked you to review their work as …"), and what an
# email of the event asks of them, by verb: an app whose events reach only the people they
# concern registers them when it is ready (reviews/apps.py). Each is given the event and the
# reader's id, and answers None (or "") where the event's own sentence says it as well.
Addressed = Callable[[LedgerEvent, int | None], Sentence | None]
Asked = Callable[[LedgerEvent, int | None], str]
ADDRESSED: dict[str, Addressed] = {}
ASKED: dict[str, Asked] = {}


def address(sentences: dict[str, Addressed], asks: dict[str, Asked] | None = None) -> None:
    ADDRESSED.update(sentences)
    ASKED.update(asks or {})


def said_to(user: Viewer, event: LedgerEvent) -> Sentence:
    """The event's sentence and where it leads, for this person: nothing of a private circle
    they are not in (and no way there); said to them where their app says it so."""
    if not can_see_event(user, event):
        return Sentence(conditional_escape(_("An event in a private circle you are not in.")))
    addressed = ADDRESSED.get(event.verb)
    if addressed is not None:
        try:
            said = addressed(event, user.pk)
        except (KeyError, TypeError, ValueError):
            said = None
        if said is not None:
            return said
    return sentence(event)


def asked_by(user: Viewer, event: LedgerEvent) -> str:
    """What the event asks of this person, where their app says (ASKED); else empty."""
    asked = ASKED.get(event.verb)
    return asked(event, user.pk) if asked is not None else ""


def sentence_for(user: Viewer, event: LedgerEvent) -> str:
    """The same in plain text, for the API."""
    return said_to(user, event).text


# Email preferences ---------------------------------------------------------------------------


def email_frequencies(user: User, organisation_id: int) -> dict[Kind, Frequency]:
    """How the person hears of each kind of notification from the organisation: what they chose,
    else the default. One query."""
    chosen = dict(
        EmailPreference.objects.filter(
            user_id=user.pk, organisation_id=organisation_id
        ).values_list("kind", "frequency")
    )
    return {
        kind: Frequency(chosen[kind]) if chosen.get(kind) in Frequency.values
        else default_frequency(kind)
        for kind in Kind
    }  # fmt: skip


def wanting_email_now(organisation_id: int, kind: str, user_ids: Sequence[int]) -> set[int]:
    """Of these people, those who want this kind of notification from the organisation by email
    at once. One query, whatever their number."""
    chosen = dict(
        EmailPreference.objects.filter(
            organisation_id=organisation_id, kind=kind, user_id__in=sorted(set(user_ids))
        ).values_list("user_id", "frequency")
    )
    default = default_frequency(kind)
    return {uid for uid in user_ids if chosen.get(uid, default) == Frequency.IMMEDIATELY}
