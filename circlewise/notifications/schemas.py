"""The API's shapes for the caller's notifications: each with its event's sentence, as this
person may read it."""

import datetime as dt
from typing import Any

from ninja import Schema

from circlewise.core.api import EventOut
from circlewise.core.api_auth import viewer_of
from circlewise.core.models import LedgerEvent

from .models import Notification
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
