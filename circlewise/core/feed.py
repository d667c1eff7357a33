"""Activity feeds and notification texts, read from the ledger."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import LedgerEvent


def _role_ended(p: dict[str, Any]) -> str:
    reasons = {
        "replaced": _("%(holder)s's term as %(role)s ended: someone new took the role."),
        "renewed": _("%(holder)s's term as %(role)s was renewed."),
        "membership_ended": _("%(holder)s's term as %(role)s ended with their membership."),
    }
    template = reasons.get(p.get("reason", ""), _("%(holder)s's term as %(role)s was ended."))
    return template % {"holder": p.get("holder_name", "?"), "role": p.get("role_name", "?")}


DESCRIBERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "organisation.created": lambda p: _("The organisation %(name)s was founded.") % p,
    "organisation.updated": lambda p: _("The organisation's description was updated."),
    "organisation.member_joined": lambda p: _("%(user_name)s joined the organisation.") % p,
    "organisation.member_removed": lambda p: _("%(user_name)s left the organisation.") % p,
    "organisation.admin_changed": lambda p: (
        _("%(user_name)s is now an organisation admin.") % p
        if p.get("is_admin")
        else _("%(user_name)s is no longer an organisation admin.") % p
    ),
    "invitation.sent": lambda p: _("An invitation to join was sent."),
    "invitation.revoked": lambda p: _("An invitation was withdrawn."),
    "circle.created": lambda p: (
        _("The circle %(name)s was formed inside %(parent_name)s.") % p
        if p.get("parent_name")
        else _("The circle %(name)s was formed.") % p
    ),
    "circle.updated": lambda p: _("%(name)s updated its description.") % p,
    "circle.archived": lambda p: _("The circle %(name)s was archived.") % p,
    "circle.member_added": lambda p: _("%(user_name)s joined %(circle_name)s.") % p,
    "circle.member_removed": lambda p: _("%(user_name)s left %(circle_name)s.") % p,
    "role.created": lambda p: _("The role %(role_name)s was created.") % p,
    "role.updated": lambda p: _("The role %(role_name)s was updated.") % p,
    "role.assigned": lambda p: (
        _("%(holder_name)s took the role of %(role_name)s until %(term_end)s.") % p
    ),
    "role.ended": _role_ended,
}


# Events that stay in the ledger but out of every feed: a draft is private to its author.
HIDDEN_VERBS: set[str] = set()


def register(
    describers: dict[str, Callable[[dict[str, Any]], str]],
    *,
    hidden: frozenset[str] | set[str] = frozenset(),
) -> None:
    """Each app adds the sentences for its own verbs when it is ready."""
    DESCRIBERS.update(describers)
    HIDDEN_VERBS.update(hidden)


def describe(event: LedgerEvent) -> str:
    describer = DESCRIBERS.get(event.verb)
    if describer is None:
        return _("Something changed (%(verb)s).") % {"verb": event.verb}
    try:
        return describer(event.payload)
    except (KeyError, TypeError):
        return _("Something changed (%(verb)s).") % {"verb": event.verb}


def organisation_feed(
    organisation_id: int, visible_private_ids: set[int], hidden_private_ids: set[int]
) -> Any:
    """The organisation's events, without those of private circles the reader is not in."""
    qs = LedgerEvent.objects.filter(organisation_id=organisation_id)
    if HIDDEN_VERBS:
        qs = qs.exclude(verb__in=HIDDEN_VERBS)
    if hidden_private_ids:
        qs = qs.filter(Q(circle_id__isnull=True) | ~Q(circle_id__in=hidden_private_ids))
    return qs.select_related("actor").order_by("-sequence")


def circle_feed(circle_id: int) -> Any:
    qs = LedgerEvent.objects.filter(circle_id=circle_id)
    if HIDDEN_VERBS:
        qs = qs.exclude(verb__in=HIDDEN_VERBS)
    return qs.select_related("actor").order_by("-sequence")
