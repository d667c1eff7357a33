"""Sentences for the ledger events of organisations, invitations, circles, memberships and roles,
in feeds and notifications. (See circlewise.core.feed for the escaping and the `<bdi>` around
every name.)
"""

from __future__ import annotations

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from circlewise.core.feed import (
    Describer,
    Sentence,
    a_date,
    actor,
    bdi,
    circle_name,
    circle_url,
    is_self,
    org_url,
    person,
    person_url,
    say,
)
from circlewise.core.models import LedgerEvent


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
    if reason == "stepped_down":
        return say(_("%(holder)s stepped down early as %(role)s in %(circle)s."), url,
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

# No circle event is hidden from the feeds.
HIDDEN: frozenset[str] = frozenset()
