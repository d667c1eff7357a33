"""Caching what is rendered from the ledger, without ever serving it stale.

Every change of an organisation's state appends to its ledger and moves
`Organisation.ledger_sequence` (and, for a circle's own events, `Circle.ledger_sequence`). A
number that moves on every change is an exact version: a fragment cached under it can be served
until the number moves, and then it is simply never asked for again (the cache evicts it). There is
nothing to invalidate and no time-to-live to tune.

What a page renders from outside the ledger goes into the key as well:

- the language, the time zone and today's date in that time zone (term badges say "ending soon"
  relative to today), added by `fragment` itself;
- people's names and pronouns, which change through their own profile and are deliberately not
  ledgered: `people_changed()` moves `people_version()`, which every key includes;
- whatever differs between viewers (may they edit? which private circles do they see?): the
  caller passes it as `vary`.

The permission check is never cached: views authorise first, on every request, then ask for the
fragment.

Several server processes must share one cache (REDIS_URL) for `people_changed()` to reach them all;
a single process may use the default in-memory cache.

Two more inputs make a key exact across time:

- the code: `code_version()` hashes this release's Python, templates and translations, so a new
  release never serves what an older one rendered;
- the organisation's ledger head besides its sequence (`organisation_version`), so a database
  restored from a backup, with a history as long but different, never meets an old entry.

Since a key names exactly what is stored under it, an entry never changes once written: each
process keeps the entries it used last in its own memory (`LOCAL_BYTES`) in front of a shared
cache, and asks the shared cache only for what it does not hold and for the one mutable key, the
people version.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import pickle
import time
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from .lru import BytesLRU, bytes_limit, text_size

if TYPE_CHECKING:
    from circlewise.circles.models import Circle, Organisation

PEOPLE_VERSION_KEY = "cw:people-version"
# A fragment whose version has moved on is never read again; this only bounds the memory it holds.
FRAGMENT_TIMEOUT = 24 * 60 * 60
# What each process keeps of the entries it used last, in front of a shared cache.
LOCAL_BYTES = bytes_limit("CACHE_LOCAL_MB", 32)


@functools.cache
def code_version() -> str:
    """A digest of this release's code, templates and translations: part of every key."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".html", ".mo", ".svg", ".css", ".js"} and path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


# The entries this process used last (never mutable ones), bounded in bytes.
_local: BytesLRU[str, str | bytes] = BytesLRU(LOCAL_BYTES, text_size)


@functools.cache
def _shared() -> bool:
    """Whether the cache is shared between processes (then this process keeps its own copies);
    the in-memory cache is already local."""
    return not str(settings.CACHES["default"]["BACKEND"]).endswith("LocMemCache")


