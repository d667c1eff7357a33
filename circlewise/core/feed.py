"""Activity feeds and notification texts, read from the ledger: the shared machinery.

Every kind of event has a sentence that names what happened to what, and who did it: the person
who acted, or the circle (or Circlewise) where nobody did. The sentence is HTML: the names in it
are user text, escaped and isolated in `<bdi>` (a right-to-left name cannot turn the sentence
around); `Sentence.text` is the same in plain text, for the API. `Sentence.url` leads to the
object itself (the proposal, the role, the person), not to its circle.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import conditional_escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .links import path_to
from .models import LedgerEvent


@dataclass(frozen=True)
class Sentence:
    html: SafeString
    url: str = ""

    @property
    def text(self) -> str:
        return html.unescape(strip_tags(self.html))

    def __str__(self) -> str:
        return self.html


Describer = Callable[[LedgerEvent], Sentence]


def bdi(value: Any) -> SafeString:
    """A name or title in a sentence: escaped, and isolated from the text around it."""
    return mark_safe(f"<bdi>{conditional_escape(value)}</bdi>")  # noqa: S308 - escaped


def say(template: str | Promise, url: str = "", **values: Any) -> Sentence:
    """A translated template filled with values: names are passed through `bdi`, anything else
    is escaped here."""
    safe = {key: conditional_escape(value) for key, value in values.items()}
    return Sentence(mark_safe(conditional_escape(str(template)) % safe), url)  # noqa: S308


def actor(event: LedgerEvent) -> SafeString:
    """Who did it: the person; where nobody did, the circle it happened in, or Circlewise."""
    if event.actor_id is not None and event.actor is not None:
        return bdi(event.actor.name)
    if event.circle_id is not None and event.circle is not None:
        return bdi(event.circle.name)
    return conditional_escape(_("Circlewise"))


def circle_name(event: LedgerEvent, payload_key: str = "circle_name") -> SafeString:
    name = event.payload.get(payload_key) or (event.circle.name if event.circle else "")
    return bdi(name) if name else conditional_escape(_("a circle"))


def person(payload: dict[str, Any], key: str = "user_name") -> SafeString:
    name = payload.get(key)
    return bdi(name) if name else conditional_escape(_("someone"))


def is_self(event: LedgerEvent, user_key: str = "user") -> bool:
    return event.actor_id is not None and event.actor_id == event.payload.get(user_key)


def org_url(event: LedgerEvent, name: str, *args: Any) -> str:
    return path_to(name, event.organisation.slug, *args)


def circle_url(event: LedgerEvent, name: str, *args: Any) -> str:
    if event.circle is None:
        return org_url(event, "circles:org_home")
    return path_to(name, event.organisation.slug, event.circle.slug, *args)


def person_url(event: LedgerEvent, key: str = "user") -> str:
    user_id = event.payload.get(key)
    if user_id is None:
        return org_url(event, "circles:org_members")
    return org_url(event, "circles:person_detail", user_id)


def a_date(value: str | None) -> str:
    if not value:
        return ""
    try:
        return date_format(dt.date.fromisoformat(value[:10]), "j M Y")
    except ValueError:
        return value


def a_moment(value: str | None) -> str:
    """An ISO date and time from a payload, in the reader's time zone."""
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return date_format(timezone.localtime(moment), "j M Y, H:i")


# Every app's sentences, by verb: each app keeps its own in its feed.py and registers them when it
# is ready (circles/feed.py, decisions/feed.py).
DESCRIBERS: dict[str, Describer] = {}

# Events that stay in the ledger but out of every feed: a draft is private to its author.
HIDDEN_VERBS: set[str] = set()


def register(
    describers: dict[str, Describer],
    *,
    hidden: frozenset[str] | set[str] = frozenset(),
) -> None:
    """Each app adds the sentences for its own verbs when it is ready."""
    DESCRIBERS.update(describers)
    HIDDEN_VERBS.update(hidden)


def _unknown(event: LedgerEvent) -> Sentence:
    return say(_("%(actor)s changed something (%(verb)s)."), actor=actor(event), verb=event.verb)


def sentence(event: LedgerEvent) -> Sentence:
    """What happened to what, said by whom, and where it leads."""
    describer = DESCRIBERS.get(event.verb)
    if describer is None:
        return _unknown(event)
    try:
        return describer(event)
    except (KeyError, TypeError, ValueError):
        return _unknown(event)


def describe(event: LedgerEvent) -> SafeString:
    """The sentence as HTML, its names escaped and isolated."""
    return sentence(event).html


def organisation_feed(
    organisation_id: int, visible_private_ids: set[int], hidden_private_ids: set[int]
) -> Any:
    """The organisation's events, without those of private circles the reader is not in."""
    qs = LedgerEvent.objects.filter(organisation_id=organisation_id)
    if HIDDEN_VERBS:
        qs = qs.exclude(verb__in=HIDDEN_VERBS)
    if hidden_private_ids:
        qs = qs.filter(Q(circle_id__isnull=True) | ~Q(circle_id__in=hidden_private_ids))
    # The organisation is prefetched, not joined: with the join SQLite reads the one-row
    # organisation table first and sorts the whole ledger to return a page of it.
    return (
        qs.select_related("actor", "circle").prefetch_related("organisation").order_by("-sequence")
    )


def circle_feed(circle_id: int) -> Any:
    qs = LedgerEvent.objects.filter(circle_id=circle_id)
    if HIDDEN_VERBS:
        qs = qs.exclude(verb__in=HIDDEN_VERBS)
    # The organisation is prefetched, not joined: with the join SQLite reads the one-row
    # organisation table first and sorts the whole ledger to return a page of it.
    return (
        qs.select_related("actor", "circle").prefetch_related("organisation").order_by("-sequence")
    )
