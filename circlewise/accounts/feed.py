"""Sentences for the account's ledger events. A person's profile and tokens are personal, not
organisational (see services.py), so they append nothing; joining an organisation by invitation
is the circles app's event (circles/feed.py). Deactivating or reactivating an account is recorded
in every organisation the person belongs to: they leave (or rejoin) its current members."""

from __future__ import annotations

from django.utils.translation import gettext as _

from circlewise.core.feed import Describer, Sentence, actor, bdi, person, person_url, say
from circlewise.core.models import LedgerEvent


def _account(event: LedgerEvent) -> Sentence:
    values = {
        "actor": actor(event),
        "person": person(event.payload),
        "org": bdi(event.organisation.name),
    }
    if event.verb == "account.deactivated":
        return say(
            _("%(actor)s deactivated the account of %(person)s, who is no longer among the "
              "members of %(org)s."),
            person_url(event),
            **values,
        )  # fmt: skip
    return say(
        _("%(actor)s reactivated the account of %(person)s, who is back among the members of "
          "%(org)s."),
        person_url(event),
        **values,
    )  # fmt: skip


DESCRIBERS: dict[str, Describer] = {
    "account.deactivated": _account,
    "account.reactivated": _account,
}
HIDDEN: frozenset[str] = frozenset()
