"""Exports of an organisation's ledger as JSON lines, to be checked away from the server.

Two kinds, both read by `chain.verify_export` (and so by `manage.py verify_ledger --file` and the
standalone verifier, which is chain.py itself):

- the whole chain (`scope="organisation"`), for organisation admins and operators: every event
  in order, with nothing left out. An event the reader may not see in the feeds (one of a
  private circle they are not in, a change to a draft) is *sealed*: its place and both hashes,
  without its content, so the chain still links from the first event to the head.
- a member's view (`scope="member"`): only the events the member sees in the organisation's feed,
  with their content and hashes; the others are left out entirely.

Exports are streamed a chunk of rows at a time, never held whole in memory, and they end at the
head as it was when the export began, so events appended meanwhile do not tear it. The format
is described in docs/ledger-export.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone

from . import feed
from .chain import EXPORT_FORMAT, EXPORT_KIND, canonical_json
from .models import LedgerEvent, format_time

if TYPE_CHECKING:
    from circlewise.accounts.models import User
    from circlewise.circles.models import Organisation

WHOLE_CHAIN = "organisation"
MEMBER_VIEW = "member"
CONTENT_TYPE = "application/jsonl; charset=utf-8"
ROWS_PER_QUERY = 2000
BYTES_PER_CHUNK = 64 * 1024

_COLUMNS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "verb",
    "object_type",
    "object_id",
    "circle_id",
    "payload",
    "prev_hash",
    "hash",
)


def _hidden_private_ids(viewer: User, organisation: Organisation) -> set[int]:
    from circlewise.circles.permissions import circle_ids_of, private_circle_ids

    return set(private_circle_ids(organisation)) - circle_ids_of(viewer, organisation)


def _visible_to(viewer: User, organisation: Organisation) -> Any:
    """The events the viewer sees in the organisation's feed: the feeds' own rule, not a copy."""
    return feed.organisation_feed(organisation.pk, set(), _hidden_private_ids(viewer, organisation))


def export_lines(
    organisation: Organisation, *, scope: str, viewer: User | None = None
) -> Iterator[str]:
    """The export's lines, each ending in a newline: a header, then one event per line in
    sequence order, up to the head as it is now. With no viewer (an operator at the server) the
    whole chain is open; with one, what they may not see is sealed or left out (see above)."""
    if scope not in (WHOLE_CHAIN, MEMBER_VIEW) or (scope == MEMBER_VIEW and viewer is None):
        raise ValueError(f"no export of scope {scope!r} for this reader")
    # Read the head afresh: the export ends there, whatever is appended while it streams.
    head = (
        type(organisation).objects.values("ledger_sequence", "ledger_head").get(pk=organisation.pk)
    )
    up_to = int(head["ledger_sequence"])
    header: dict[str, Any] = {
        "export": EXPORT_KIND,
        "format": EXPORT_FORMAT,
        "scope": scope,
        "organisation": {
            "id": organisation.pk,
            "slug": organisation.slug,
            "name": organisation.name,
        },
        "exported_at": format_time(timezone.now()),
        "up_to_sequence": up_to,
    }
    if scope == WHOLE_CHAIN:
        header["head"] = head["ledger_head"]
    yield canonical_json(header) + "\n"
    org_id = organisation.pk
    for row in _rows(organisation, scope=scope, viewer=viewer, up_to=up_to):
        yield canonical_json(_line(org_id, row)) + "\n"


def _rows(
    organisation: Organisation, *, scope: str, viewer: User | None, up_to: int
) -> Iterable[tuple[Any, ...]]:
    """The events up to `up_to` in sequence order, as `_COLUMNS` and whether the reader may
    read the event (False: it is sealed)."""
    if scope == MEMBER_VIEW:
        assert viewer is not None
        events = _visible_to(viewer, organisation).select_related(None)
        return (
            (*row, True)
            for row in events.filter(sequence__lte=up_to)
            .order_by("sequence")
            .values_list(*_COLUMNS)
            .iterator(chunk_size=ROWS_PER_QUERY)
        )
    all_events = LedgerEvent.objects.filter(organisation_id=organisation.pk, sequence__lte=up_to)
    if viewer is None:
        return (
            (*row, True)
            for row in all_events.order_by("sequence")
            .values_list(*_COLUMNS)
            .iterator(chunk_size=ROWS_PER_QUERY)
        )
    # Whether each event is in the viewer's feed, asked of the feed's own query.
    visible = _visible_to(viewer, organisation).order_by().filter(pk=OuterRef("pk"))
    return (
        all_events.annotate(is_open=Exists(visible))
        .order_by("sequence")
        .values_list(*_COLUMNS, "is_open")
        .iterator(chunk_size=ROWS_PER_QUERY)
    )


def _line(org_id: int, row: tuple[Any, ...]) -> dict[str, Any]:
    """One event's line: every field when the reader may read it, else only its place in the
    chain (sequence and hashes) and `sealed`."""
    seq, at, actor, verb, otype, oid, circle, payload, prev, digest, is_open = row
    if not is_open:
        return {
            "organisation": org_id,
            "sequence": seq,
            "prev_hash": prev,
            "hash": digest,
            "sealed": True,
        }
    return {
        "organisation": org_id,
        "sequence": seq,
        "occurred_at": format_time(at),
        "actor": actor,
        "verb": verb,
        "object_type": otype,
        "object_id": oid,
        "circle": circle,
        "payload": payload,
        "prev_hash": prev,
        "hash": digest,
    }


def _chunks(lines: Iterable[str]) -> Iterator[bytes]:
    """Lines joined into chunks of about BYTES_PER_CHUNK: one write per chunk, not per event."""
    buffer: list[bytes] = []
    size = 0
    for line in lines:
        data = line.encode("utf-8")
        buffer.append(data)
        size += len(data)
        if size >= BYTES_PER_CHUNK:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)


async def _pulled(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Under ASGI, Django would read a synchronous stream into one list before sending any of
    it; this pulls one chunk at a time instead, on the request's own thread (and connection)."""

    def pull() -> bytes | None:
        return next(chunks, None)

    while (chunk := await sync_to_async(pull, thread_sensitive=True)()) is not None:
        yield chunk


