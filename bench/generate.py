"""Generate a large organisation for the benchmarks, fast, straight into the database.

Going through the services would take hours for a million ledger events, so this module writes rows
with bulk_create. It still produces what the services would: a valid hash chain (every event hashed
with the ledger's own function, so `manage.py verify_ledger` passes), the organisation's head and
each circle's last sequence set to match, memberships for every role holder, one current holder per
circle role, and leader and delegate never the same person.

Run through `python -m bench.run`, or alone (after `migrate`) with
`python -m bench.generate --size quick` with SQLITE_PATH or DATABASE_URL pointing at an empty
database.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from dataclasses import asdict, dataclass
from typing import Any

SLUG = "bench"
SEED = 20261126
# Bump when the generated shape changes, so that run.py regenerates instead of reusing.
VERSION = 3


@dataclass(frozen=True)
class Size:
    name: str
    people: int
    circles: int
    terms: int
    events: int
    big_circle_members: int


SIZES = {
    "full": Size(
        "full", people=5000, circles=400, terms=10_000, events=1_000_000, big_circle_members=200
    ),
    "quick": Size(
        "quick", people=1000, circles=80, terms=2_000, events=100_000, big_circle_members=120
    ),
    # For trying the scripts themselves: seconds, not minutes.
    "tiny": Size("tiny", people=100, circles=12, terms=150, events=3_000, big_circle_members=30),
}


def words(text: str) -> list[str]:
    return text.split()


FIRST = words(
    "Ada Ben Chiara Dev Elif Finn Grace Hugo Ines Jonas Kai Lena Mateo Nora Omar Priya Quinn "
    "Rosa Sam Tara Uma Viktor Wren Yusuf Zoe Amara Bruno Cleo Dario Esme Felix Gita Hana Ivo "
    "Jun Kira Luca Maya Nils Olga Pavel Rin Sofia Theo Ulla Vera Wim Xena Yara Zeno"
)
LAST = words(
    "Okafor Hartley Rossi Patel Demir Murphy Liu Martin Alves Berg Nakamura Fischer Garcia "
    "Walsh Haddad Shah Taylor Jimenez Owusu Singh Kowalski Novak Ellis Kaya Brennan Moreau "
    "Silva Jansen Larsen Costa Ivanova Tanaka Mensah Quispe Lindqvist Horvat Dubois Keller "
    "Romero"
)
PRONOUNS = ("she/her", "he/him", "they/them", "")
ZONES = words(
    "Europe/London Europe/Berlin Europe/Madrid America/New_York America/Chicago "
    "America/Sao_Paulo Asia/Kolkata Asia/Tokyo Africa/Lagos Australia/Sydney UTC"
)
AREAS = words(
    "Land Gardens Orchards Buildings Energy Water Kitchen Finance Welcome Learning Care "
    "Housing Tools Forest Bees Events Outreach Childcare Library Transport Workshop Seeds "
    "Compost Legal"
)
FOCUS = words(
    "Planning Operations Maintenance Projects Research Support Logistics Outreach Quality "
    "Training Stewardship Design Repairs Records"
)
CUSTOM_ROLES = words(
    "Steward Treasurer Coordinator Gardener Scheduler Archivist Host Buyer Mentor Caretaker "
    "Liaison Tester"
)
AIM = (
    "Keep {name} running well for everyone who relies on it, and report what we learn to the "
    "parent circle."
)
DOMAIN = (
    "- Day-to-day work of {name}\n- Its share of the budget\n- Tools, spaces and schedules it "
    "looks after"
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def existing(size: Size) -> dict[str, Any] | None:
    """The metadata of an organisation generated earlier at this size, if the database has it."""
    from circlewise.circles.models import Organisation

    org = Organisation.objects.filter(slug=SLUG).first()
    if org is None:
        return None
    try:
        meta: dict[str, Any] = json.loads(org.values)
    except ValueError:
        return {}
    if meta.get("version") != VERSION or meta.get("size") != asdict(size):
        return {}
    if org.ledger_sequence != size.events:
        return {}
    return meta


def generate(size: Size, *, log: Any = print) -> dict[str, Any]:
    """Build the organisation; return what the runner needs to know about it."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils.text import slugify

    from circlewise.accounts.models import User
    from circlewise.circles.models import (
        Circle,
        CircleMembership,
        Organisation,
        OrgMembership,
        Role,
        RoleAssignment,
    )
    from circlewise.circles.services import CIRCLE_ROLE_DEFAULTS
    from circlewise.core.models import GENESIS_HASH, LedgerEvent, compute_event_hash
    from circlewise.notifications.models import Notification

    started = time.monotonic()
    rng = random.Random(SEED)
    now = _now()
    today = now.date()
    days = dt.timedelta

    def step(message: str) -> None:
        log(f"  [{time.monotonic() - started:6.1f}s] {message}")

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")

    # People -------------------------------------------------------------------------------
    password = make_password("circlewise-bench")  # hashed once, shared by everyone
    users = []
    for i in range(size.people):
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        users.append(
            User(
                email=f"person{i}@bench.example",
                name=f"{first} {last}"
                + (f" {i // (len(FIRST) * len(LAST)) + 1}" if i >= len(FIRST) * len(LAST) else ""),
                pronouns=PRONOUNS[i % len(PRONOUNS)],
                timezone=ZONES[i % len(ZONES)],
                password=password,
                date_joined=now - days(days=rng.randint(30, 1000)),
            )
        )
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=2000)
    user_ids = list(
        User.objects.filter(email__endswith="@bench.example")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    names = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "name"))
    step(f"{len(user_ids)} people")

    # The organisation and its members ------------------------------------------------------
    org = Organisation.objects.create(
        name="Bench Cooperative",
        slug=SLUG,
        vision="A cooperative large enough to find out where the software slows down.",
        mission="Measure, then make it fast.",
        created_at=now - days(days=1100),
    )
    founder = user_ids[0]
    admins = set(user_ids[:5])
    with transaction.atomic():
        OrgMembership.objects.bulk_create(
            [
                OrgMembership(
                    organisation=org,
                    user_id=uid,
                    is_admin=uid in admins,
                    started_at=now - days(days=900),
                )
                for uid in user_ids
            ],
            batch_size=2000,
        )
    org_membership_ids = dict(
        OrgMembership.objects.filter(organisation=org).values_list("user_id", "pk")
    )

    # Circles, nested four deep -------------------------------------------------------------
    n_departments = max(3, min(12, size.circles // 8))
    specs: list[dict[str, Any]] = []  # index-aligned with the circles
    taken: set[str] = set()

    def circle_name(i: int) -> str:
        if i == 0:
            return "Mission Circle"
        if i == 1:
            return "General Circle"
        if i == 2:
            return "Operations"
        base = f"{AREAS[i % len(AREAS)]} {FOCUS[(i // len(AREAS)) % len(FOCUS)]}"
        return base if base not in taken else f"{base} {i}"

    for i in range(size.circles):
        if i == 0:
            parent, depth, kind = None, 0, Circle.Kind.MISSION
        elif i == 1:
            parent, depth, kind = 0, 1, Circle.Kind.GENERAL
        elif i < 2 + n_departments:
            parent, depth, kind = 1, 2, Circle.Kind.DEPARTMENT
        else:
            candidates = [j for j, s in enumerate(specs) if s["depth"] in (2, 3)]
            parent = rng.choice(candidates)
            depth = specs[parent]["depth"] + 1
            kind = Circle.Kind.HELPING if rng.random() < 0.15 else Circle.Kind.DEPARTMENT
        name = circle_name(i)
        taken.add(name)
        specs.append(
            {
                "name": name,
                "parent": parent,
                "depth": depth,
                "kind": kind,
                "private": i > 2 and rng.random() < 0.08,
            }
        )
    circles_by_index: dict[int, Circle] = {}
    for depth in range(5):
        level = [(i, s) for i, s in enumerate(specs) if s["depth"] == depth]
        batch = []
        for _i, s in level:
            name = s["name"]
            batch.append(
                Circle(
                    organisation=org,
                    parent_id=circles_by_index[s["parent"]].pk if s["parent"] is not None else None,
                    name=name,
                    slug=slugify(name),
                    kind=s["kind"],
                    aim=AIM.format(name=name),
                    domain=DOMAIN.format(name=name),
                    mandate=f"Deliver the {name.lower()} project and report back."
                    if s["kind"] == Circle.Kind.HELPING
                    else "",
                    ends_on=today + days(days=rng.randint(-30, 200))
                    if s["kind"] == Circle.Kind.HELPING
                    else None,
                    visibility=Circle.Visibility.PRIVATE
                    if s["private"]
                    else Circle.Visibility.OPEN,
                    created_at=now - days(days=1000 - depth * 50),
                )
            )
        created = Circle.objects.bulk_create(batch)
        for (i, _s), circle in zip(level, created, strict=True):
            if circle.pk is None:  # backends that do not return ids
                circle = Circle.objects.get(organisation=org, slug=circle.slug)
            circles_by_index[i] = circle
    circles = [circles_by_index[i] for i in range(size.circles)]
    step(f"{len(circles)} circles, {n_departments} departments, up to depth 4")

    # Memberships: the big circle, then everyone else spread over the rest ------------------
    members: dict[int, list[int]] = {}
    for i in range(len(circles)):
        if i == 2:
            count = size.big_circle_members
        elif i in (0, 1):
            count = min(len(user_ids), 12 + 2 * n_departments)
        else:
            count = rng.randint(6, 48)
        members[i] = rng.sample(user_ids, min(count, len(user_ids)))
    memberships = []
    ended = []
    for i, circle in enumerate(circles):
        for uid in members[i]:
            memberships.append(
                CircleMembership(
                    circle=circle, user_id=uid, started_on=today - days(days=rng.randint(1, 900))
                )
            )
        for uid in rng.sample(user_ids, max(1, len(members[i]) // 10)):
            if uid not in members[i]:
                ended.append(
                    CircleMembership(
                        circle=circle,
                        user_id=uid,
                        started_on=today - days(days=rng.randint(400, 900)),
                        ended_on=today - days(days=rng.randint(1, 399)),
                    )
                )
    with transaction.atomic():
        CircleMembership.objects.bulk_create(memberships + ended, batch_size=2000)
    membership_ids = {
        (c, u): pk
        for c, u, pk in CircleMembership.objects.filter(
            circle__organisation=org, ended_on__isnull=True
        ).values_list("circle_id", "user_id", "pk")
    }
    step(f"{len(memberships)} current and {len(ended)} past circle memberships")

    # Roles ---------------------------------------------------------------------------------
    roles: list[Role] = []
    for circle in circles:
        for kind in Role.CIRCLE_ROLES:
            roles.append(
                Role(
                    circle=circle,
                    kind=kind,
                    name=str(Role.Kind(kind).label),
                    aim=CIRCLE_ROLE_DEFAULTS[kind]["aim"],
                    responsibilities=CIRCLE_ROLE_DEFAULTS[kind]["responsibilities"],
                    created_at=circle.created_at,
                )
            )
        for k in range(rng.randint(0, 6)):
            name = CUSTOM_ROLES[(circle.pk + k) % len(CUSTOM_ROLES)]
            roles.append(
                Role(
                    circle=circle,
                    kind=Role.Kind.CUSTOM,
                    name=f"{name}" if k < len(CUSTOM_ROLES) else f"{name} {k}",
                    aim=f"Look after the {name.lower()} work of {circle.name}.",
                    responsibilities="Plans the work; keeps the records; reports to the circle.",
                    default_term_months=rng.choice((6, 12, 12, 24)),
                    created_at=circle.created_at + days(days=rng.randint(1, 300)),
                )
            )
    with transaction.atomic():
        Role.objects.bulk_create(roles, batch_size=2000)
    roles = list(Role.objects.filter(circle__organisation=org).order_by("pk"))
    circle_index = {c.pk: i for i, c in enumerate(circles)}
    step(f"{len(roles)} roles")

    # Terms: one current holder for most roles, the rest of the terms as history ------------
    filled = [r for r in roles if rng.random() < 0.95]
    history_per_role = max(0, size.terms - len(filled))
    terms_left = {r.pk: 0 for r in filled}
    for _ in range(history_per_role):
        terms_left[rng.choice(filled).pk] += 1
    assignments: list[RoleAssignment] = []
    chains: list[list[RoleAssignment]] = []
    for role in filled:
        pool = members[circle_index[role.circle_id]]
        chain: list[RoleAssignment] = []
        length = 365 if role.kind != Role.Kind.CUSTOM else role.default_term_months * 30
        # The current term: most are current, some end soon, some have expired unattended.
        start = today - days(days=rng.randint(0, length + 40))
        chain.append(
            RoleAssignment(
                role=role,
                holder_id=rng.choice(pool),
                term_start=start,
                term_end=start + days(days=length),
            )
        )
        for _ in range(terms_left[role.pk]):
            next_start = chain[0].term_start
            start = next_start - days(days=length)
            chain.insert(
                0,
                RoleAssignment(
                    role=role,
                    holder_id=rng.choice(pool),
                    term_start=start,
                    term_end=start + days(days=length),
                    ended_on=next_start,
                ),
            )
        chains.append(chain)
        assignments.extend(chain)
    # Double linking: a circle's delegate is never its leader.
    current_by_circle_kind = {
        (chain[-1].role.circle_id, chain[-1].role.kind): chain[-1] for chain in chains
    }
    for (circle_id, kind), assignment in current_by_circle_kind.items():
        if kind == Role.Kind.DELEGATE:
            leader = current_by_circle_kind.get((circle_id, Role.Kind.LEADER))
            if leader is not None and leader.holder_id == assignment.holder_id:
                pool = [u for u in members[circle_index[circle_id]] if u != leader.holder_id]
                assignment.holder_id = rng.choice(pool)
    for a in assignments:
        a.created_at = dt.datetime.combine(a.term_start, dt.time(9), tzinfo=dt.UTC)
    with transaction.atomic():
        RoleAssignment.objects.bulk_create(assignments, batch_size=2000)
    if assignments and assignments[0].pk is None:
        raise RuntimeError("this database backend does not return ids from bulk_create")
    step(f"{len(assignments)} role terms ({len(filled)} current holders)")

    # The ledger: the story of all of the above, then everyday changes up to the total ----
    role_by_pk = {r.pk: r for r in roles}
    circle_by_pk = {c.pk: c for c in circles}
    Structural = tuple[str, str, int | None, int | None, int | None, dict[str, Any]]
    story: list[Structural] = [
        ("organisation.created", "circles.organisation", org.pk, None, founder,
         {"name": org.name, "founder": founder, "founder_name": names[founder]}),
    ]  # fmt: skip
    for uid in user_ids[1:]:
        story.append(
            ("organisation.member_joined", "circles.orgmembership", org_membership_ids[uid], None, founder,
             {"user": uid, "user_name": names[uid], "is_admin": uid in admins})
        )  # fmt: skip
    for circle in circles:
        parent = circle_by_pk.get(circle.parent_id) if circle.parent_id else None
        story.append(
            ("circle.created", "circles.circle", circle.pk, circle.pk, founder,
             {"name": circle.name, "kind": circle.kind, "parent": parent.pk if parent else None,
              "parent_name": parent.name if parent else None, "visibility": circle.visibility})
        )  # fmt: skip
    for role in roles:
        if role.kind == Role.Kind.CUSTOM:
            circle = circle_by_pk[role.circle_id]
            story.append(
                ("role.created", "circles.role", role.pk, circle.pk, founder,
                 {"role_name": role.name, "circle_name": circle.name})
            )  # fmt: skip
    for (circle_id, uid), pk in membership_ids.items():
        circle = circle_by_pk[circle_id]
        story.append(
            ("circle.member_added", "circles.circlemembership", pk, circle_id, founder,
             {"user": uid, "user_name": names[uid], "circle_name": circle.name})
        )  # fmt: skip
    chains.sort(key=lambda chain: chain[0].term_start)
    for chain in chains:
        for n, a in enumerate(chain):
            role = role_by_pk[a.role_id]
            circle = circle_by_pk[role.circle_id]
            if n > 0:
                prev = chain[n - 1]
                reason = "renewed" if prev.holder_id == a.holder_id else "replaced"
                story.append(
                    ("role.ended", "circles.roleassignment", prev.pk, circle.pk, founder,
                     {"role": role.pk, "role_name": role.name, "holder": prev.holder_id,
                      "holder_name": names[prev.holder_id], "reason": reason})
                )  # fmt: skip
            story.append(
                ("role.assigned", "circles.roleassignment", a.pk, circle.pk, founder,
                 {"role": role.pk, "role_name": role.name, "role_kind": role.kind,
                  "holder": a.holder_id, "holder_name": names[a.holder_id],
                  "circle_name": circle.name, "term_start": a.term_start.isoformat(),
                  "term_end": a.term_end.isoformat()})
            )  # fmt: skip
    if len(story) > size.events:
        raise ValueError(f"{size.name}: {len(story)} structural events exceed {size.events}")

    total = size.events
    span = dt.timedelta(days=1000).total_seconds() * 1_000_000
    t0 = now - dt.timedelta(days=1000)
    step_us = span / total
    # Structural events spread evenly over the history, everyday edits between them.
    story_at = {int(k * total / len(story)): k for k in range(len(story))}
    circles_known = 0
    roles_by_circle: dict[int, list[Role]] = {}
    for role in roles:
        roles_by_circle.setdefault(role.circle_id, []).append(role)
    circle_fields = (["aim"], ["domain"], ["aim", "domain"], ["mandate"])
    role_fields = (["aim"], ["responsibilities"], ["domain", "responsibilities"])
    prev_hash = GENESIS_HASH
    last_in_circle: dict[int, int] = {}
    assigned_events: list[tuple[int, int]] = []  # (sequence, holder)
    batch: list[LedgerEvent] = []
    batch_size = 5000
    verb_counts: dict[str, int] = {}
    for seq in range(1, total + 1):
        k = story_at.get(seq - 1)
        if k is not None:
            verb, object_type, object_id, circle_id, actor_id, payload = story[k]
            if verb == "circle.created":
                circles_known += 1
            if verb == "role.assigned":
                assigned_events.append((seq, payload["holder"]))
        else:
            circle = circles[rng.randrange(max(1, circles_known))]
            circle_id = circle.pk
            actor_id = rng.choice(members[circle_index[circle.pk]])
            if rng.random() < 0.6 or not roles_by_circle.get(circle.pk):
                verb, object_type, object_id = "circle.updated", "circles.circle", circle.pk
                payload = {"name": circle.name, "fields": rng.choice(circle_fields)}
            else:
                role = rng.choice(roles_by_circle[circle.pk])
                verb, object_type, object_id = "role.updated", "circles.role", role.pk
                payload = {"role_name": role.name, "fields": rng.choice(role_fields)}
        verb_counts[verb] = verb_counts.get(verb, 0) + 1
        occurred_at = t0 + dt.timedelta(microseconds=int(seq * step_us) + rng.randrange(1, 1000))
        digest = compute_event_hash(
            organisation_id=org.pk,
            sequence=seq,
            occurred_at=occurred_at,
            actor_id=actor_id,
            verb=verb,
            object_type=object_type,
            object_id=object_id,
            circle_id=circle_id,
            payload=payload,
            prev_hash=prev_hash,
        )
        batch.append(
            LedgerEvent(
                organisation_id=org.pk,
                sequence=seq,
                occurred_at=occurred_at,
                actor_id=actor_id,
                verb=verb,
                object_type=object_type,
                object_id=object_id,
                circle_id=circle_id,
                payload=payload,
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        prev_hash = digest
        if circle_id is not None:
            last_in_circle[circle_id] = seq
        if len(batch) >= batch_size:
            with transaction.atomic():
                LedgerEvent.objects.bulk_create(batch)
            batch = []
            if seq % 100_000 == 0:
                step(f"{seq} ledger events")
    if batch:
        with transaction.atomic():
            LedgerEvent.objects.bulk_create(batch)
    with transaction.atomic():
        Organisation.objects.filter(pk=org.pk).update(ledger_sequence=total, ledger_head=prev_hash)
        for circle_id, seq in last_in_circle.items():
            Circle.objects.filter(pk=circle_id).update(ledger_sequence=seq)
    step(f"{total} ledger events: " + ", ".join(f"{v} {n}" for v, n in sorted(verb_counts.items())))

    # Notifications: each new holder was told; the older ones have been read.
    seq_to_id = dict(
        LedgerEvent.objects.filter(organisation=org, verb="role.assigned").values_list(
            "sequence", "pk"
        )
    )
    read_before = total - total // 50
    notifications = [
        Notification(
            recipient_id=holder,
            event_id=seq_to_id[seq],
            read_at=now if seq < read_before else None,
        )
        for seq, holder in assigned_events
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(notifications, batch_size=2000, ignore_conflicts=True)
    step(f"{len(notifications)} notifications")

    # Who looks at the pages: a member of the big circle who is not an admin.
    big = circles[2]
    viewer = next(u for u in members[2] if u not in admins)
    meta = {
        "version": VERSION,
        "size": asdict(size),
        "org": SLUG,
        "big_circle": big.slug,
        "big_circle_members": len(members[2]),
        "viewer_id": viewer,
        "admin_id": founder,
        "roles": len(roles),
        "terms": len(assignments),
        "memberships": len(memberships),
        "seconds": round(time.monotonic() - started, 1),
    }
    # The benchmark's own bookkeeping rides in a text field of the generated organisation, so
    # that the database alone says what it holds.
    Organisation.objects.filter(pk=org.pk).update(values=json.dumps(meta))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    step("done")
    return meta


def main() -> None:
    import argparse
    import os

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="quick")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    size = SIZES[args.size]
    if existing(size) is not None:
        raise SystemExit("the database already holds a generated organisation: use a new one")
    print(generate(size))


if __name__ == "__main__":
    main()