def people_version() -> int:
    """A counter that moves whenever someone's name, pronouns or time zone changes."""
    value = cache.get(PEOPLE_VERSION_KEY)
    if value is None:
        # Missing (first use, or evicted): start from the clock, above every earlier value, so
        # that a fragment rendered under an old value is never served again.
        cache.add(PEOPLE_VERSION_KEY, time.time_ns() // 1000, timeout=None)
        value = cache.get(PEOPLE_VERSION_KEY, 0)
    return int(value)


def people_changed() -> None:
    """Call after a profile change commits: every fragment that names people is rebuilt."""
    try:
        cache.incr(PEOPLE_VERSION_KEY)
    except ValueError:  # missing: the next reader starts it afresh, above every earlier value
        people_version()


def organisation_version(organisation: Organisation) -> str:
    """The exact version of everything an organisation shows: its ledger sequence and head.

    The sequence alone moves on every change; the head (the hash of the last event, which covers
    its time) also tells apart two histories of the same length, such as a database restored from
    a backup, or test databases rolled back and filled again, behind a cache that outlived them.
    """
    return f"{organisation.ledger_sequence}-{(organisation.ledger_head or '')[:16]}"


def _last_event(organisation: Organisation, circles: Q | None) -> str:
    """The sequence and hash of the last event among these circles' own and the organisation's
    (`general_sequence`), whichever came last. One query (none without circles)."""
    from circlewise.circles.models import Circle

    found = None
    if circles is not None:
        found = (
            Circle.objects.filter(circles, organisation_id=organisation.pk)
            .order_by("-ledger_sequence")
            .values_list("ledger_sequence", "ledger_head")
            .first()
        )
    sequence, head = found if found is not None else (0, "")
    if organisation.general_sequence > sequence:
        sequence, head = organisation.general_sequence, organisation.general_head
    return f"{sequence}-{(head or '')[:16]}"


def circle_version(circle: Circle) -> str:
    """The exact version of what a circle's pages show: the last event of the circle, of its
    parent, of its sub-circles (archived ones too: they disappear from the list) or of the
    organisation itself (members joining and leaving, its name), whichever came last, with that
    event's hash (as `organisation_version`). One query.

    A change anywhere else in the organisation leaves it as it is, so a circle's pages stay cached
    while other circles work. What a circle's page shows of another circle beyond these must move
    that circle's last event too: `ledger.append(touches=...)`.
    """
    related = Q(pk=circle.pk) | Q(parent_id=circle.pk) | Q(pk=circle.parent_id or 0)
    return "c" + _last_event(circle.organisation, related)


def circles_version(organisation: Organisation, circle_ids: Iterable[int]) -> str:
    """The exact version of what is shown of these circles alone (a person's own circles on their
    home): the last event of any of them or of the organisation itself, with its hash, and the
    set of circles. One query (none for no circles)."""
    ids = sorted(set(circle_ids))
    which = hashlib.blake2b(repr(ids).encode(), digest_size=6).hexdigest()
    return f"s{_last_event(organisation, Q(pk__in=ids) if ids else None)}-{which}"


def fragment_key(name: str, *, version: int | str, vary: Iterable[Hashable] = ()) -> str:
    """The cache key of a fragment: its name, the exact version, and everything it varies by."""
    parts = [
        repr(tuple(vary)),
        translation.get_language() or "",
        timezone.get_current_timezone_name(),
        timezone.localdate().isoformat(),
        str(people_version()),
    ]
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return f"cw:fragment:{code_version()}:{name}:{version}:{digest}"


def fragment(
    name: str,
    *,
    version: int | str,
    render: Callable[[], str],
    vary: Iterable[Hashable] = (),
    timeout: int = FRAGMENT_TIMEOUT,
) -> SafeString:
    """Rendered HTML for `name` at `version`: from the cache, or rendered now and kept.

    `name` says what is rendered and from which object ("circle-body:42"); `version` is a ledger
    sequence that moves whenever anything rendered changes (the organisation's for a page that
    shows more than one circle); `vary` lists every viewer-specific input of the rendering. `render`
    must return HTML that is safe to insert (Django's render_to_string does).
    """
    key = fragment_key(name, version=version, vary=vary)
    local = _shared()
    html = _local.get(key) if local else None
    if not isinstance(html, str):
        html = cache.get(key)
        if html is None:
            html = str(render())
            cache.set(key, html, timeout)
        if local:
            _local.put(key, html)
    return mark_safe(html)  # noqa: S308 - the renderer's own output, escaped by its template


def value[T](
    name: str, *, version: int | str, compute: Callable[[], T], timeout: int = FRAGMENT_TIMEOUT
) -> T:
    """Any picklable value derived from the ledger's state at `version`, computed once.

    For data rather than HTML (the ids of a circle's private sub-circles, a tree of circles): the
    key holds no language, time zone or viewer, so what is computed must not depend on them.
    """
    key = f"cw:value:{code_version()}:{name}:{version}"
    local = _shared()
    kept = _local.get(key) if local else None
    if isinstance(kept, bytes):
        # A copy for each caller, as the shared cache gives: callers may change what they get.
        return pickle.loads(kept)  # type: ignore[no-any-return]  # noqa: S301 - our own bytes
    found: T | None = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, timeout)
    if local:
        _local.put(key, pickle.dumps(found))
    return found


def _nav_version_key(user_id: int) -> str:
    return f"cw:nav-version:{user_id}"


def nav_version(user_id: int) -> int:
    """A per-person counter that moves whenever what their navigation shows changes: a
    notification delivered or read, an organisation joined, left or renamed."""
    key = _nav_version_key(user_id)
    found = cache.get(key)
    if found is None:
        # Missing (first use, or evicted): start from the clock, above every earlier value.
        cache.add(key, time.time_ns() // 1000, timeout=None)
        found = cache.get(key, 0)
    return int(found)


def nav_changed(user_ids: Iterable[int]) -> None:
    """Call after a change to these people's navigation commits: theirs is loaded afresh."""
    for user_id in set(user_ids):
        # Missing: the next reader starts it afresh, above every earlier value.
        with contextlib.suppress(ValueError):
            cache.incr(_nav_version_key(user_id))


def nav_changed_on_commit(user_ids: Iterable[int]) -> None:
    """Move these people's navigation version now and again once the current transaction
    commits: now, so that this transaction's own later reads see the change; on commit, so that
    what another request cached in between, from before the change, is never read again."""
    ids = list(user_ids)
    nav_changed(ids)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: nav_changed(ids))
    # Outside a transaction (notifications are delivered once their event has committed) the
    # change is already visible to everyone: once is enough.
