"""broadcast_on_commit: a live broadcast reaches the group's channels after commit, never before,
and never after a rollback. Through real channel layers: in memory, and Redis."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from channels.layers import get_channel_layer
from django.db import transaction
from django.test import override_settings

from circlewise.circles import services as circles
from circlewise.core.events import broadcast_on_commit

from .. import factories as f
from .test_ledger_database import postgresql_only

pytestmark = pytest.mark.django_db

REDIS = "redis://127.0.0.1:6379"
# A database and a prefix of their own: the suite's caches use databases 0-2 (one per process).
REDIS_DB = 14


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(f"{REDIS}/{REDIS_DB}", socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _layers(kind: str) -> dict[str, Any]:
    if kind == "memory":
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"{REDIS}/{REDIS_DB}"], "prefix": f"cw-test-events-{worker}"},
        }
    }


@pytest.fixture(params=["memory", "redis"])
def layer(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "redis" and not _redis_reachable():
        pytest.skip(f"no Redis at {REDIS}")
    with override_settings(CHANNEL_LAYERS=_layers(request.param)):
        yield get_channel_layer()


class Listener:
    """A channel in a group, received from in an event loop of its own, as a consumer of the live
    room is in the server's loop (the services send from their own threads)."""

    def __init__(self, layer: Any, group: str) -> None:
        self.layer = layer
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.channel: str = self._run(layer.new_channel())
        self._run(layer.group_add(group, self.channel))

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def next(self, timeout: float = 2.0) -> dict[str, Any] | None:
        """The next message on the channel, or None if none comes within `timeout` seconds."""

        async def receive() -> dict[str, Any] | None:
            try:
                message: dict[str, Any] = await asyncio.wait_for(
                    self.layer.receive(self.channel), timeout
                )
            except TimeoutError:
                return None
            return message

        return self._run(receive())  # type: ignore[no-any-return]

    def close(self) -> None:
        # Stopped, then closed here rather than left to the garbage collector (the Redis layer
        # flushes its connections as its loop closes, which needs no other loop to be running).
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture
def listen(layer: Any) -> Iterator[Callable[[str], Listener]]:
    listeners: list[Listener] = []

    def listen(group: str) -> Listener:
        listeners.append(Listener(layer, group))
        return listeners[-1]

    yield listen
    for listener in listeners:
        listener.close()


def test_a_broadcast_arrives_after_commit_and_not_before(
    listen, django_capture_on_commit_callbacks
):
    # given a channel listening to a room's group
    listener = listen("room.1")
    message = {"type": "room.changed", "sequence": 7}

    # when a service broadcasts inside its transaction
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            broadcast_on_commit("room.1", message)
            # then nothing has gone out while the change is not committed
            assert listener.next(timeout=0.3) is None
        assert listener.next(timeout=0.3) is None

    # and once it commits, the message arrives, once
    assert listener.next() == message
    assert listener.next(timeout=0.3) is None


def test_a_broadcast_in_a_transaction_that_rolls_back_is_never_sent(
    listen, django_capture_on_commit_callbacks
):
    # given a channel listening to a room's group
    listener = listen("room.2")

    # when the transaction that broadcast rolls back
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            broadcast_on_commit("room.2", {"type": "room.changed"})
            _ = 1 / 0
        # a later change in the same request is still told
        with transaction.atomic():
            broadcast_on_commit("room.2", {"type": "room.changed", "after": "rollback"})

    # then only what committed went out
    assert len(callbacks) == 1
    assert listener.next() == {"type": "room.changed", "after": "rollback"}
    assert listener.next(timeout=0.3) is None


def test_a_broadcast_reaches_only_its_group(listen, django_capture_on_commit_callbacks):
    # given two rooms, each with a listener
    here, elsewhere = listen("room.3"), listen("room.4")

    # when one room is told of a change
    with django_capture_on_commit_callbacks(execute=True):
        broadcast_on_commit("room.3", {"type": "room.changed"})

    # then only its listener hears it
    assert here.next() == {"type": "room.changed"}
    assert elsewhere.next(timeout=0.3) is None


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ("room 1", {"type": "room.changed"}),  # a space: Channels refuses the name
        ("", {"type": "room.changed"}),
        ("r" * 100, {"type": "room.changed"}),
        ("room.1", {"sequence": 1}),  # no handler named
    ],
)
def test_a_broadcast_the_layer_would_refuse_fails_in_the_service_not_after_commit(
    django_capture_on_commit_callbacks, group, message
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValueError):
        broadcast_on_commit(group, message)
    assert callbacks == []


def test_a_layer_that_fails_after_commit_does_not_fail_the_change(
    django_capture_on_commit_callbacks, caplog
):
    # given a channel layer that cannot be reached
    unreachable = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    # when a committed change is broadcast
    with (
        override_settings(CHANNEL_LAYERS=unreachable),
        django_capture_on_commit_callbacks(execute=True),
    ):
        broadcast_on_commit("room.5", {"type": "room.changed"})

    # then the failure is logged, and raised to nobody
    assert "Broadcasting 'room.changed' to the group room.5 failed." in caplog.text


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_service_broadcast_arrives_after_a_real_commit_and_not_after_a_real_rollback(listen):
    # given a listener and an organisation (its founding commits for real)
    listener = listen("org.willow")
    founder = f.make_user("Fern")
    organisation = f.make_org("Willow", founder=founder)

    # when one change rolls back and another commits, each broadcasting inside its transaction
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        circles.update_organisation(organisation=organisation, vision="Lost", actor=founder)
        broadcast_on_commit("org.willow", {"type": "org.changed", "vision": "Lost"})
        _ = 1 / 0
    with transaction.atomic():
        circles.update_organisation(organisation=organisation, vision="Kept", actor=founder)
        broadcast_on_commit("org.willow", {"type": "org.changed", "vision": "Kept"})
        assert listener.next(timeout=0.3) is None

    # then only the committed change is told, after its commit
    assert listener.next() == {"type": "org.changed", "vision": "Kept"}
    assert listener.next(timeout=0.3) is None
