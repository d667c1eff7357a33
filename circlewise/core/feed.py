"""Activity feeds and notification texts, read from the ledger.

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
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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
    return format_html("<bdi>{}</bdi>", value)


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
    return reverse(name, args=[event.organisation.slug, *args])


def circle_url(event: LedgerEvent, name: str, *args: Any) -> str:
    if event.circle is None:
        return org_url(event, "circles:org_home")
    return reverse(name, args=[event.organisation.slug, event.circle.slug, *args])


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


# Organisations, invitations, circles, memberships and roles --------------------------------


def _org_name(event: LedgerEvent) -> SafeString:
    return bdi(event.payload.get("name") or event.organisation.name)


def _organisation(event: LedgerEvent) -> Sentence:
    url = org_url(event, "circles:org_about")
    if event.verb == "organisation.created":
        return say(_("%(actor)s founded the organisation %(name)s."), url,
                   actor=actor(event), name=_org_name(event))  # fmt: skip
    return say(_("%(actor)s updated the description of %(name)s."), url,
               actor=actor(event), name=_org_name(event))  # fmt: skip


def _org_member(event: LedgerEvent) -> Sentence:
    p = event.payload
    values = {"actor": actor(event), "person": person(p), "org": bdi(event.organisation.name)}
    url = person_url(event)
    if event.verb == "organisation.member_joined":
        if is_self(event):
            return say(_("%(person)s joined %(org)s."), url, **values)
        return say(_("%(actor)s added %(person)s to %(org)s."), url, **values)
    if event.verb == "organisation.member_removed":
        if is_self(event):
            return say(_("%(person)s left %(org)s."), url, **values)
        return say(_("%(actor)s removed %(person)s from %(org)s."), url, **values)
    if p.get("is_admin"):
        return say(_("%(actor)s made %(person)s an admin of %(org)s."), url, **values)
    return say(_("%(actor)s took back %(person)s’s admin rights in %(org)s."), url, **values)


def _invitation(event: LedgerEvent) -> Sentence:
    # The address invited stays out of the ledger, so the sentence says "someone".
    url = org_url(event, "circles:org_members")
    values = {"actor": actor(event), "org": bdi(event.organisation.name)}
    if event.verb == "invitation.revoked":
        return say(_("%(actor)s withdrew an invitation to join %(org)s."), url, **values)
    if event.payload.get("make_admin"):
        return say(_("%(actor)s invited someone to join %(org)s as an admin."), url, **values)
    return say(_("%(actor)s invited someone to join %(org)s."), url, **values)


def _circle(event: LedgerEvent) -> Sentence:
    p = event.payload
    url = circle_url(event, "circles:circle_detail")
    values = {"actor": actor(event), "name": circle_name(event, "name")}
    if event.verb == "circle.created":
        if p.get("parent_name"):
            return say(_("%(actor)s formed the circle %(name)s inside %(parent)s."), url,
                       parent=bdi(p["parent_name"]), **values)  # fmt: skip
        return say(_("%(actor)s formed the circle %(name)s."), url, **values)
    if event.verb == "circle.archived":
        return say(_("%(actor)s archived the circle %(name)s."), url, **values)
    return say(_("%(actor)s updated the description of the circle %(name)s."), url, **values)


def _circle_member(event: LedgerEvent) -> Sentence:
    values = {"actor": actor(event), "person": person(event.payload), "circle": circle_name(event)}
    url = person_url(event)
    if event.verb == "circle.member_added":
        if is_self(event):
            return say(_("%(person)s joined %(circle)s."), url, **values)
        return say(_("%(actor)s added %(person)s to %(circle)s."), url, **values)
    if is_self(event):
        return say(_("%(person)s left %(circle)s."), url, **values)
    return say(_("%(actor)s removed %(person)s from %(circle)s."), url, **values)


def _role_url(event: LedgerEvent) -> str:
    role_id = event.payload.get("role")
    if role_id is None and event.verb in ("role.created", "role.updated"):
        role_id = event.object_id
    if role_id is None:
        return circle_url(event, "circles:circle_detail")
    return circle_url(event, "circles:role_detail", role_id)


def _role(event: LedgerEvent) -> Sentence:
    p = event.payload
    values = {"actor": actor(event), "role": bdi(p.get("role_name", "")),
              "circle": circle_name(event)}  # fmt: skip
    if event.verb == "role.created":
        return say(_("%(actor)s created the role %(role)s in %(circle)s."), _role_url(event),
                   **values)  # fmt: skip
    return say(_("%(actor)s updated the role %(role)s in %(circle)s."), _role_url(event), **values)


def _role_assigned(event: LedgerEvent) -> Sentence:
    p = event.payload
    values = {"actor": actor(event), "holder": person(p, "holder_name"),
              "role": bdi(p.get("role_name", "")), "circle": circle_name(event),
              "end": a_date(p.get("term_end"))}  # fmt: skip
    if is_self(event, "holder"):
        return say(_("%(holder)s took the role %(role)s in %(circle)s, until %(end)s."),
                   _role_url(event), **values)  # fmt: skip
    return say(_("%(actor)s gave %(holder)s the role %(role)s in %(circle)s, until %(end)s."),
               _role_url(event), **values)  # fmt: skip


def _role_ended(event: LedgerEvent) -> Sentence:
    p = event.payload
    values = {"actor": actor(event), "holder": person(p, "holder_name"),
              "role": bdi(p.get("role_name", "")), "circle": circle_name(event)}  # fmt: skip
    url = _role_url(event)
    reason = p.get("reason", "")
    if reason == "replaced":
        return say(_("%(actor)s gave the role %(role)s in %(circle)s to someone new: "
                     "%(holder)s’s term ended."), url, **values)  # fmt: skip
    if reason == "renewed":
        return say(_("%(actor)s renewed %(holder)s’s term as %(role)s in %(circle)s."), url,
                   **values)  # fmt: skip
    if reason == "membership_ended":
        if is_self(event, "holder"):
            return say(_("%(holder)s’s term as %(role)s ended as they left %(circle)s."), url,
                       **values)  # fmt: skip
        return say(_("%(holder)s’s term as %(role)s ended: %(actor)s ended their membership of "
                     "%(circle)s."), url, **values)  # fmt: skip
    if is_self(event, "holder"):
        return say(_("%(holder)s ended their term as %(role)s in %(circle)s."), url, **values)
    return say(_("%(actor)s ended %(holder)s’s term as %(role)s in %(circle)s."), url, **values)


DESCRIBERS: dict[str, Describer] = {
    "organisation.created": _organisation,
    "organisation.updated": _organisation,
    "organisation.member_joined": _org_member,
    "organisation.member_removed": _org_member,
    "organisation.admin_changed": _org_member,
    "invitation.sent": _invitation,
    "invitation.revoked": _invitation,
    "circle.created": _circle,
    "circle.updated": _circle,
    "circle.archived": _circle,
    "circle.member_added": _circle_member,
    "circle.member_removed": _circle_member,
    "role.created": _role,
    "role.updated": _role,
    "role.assigned": _role_assigned,
    "role.ended": _role_ended,
}


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