def streamed(request: HttpRequest, lines: Iterable[str], *, filename: str) -> StreamingHttpResponse:
    """A download of the export, streamed chunk by chunk under WSGI and ASGI alike."""
    chunks = _chunks(lines)
    content: Iterator[bytes] | AsyncIterator[bytes] = (
        _pulled(chunks) if isinstance(request, ASGIRequest) else chunks
    )
    response = StreamingHttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def filename_for(organisation: Organisation, scope: str) -> str:
    view = "ledger" if scope == WHOLE_CHAIN else "ledger-my-view"
    return f"{organisation.slug}-{view}-{organisation.ledger_sequence}.jsonl"


# Reading an export back -----------------------------------------------------------------------


@dataclass(frozen=True)
class ExportedEvent:
    """An event read from an export, with the attributes a LedgerEvent has that rebuilding from
    the ledger reads (`decisions.services.rebuild_record`), so the same code reads both."""

    sequence: int
    occurred_at: dt.datetime
    actor_id: int | None
    verb: str
    object_type: str
    object_id: int | None
    circle_id: int | None
    payload: dict[str, Any]
    hash: str

    @classmethod
    def from_line(cls, line: Mapping[str, Any]) -> ExportedEvent:
        return cls(
            sequence=line["sequence"],
            occurred_at=dt.datetime.fromisoformat(line["occurred_at"]),
            actor_id=line["actor"],
            verb=line["verb"],
            object_type=line["object_type"],
            object_id=line["object_id"],
            circle_id=line["circle"],
            payload=line["payload"],
            hash=line["hash"],
        )


def read_events(lines: Iterable[str]) -> Iterator[tuple[int, ExportedEvent]]:
    """The open events of an export with their line numbers; the header and sealed events are
    skipped. Check the export with `chain.verify_export` first: this only reads it."""
    from .chain import parse_line

    seen_header = False
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        if not seen_header:
            seen_header = True
            continue
        line = parse_line(text)
        if isinstance(line, dict) and "verb" in line:
            yield number, ExportedEvent.from_line(line)
