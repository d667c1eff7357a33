"""The API's shapes for the caller's notifications: each with its event's sentence, as this
person may read it."""

import datetime as dt
from typing import Any

from ninja import Schema

from circlewise.core.api import EventOut
from circlewise.core.api_auth import viewer_of
from circlewise.core.models import LedgerEvent

from .forms import KIND_HELP
from .models import Frequency, Kind, Notification, default_frequency
from .selectors import said_to, sentence_for


class NotificationEventOut(EventOut):
    @staticmethod
    def resolve_sentence(obj: LedgerEvent, context: Any = None) -> str:
        request = context["request"] if context else None
        return sentence_for(viewer_of(request), obj)

    @staticmethod
    def resolve_url(obj: LedgerEvent, context: Any = None) -> str:
        request = context["request"] if context else None
        return said_to(viewer_of(request), obj).url


class NotificationOut(Schema):
    id: int
    created_at: dt.datetime
    read_at: dt.datetime | None
    is_read: bool
    event: NotificationEventOut

    @staticmethod
    def resolve_is_read(obj: Notification) -> bool:
        return obj.read_at is not None


class MarkedOut(Schema):
    marked: int


class EmailPreferenceOut(Schema):
    kind: Kind
    label: str
    description: str
    frequency: Frequency
    default: Frequency


class EmailPreferencesOut(Schema):
    organisation: str
    preferences: list[EmailPreferenceOut]


class EmailPreferencesIn(Schema):
    """The kinds to change, each with its new choice; kinds left out keep theirs."""

    preferences: dict[Kind, Frequency]


def email_preferences_out(organisation_slug: str, chosen: dict[Kind, Frequency]) -> dict[str, Any]:
    return {
        "organisation": organisation_slug,
        "preferences": [
            {
                "kind": kind,
                "label": str(kind.label),
                "description": str(KIND_HELP[kind]),
                "frequency": chosen[kind],
                "default": default_frequency(kind),
            }
            for kind in Kind
        ],
    }
