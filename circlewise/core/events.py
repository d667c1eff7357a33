"""Live broadcasts: what a service tells the browsers watching a room, once its change is saved.

The seam the live room builds on (meetings' consumers join a group per room; services send the
change to it). A broadcast goes out through Channels' layer (in memory for one process, Redis with
`REDIS_URL` for several) after the transaction commits, like notifications: nobody is told of a
change that rolled back, and a change is never announced before it can be read. Only services
broadcast, never signals or views; a consumer that reconnects asks for the current state rather
than replaying what it missed, so a broadcast lost with a failed layer costs a refresh, not the
change itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# What Channels accepts as a group name (channels.layers.BaseChannelLayer.valid_group_name).
GROUP_NAME_MAX = 99
_GROUP_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def _check(group: str, message: Mapping[str, Any]) -> None:
    """Refuse a broadcast that the layer would refuse after commit, while the service can still
    fail: a group name Channels does not take, or a message without the `type` that names the
    consumer's handler."""
    if not group or len(group) > GROUP_NAME_MAX or not set(group) <= _GROUP_CHARACTERS:
        raise ValueError(f"not a channel group name: {group!r}")
    if not isinstance(message.get("type"), str) or not message["type"]:
        raise ValueError("a broadcast needs a 'type' naming the consumer's handler")


def send(group: str, message: Mapping[str, Any]) -> None:
    """Send now, to every channel in the group. Call broadcast_on_commit instead from services."""
    layer = get_channel_layer()
    if layer is None:  # no CHANNEL_LAYERS configured: nobody can be listening
        return
    async_to_sync(layer.group_send)(group, dict(message))


def broadcast_on_commit(
    group: str, message: Mapping[str, Any], *, using: str | None = None
) -> None:
    """Send `message` to the channel group `group` once the current transaction commits (at
    once outside one); never if it rolls back.

    A layer that fails then (Redis away) is logged and does not undo or fail the change, which is
    saved by then (`robust=True`, as for notifications).
    """
    _check(group, message)
    payload = dict(message)

    def after_commit() -> None:
        try:
            send(group, payload)
        except Exception:
            logger.exception("Broadcasting %r to the group %s failed.", payload["type"], group)

    transaction.on_commit(after_commit, using=using, robust=True)
