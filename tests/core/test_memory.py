"""Server processes keep their long-lived objects out of the garbage collector's full passes."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from django.core.signals import request_finished

from circlewise.core.perf import memory


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    request_finished.disconnect(dispatch_uid="circlewise.core.perf.memory")
    gc.unfreeze()


def test_the_objects_alive_at_start_are_frozen(unfrozen: None) -> None:
    kept = [object() for _ in range(10)] + [[] for _ in range(10)]
    memory.keep_long_lived_out_of_collections()
    frozen = gc.get_freeze_count()
    assert frozen > len(kept)
    gc.collect()
    assert gc.get_freeze_count() == frozen  # a collection leaves them be


@pytest.mark.django_db  # Django's own receivers of request_finished close old connections
def test_the_process_freezes_again_after_serving_requests(
    unfrozen: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory, "_served", 0)
    monkeypatch.setattr(memory, "FREEZE_AFTER", frozenset({3}))
    memory.keep_long_lived_out_of_collections()
    at_start = gc.get_freeze_count()
    warmed = [[n] for n in range(1000)]  # a cache filled by the first requests
    request_finished.send(sender=None)
    request_finished.send(sender=None)
    # Not frozen yet (the count can only fall, as frozen objects are freed).
    before = gc.get_freeze_count()
    assert before < at_start + len(warmed)
    request_finished.send(sender=None)
    assert gc.get_freeze_count() - before >= len(warmed)
