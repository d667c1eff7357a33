#!/usr/bin/env python3
"""The ledger's hash rule, and the check of an exported ledger, in Python's standard library only.

Circlewise hashes every ledger event with `event_hash` below, and `manage.py verify_ledger --file`
checks exports with `verify_export`. This file also runs on its own, without Circlewise or Django
(Python 3.10 or newer), so that anyone holding an export can check it on their own machine:

    python3 verify_ledger_export.py willow-ledger-1234.jsonl

It prints what holds, or the number of the first line that does not, and exits with 0 if the
export holds, 1 if it does not, 2 if the file cannot be read. The export format, the canonical
JSON rule and what an export proves are in docs/ledger-export.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64
EXPORT_KIND = "circlewise-ledger"
EXPORT_FORMAT = 1
# What an event's hash covers; an export's event line holds these and "hash", nothing else.
HASHED_FIELDS = (
    "actor",
    "circle",
    "object_id",
    "object_type",
    "occurred_at",
    "organisation",
    "payload",
    "prev_hash",
    "sequence",
    "verb",
)
EVENT_KEYS = frozenset((*HASHED_FIELDS, "hash"))
# An event the reader may not see, in an export of the whole chain: where it sits, not what it is.
SEALED_KEYS = frozenset(("organisation", "sequence", "prev_hash", "hash", "sealed"))
SCOPES = ("organisation", "member")
_HASH = re.compile(r"[0-9a-f]{64}")


def canonical_json(data: Any) -> str:
    """Keys sorted by code point, no whitespace, UTF-8 characters as they are (not \\u-escaped)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(event: Mapping[str, Any]) -> str:
    """SHA-256, in lowercase hex, of the canonical JSON of the event's hashed fields."""
    body = canonical_json({name: event[name] for name in HASHED_FIELDS})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def parse_line(line: str) -> Any:
    """One line of an export as JSON, refusing what canonical JSON cannot hold: a key given twice
    (readers disagree on which one counts) and NaN or Infinity."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in items:
            if key in found:
                raise ValueError(f"the key {key!r} appears twice")
            found[key] = value
        return found

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    return json.loads(line, object_pairs_hook=pairs, parse_constant=constant)


@dataclass
class ExportReport:
    """What checking an export found. `bad_line` is the first line that does not hold (1 is the
    header), or None if the whole export holds."""

    scope: str = ""
    organisation: str = ""
    events: int = 0  # event lines, sealed ones included
    sealed: int = 0
    links: int = 0  # links between consecutive events that were checked
    up_to_sequence: int = 0  # how many events the chain held when the export was made
    first_sequence: int = 0
    last_sequence: int = 0
    head: str = ""  # the hash of the last event in the export
    bad_line: int | None = None
    sequence: int | None = None  # the sequence on the bad line, where it has one
    reason: str = ""
    at_end: bool = False  # the bad "line" is the end of the file: lines are missing

    @property
    def ok(self) -> bool:
        return self.bad_line is None

    @property
    def missing(self) -> int:
        """Events of the chain that are not in this export (a member's export leaves some out)."""
        return self.up_to_sequence - self.events

    def summary(self) -> str:
        if not self.ok:
            where = f"line {self.bad_line}"
            if self.at_end:
                where = f"line {self.bad_line} (the end of the file)"
            if self.sequence is not None:
                where += f" (sequence {self.sequence})"
            return f"BROKEN: {self.organisation or 'export'}: {where}: {self.reason}"
        if self.scope == "organisation":
            sealed = (
                f" ({self.sealed} sealed: in the chain, their content not in this export)"
                if self.sealed
                else ""
            )
            return (
                f"ok: {self.organisation}: the whole chain, {self.events} events{sealed}; every "
                f"link holds; head {self.head or '(none yet)'} at sequence {self.last_sequence}"
            )
        return (
            f"ok: {self.organisation}: one member's view, {self.events} of the chain's "
            f"{self.up_to_sequence} events; each matches its hash, and the {self.links} links "
            f"between consecutive events hold; {self.missing} events are not in this export"
        )


class _Broken(Exception):
    def __init__(self, reason: str, sequence: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sequence = sequence


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read_header(line: str, report: ExportReport) -> dict[str, Any]:
    try:
        header = parse_line(line)
    except ValueError as error:
        raise _Broken(f"not JSON: {error}") from None
    if not isinstance(header, dict) or header.get("export") != EXPORT_KIND:
        raise _Broken("this is not a Circlewise ledger export (its first line says what it is)")
    if header.get("format") != EXPORT_FORMAT:
        raise _Broken(f"format {header.get('format')!r}; this check reads format {EXPORT_FORMAT}")
    organisation = header.get("organisation")
    if (
        header.get("scope") not in SCOPES
        or not isinstance(organisation, dict)
        or not _is_int(organisation.get("id"))
        or not _is_int(header.get("up_to_sequence"))
        or header["up_to_sequence"] < 0
        or (header["scope"] == "organisation" and not isinstance(header.get("head"), str))
    ):
        raise _Broken("the first line lacks the export's scope, organisation, length or head")
    report.scope = header["scope"]
    report.organisation = str(organisation.get("slug") or organisation["id"])
    report.up_to_sequence = header["up_to_sequence"]
    return header


def _check_event(
    line: str, header: dict[str, Any], previous: dict[str, Any] | None, report: ExportReport
) -> dict[str, Any]:
    try:
        event = parse_line(line)
    except ValueError as error:
        raise _Broken(f"not JSON: {error}") from None
    if not isinstance(event, dict):
        raise _Broken("not an event (a JSON object)")
    given = event.get("sequence")
    hint = given if _is_int(given) else None
    sealed = "sealed" in event
    keys = set(event)
    expected = SEALED_KEYS if sealed else EVENT_KEYS
    if keys != expected:
        extra, lacking = sorted(keys - expected), sorted(expected - keys)
        said = []
        if extra:
            said.append("has " + ", ".join(extra) + ", which no event has")
        if lacking:
            said.append("lacks " + ", ".join(lacking))
        raise _Broken("the event " + " and ".join(said), hint)
    if hint is None or hint < 1:
        raise _Broken("its sequence is not a whole number from 1 up")
    sequence: int = hint
    if sealed and event["sealed"] is not True:
        raise _Broken('a sealed event says `"sealed": true`', sequence)
    if event["organisation"] != header["organisation"]["id"]:
        raise _Broken("the event belongs to another organisation than the export", sequence)
    for name in ("hash", "prev_hash"):
        if not isinstance(event[name], str) or not _HASH.fullmatch(event[name]):
            raise _Broken(f"its {name} is not 64 lowercase hexadecimal digits", sequence)
    last = previous["sequence"] if previous is not None else 0
    if sequence <= last:
        raise _Broken(f"out of order: it follows sequence {last}", sequence)
    if sequence > report.up_to_sequence:
        raise _Broken(
            f"beyond the {report.up_to_sequence} events the first line says the chain held",
            sequence,
        )
    if report.scope == "organisation" and sequence != last + 1:
        raise _Broken(f"sequence {last + 1} belongs here: the whole chain has no gaps", sequence)
    if sequence == 1 and event["prev_hash"] != GENESIS_HASH:
        raise _Broken("the first event does not start from the genesis hash (64 zeros)", sequence)
    if previous is not None and sequence == last + 1:
        if event["prev_hash"] != previous["hash"]:
            raise _Broken("its previous hash does not match the event before it", sequence)
        report.links += 1
    elif sequence == 1:
        report.links += 1
    if not sealed and event_hash(event) != event["hash"]:
        raise _Broken("its content does not match its hash", sequence)
    report.events += 1
    report.sealed += sealed
    report.first_sequence = report.first_sequence or sequence
    report.last_sequence = sequence
    report.head = event["hash"]
    return event


def verify_export(lines: Iterable[str]) -> ExportReport:
    """Check an export line by line, holding one event at a time; stop at the first bad line.

    Every event's content is checked against its own hash (sealed events carry no content, so
    only their place and links are), and every link between consecutive sequences. The whole
    chain must have no gaps, and end at the head its first line names; a member's export holds
    some of the chain's events, in order.
    """
    report = ExportReport()
    header: dict[str, Any] | None = None
    previous: dict[str, Any] | None = None
    number = last_event_line = 0
    try:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            if header is None:
                header = _read_header(line, report)
            else:
                previous = _check_event(line, header, previous, report)
                last_event_line = number
        if header is None:
            number = 1
            raise _Broken("the file is empty")
        if report.scope == "organisation" and report.last_sequence != report.up_to_sequence:
            number += 1
            report.at_end = True
            raise _Broken(
                f"the export ends after sequence {report.last_sequence}, but its first line says "
                f"the chain held {report.up_to_sequence} events: lines are missing at the end"
            )
        if report.scope == "organisation" and report.head != header["head"]:
            number = last_event_line or 1
            raise _Broken("the last event is not the head that the first line names")
    except _Broken as broken:
        report.bad_line = number
        report.sequence = broken.sequence
        report.reason = broken.reason
    return report


def verify_export_file(path: str) -> ExportReport:
    """`verify_export` on a file (or standard input for "-"), read as UTF-8 one line at a time."""
    if path == "-":
        return verify_export(sys.stdin)
    with open(path, encoding="utf-8", newline="\n") as lines:
        return verify_export(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check an exported Circlewise ledger (JSON lines) without Circlewise."
    )
    parser.add_argument("export", help="the export file, or - to read standard input")
    options = parser.parse_args(argv)
    try:
        report = verify_export_file(options.export)
    except (OSError, UnicodeDecodeError) as error:
        print(f"cannot read {options.export}: {error}", file=sys.stderr)
        return 2
    print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
