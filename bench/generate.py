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
# The circle whose consent process the benchmark's decision pages show: 100 members, a proposal in
# its consent round (40 answers, 5 objection threads) and a decided one with its whole record.
ASSEMBLY = 3
ASSEMBLY_NAME = "Commons Assembly"
ASSEMBLY_MEMBERS = 100
# Bump when the generated shape changes, so that run.py regenerates instead of reusing.
VERSION = 4


@dataclass(frozen=True)
class Size:
    name: str
    people: int
    circles: int
    terms: int
    events: int
    big_circle_members: int
    # Policies decided across the organisation (the policy register), besides the assembly's.
    policies: int = 60


SIZES = {
    "full": Size(
        "full", people=5000, circles=400, terms=10_000, events=1_000_000, big_circle_members=200
    ),
    "quick": Size(
        "quick", people=1000, circles=80, terms=2_000, events=100_000, big_circle_members=120
    ),
    # For trying the scripts themselves: seconds, not minutes.
    "tiny": Size(
        "tiny", people=100, circles=12, terms=150, events=3_000, big_circle_members=30, policies=4
    ),
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


# Decisions: proposals, consent rounds, objections, decisions and policies -----------------------
#
# Built in memory first, in the order the services would have made them, each ledger event holding
# the rows it stamps with its time; then every event gets a slot in the ledger (after the last
# member joined a circle, so every actor is a member by then), the rows get their times and are
# bulk-inserted, and the events' payloads are filled from the inserted ids.

POLICY_TOPICS = words(
    "Quiet-hours Tool-lending Shared-kitchen Guest-stays Budget-limits Meeting-rhythm Onboarding "
    "Key-holders Waste-sorting Car-sharing Seed-saving Rota-swaps Conflict-support Purchasing "
    "Space-booking Data-protection Volunteer-hours Pet-rules Event-noise Water-use"
)
REASONS = (
    "This would leave the {area} without cover in the busy weeks, which harms our aim.",
    "As written it moves cost to another circle without asking them first.",
    "We have no way to tell whether it works: there is no measure and no review before a year.",
    "It asks more volunteer hours than we have; the work would fall on the same few people.",
    "It conflicts with the safety policy the General Circle consented to last spring.",
)


@dataclass
class _Event:
    verb: str
    obj: Any
    circle_id: int
    actor_id: int | None
    payload: Any  # a function: called once every row has its id
    stamps: list[tuple[Any, str]]
    notify: tuple[int, ...] = ()
    sequence: int = 0
    at: dt.datetime | None = None


class _Process:
    """The consent process as the services run it, writing rows and events into lists."""

    def __init__(self, names: dict[int, str], rng: random.Random) -> None:
        from circlewise.decisions import models as m

        self.m = m
        self.names = names
        self.rng = rng
        self.events: list[_Event] = []
        self.rows: dict[str, list[Any]] = {}
        self.after: list[Any] = []  # functions to run once every event has its time
        self.decisions: list[tuple[Any, _Event]] = []

    def add(self, kind: str, row: Any) -> Any:
        self.rows.setdefault(kind, []).append(row)
        return row

    def event(
        self,
        verb: str,
        obj: Any,
        circle_id: int,
        actor: int | None,
        payload: Any,
        stamps: list[tuple[Any, str]] = (),  # type: ignore[assignment]
        notify: Any = (),
    ) -> _Event:
        e = _Event(verb, obj, circle_id, actor, payload, list(stamps), tuple(notify))
        self.events.append(e)
        return e

    @staticmethod
    def version_payload(v: Any) -> dict[str, Any]:
        return {
            "version": v.number, "title": v.title, "driver": v.driver, "text": v.text,
            "aim": v.aim, "review_on": v.review_on.isoformat() if v.review_on else None,
            "measures": v.measures, "feedback_channel": v.feedback_channel,
            "change_note": v.change_note, "measure_set": [],
        }  # fmt: skip

    # Drafting and presenting ----------------------------------------------------------------
    def propose(self, circle_id: int, author: int, title: str, members: list[int]) -> Any:
        m = self.m
        p = self.add("proposal", m.Proposal(circle_id=circle_id, author_id=author,
                                            state=m.Proposal.State.CLARIFYING))  # fmt: skip
        p.members = members  # the circle's members now: who is told and asked
        v = self.add("version", m.ProposalVersion(
            proposal=p, number=1, title=title,
            driver=f"We keep meeting the same problem around {title.lower()}; nothing says who "
            "decides or how.",
            text=f"From next month {title.lower()} works like this:\n\n- who looks after it\n"
            "- how to ask for an exception\n- how we report back to the circle",
            aim="Fewer surprises and fair shares of the work.",
            measures="Fewer than two complaints a month.", feedback_channel="the circle's thread",
            created_by_id=author,
        ))  # fmt: skip
        p.versions_made = [v]
        self.event("proposal.drafted", p, circle_id, author,
                   lambda: {"proposal": p.pk, "author": author},
                   [(p, "created_at"), (v, "created_at")])  # fmt: skip
        item = self.add("backlog", m.BacklogItem(
            circle_id=circle_id, topic=title, source=m.BacklogItem.Source.PROPOSAL, proposal=p,
            owner_id=author, raised_by_id=author, desired_outcome=m.BacklogItem.Outcome.DECIDE,
        ))  # fmt: skip
        p.item = item
        self.event(
            "proposal.presented", p, circle_id, author,
            lambda: {"proposal": p.pk, "mode": "async", "author": author,
                     "author_name": self.names[author], "is_policy": True, "amends": None,
                     "step_ends_at": None, **self.version_payload(v)},
            [(p, "presented_at"), (item, "created_at")], notify=members,
        )  # fmt: skip
        return p

    def ask(self, p: Any, member: int, text: str) -> Any:
        c = self.add("question", self.m.Contribution(
            proposal=p, version_number=p.version_number, kind="question", author_id=member,
            text=text))  # fmt: skip
        self.event("proposal.question_asked", c, p.circle_id, member,
                   lambda: {"proposal": p.pk, "contribution": c.pk, "text": text, "passed": False,
                            "user_name": self.names[member]},
                   [(c, "created_at")], notify=[p.author_id])  # fmt: skip
        return c

    def answer_question(self, p: Any, q: Any, text: str) -> None:
        a = self.add("answer", self.m.Contribution(
            proposal=p, version_number=p.version_number, kind="answer", author_id=p.author_id,
            text=text, reply_to=q))  # fmt: skip
        self.event("proposal.question_answered", a, p.circle_id, p.author_id,
                   lambda: {"proposal": p.pk, "contribution": a.pk, "question": q.pk,
                            "text": text},
                   [(a, "created_at")], notify=[q.author_id])  # fmt: skip

    def react(self, p: Any, member: int, text: str) -> None:
        c = self.add("question", self.m.Contribution(
            proposal=p, version_number=p.version_number, kind="reaction", author_id=member,
            text=text))  # fmt: skip
        self.event("proposal.reacted", c, p.circle_id, member,
                   lambda: {"proposal": p.pk, "contribution": c.pk, "text": text, "passed": False,
                            "user_name": self.names[member]},
                   [(c, "created_at")])  # fmt: skip

    def advance(self, p: Any, actor: int, before: str, after: str) -> None:
        p.state = after
        self.event("proposal.step_changed", p, p.circle_id, actor,
                   lambda: {"proposal": p.pk, "from": before, "to": after, "step_ends_at": None},
                   notify=p.members)  # fmt: skip

    # Consent rounds --------------------------------------------------------------------------
    def open_round(self, p: Any, actor: int) -> Any:
        m = self.m
        r = self.add("round", m.ConsentRound(
            proposal=p, version_number=p.version_number, opened_by_id=actor))  # fmt: skip
        r.entries = [self.add("roster", m.RosterEntry(round=r, user_id=u)) for u in p.members]
        r.answers = []
        p.state = m.Proposal.State.CONSENT
        roster = sorted(p.members)
        self.event("consent.round_opened", r, p.circle_id, actor,
                   lambda: {"proposal": p.pk, "round": r.pk, "version": r.version_number,
                            "subject": "proposal", "handed_to": None, "lazy": False,
                            "roster": roster, "closes_at": None},
                   [(r, "opened_at")], notify=p.members)  # fmt: skip
        return r

    def respond(self, p: Any, r: Any, user: int, answer: str, reason: str = "") -> Any:
        m = self.m
        resp = self.add("response", m.ConsentResponse(
            round=r, user_id=user, answer=answer, reason=reason))  # fmt: skip
        r.answers.append(resp)
        objection = None
        if answer == "objection":
            objection = self.add("objection", m.Objection(
                proposal=p, response=resp, version_number=r.version_number, objector_id=user,
                reason=reason))  # fmt: skip
            p.objections_made = [*getattr(p, "objections_made", []), objection]
        self.event(
            "consent.answered", resp, p.circle_id, user,
            lambda: {"proposal": p.pk, "round": r.pk, "version": r.version_number, "user": user,
                     "user_name": self.names[user], "answer": answer, "reason": reason,
                     "objection": objection.pk if objection else None, "late": False},
            [(resp, "created_at"), (next(e for e in r.entries if e.user_id == user), "answered_at")]
            + ([(objection, "created_at")] if objection else []),
            notify=[p.author_id, *p.facilitators] if objection else [],
        )  # fmt: skip
        if len(r.answers) == len(r.entries):
            self.close_round(p, r, user)
        return objection

    def close_round(self, p: Any, r: Any, actor: int) -> None:
        m = self.m
        objected = [a for a in r.answers if a.answer == "objection"]
        r.outcome = "objected" if objected else "consented"
        self.event("consent.round_closed", r, p.circle_id, actor,
                   lambda: {"proposal": p.pk, "round": r.pk, "version": r.version_number,
                            "subject": "proposal", "outcome": r.outcome,
                            "objections": [o.pk for o in objected], "joined_after_opening": [],
                            "absent": [], "lazy_until": None},
                   [(r, "closed_at")], notify=p.members)  # fmt: skip
        if objected:
            p.state = m.Proposal.State.OBJECTIONS
        else:
            self.decide(p, r, actor)

    # Objection handling ----------------------------------------------------------------------
    def discuss(self, p: Any, o: Any, author: int, text: str) -> None:
        msg = self.add("message", self.m.ObjectionMessage(objection=o, author_id=author,
                                                          text=text))  # fmt: skip
        self.event("objection.discussed", msg, p.circle_id, author,
                   lambda: {"proposal": p.pk, "objection": o.pk, "message": msg.pk, "text": text},
                   [(msg, "created_at")], notify=[o.objector_id])  # fmt: skip

    def state_back(self, p: Any, o: Any, actor: int, text: str) -> None:
        o.stated_back, o.stated_back_by_id = text, actor
        self.event("objection.stated_back", o, p.circle_id, actor,
                   lambda: {"proposal": p.pk, "objection": o.pk, "text": text},
                   [(o, "stated_back_at")], notify=[o.objector_id])  # fmt: skip

    def confirm(self, p: Any, o: Any) -> None:
        self.event("objection.confirmed", o, p.circle_id, o.objector_id,
                   lambda: {"proposal": p.pk, "objection": o.pk, "stated_back": o.stated_back},
                   [(o, "confirmed_at")], notify=[o.stated_back_by_id])  # fmt: skip

    def revise(self, p: Any, actor: int, integrations: list[tuple[Any, str]]) -> None:
        old = p.versions_made[-1]
        new = self.add("version", self.m.ProposalVersion(
            proposal=p, number=old.number + 1, title=old.title, driver=old.driver,
            text=old.text + "\n- a review after three months, with the objectors",
            aim=old.aim, measures=old.measures, feedback_channel=old.feedback_channel,
            change_note="Integrates the objections: cover in busy weeks, a measure and an "
            "early review.", created_by_id=actor,
        ))  # fmt: skip
        p.versions_made.append(new)
        p.version_number = new.number
        for o, note in integrations:
            o.integration, o.integrated_in_version = note, new.number
        self.event(
            "proposal.revised", new, p.circle_id, actor,
            lambda: {"proposal": p.pk, **self.version_payload(new), "superseded_round": None,
                     "integrations": {str(o.pk): n for o, n in integrations}},
            [(new, "created_at")], notify=p.members,
        )  # fmt: skip

    # The decision ----------------------------------------------------------------------------
    def decide(self, p: Any, r: Any, actor: int) -> None:
        m = self.m
        version = p.versions_made[-1]
        objections = getattr(p, "objections_made", [])
        stamps: list[tuple[Any, str]] = [(p, "closed_at")]
        for o in objections:
            o.status = m.Objection.Status.INTEGRATED
            if o.integrated_in_version is None:
                o.integrated_in_version = version.number
            stamps.append((o, "resolved_at"))
        policy = self.add("policy", m.Policy(circle_id=p.circle_id, title=version.title))
        decision = self.add("decision", m.Decision(
            proposal=p, circle_id=p.circle_id, version=version, consent_round=r, policy=policy,
            rationale=version.driver))  # fmt: skip
        p.state = m.Proposal.State.DECIDED
        p.made_decision, p.policy = decision, policy  # Proposal.decision reads the database
        policy.decided_by, policy.replaced_by = decision, None

        def record() -> dict[str, Any]:
            return {
                "proposal": p.pk, "circle": p.circle_id, "author": p.author_id,
                "version": self.version_payload(version), "rationale": decision.rationale,
                "review_on": version.review_on.isoformat() if version.review_on else None,
                "round": r.pk, "roster": sorted(e.user_id for e in r.entries),
                "answers": [{"user": a.user_id, "answer": a.answer, "reason": a.reason,
                             "at": a.created_at.isoformat()} for a in r.answers],
                "objections": [
                    {"id": o.pk, "version": o.version_number, "objector": o.objector_id,
                     "reason": o.reason, "stated_back": o.stated_back,
                     "confirmed": o.confirmed_at is not None, "status": o.status,
                     "integration": o.integration, "integrated_in_version": o.integrated_in_version}
                    for o in objections
                ],
                "concerns": [],
            }  # fmt: skip

        def payload() -> dict[str, Any]:
            decision.record = record()
            return {"proposal": p.pk, "decision": decision.pk, "policy": policy.pk,
                    "record": decision.record}  # fmt: skip

        e = self.event("proposal.decided", decision, p.circle_id, actor, payload,
                       [*stamps, (decision, "decided_at"), (policy, "created_at")],
                       notify=p.members)  # fmt: skip
        self.decisions.append((decision, e))
        item = p.item
        item.status = m.BacklogItem.Status.DONE
        self.event("backlog.item_closed", item, p.circle_id, actor,
                   lambda: {"item": item.pk, "topic": item.topic, "status": "done"},
                   [(item, "closed_at")])  # fmt: skip

    def insert(self) -> None:
        """Rows first, in the order their foreign keys need; then policy and decision links."""
        m = self.m
        rows = self.rows
        order = [
            ("proposal", m.Proposal), ("version", m.ProposalVersion), ("question", m.Contribution),
            ("answer", m.Contribution), ("backlog", m.BacklogItem), ("round", m.ConsentRound),
            ("roster", m.RosterEntry), ("response", m.ConsentResponse),
            ("objection", m.Objection), ("message", m.ObjectionMessage), ("policy", m.Policy),
            ("decision", m.Decision),
        ]  # fmt: skip
        for kind, model in order:
            for row in rows.get(kind, []):
                for f in row._meta.concrete_fields:  # the instances' ids, set as they were saved
                    if f.is_relation and getattr(row, f.attname) is None:
                        related = f.get_cached_value(row, None)
                        if related is not None:
                            setattr(row, f.attname, related.pk)
            model.objects.bulk_create(rows.get(kind, []), batch_size=2000)
        for policy in rows.get("policy", []):
            policy.current_decision_id = policy.decided_by.pk
            if policy.replaced_by is not None:
                policy.superseded_by_id = policy.replaced_by.pk
        m.Policy.objects.bulk_update(
            rows.get("policy", []), ["current_decision", "superseded_by", "retired_at"]
        )


def _review_on(target: str, decided: dt.date, today: dt.date, rng: random.Random) -> dt.date:
    """A review date that gives the policy the status wanted today (always after its decision)."""
    days = dt.timedelta
    if target == "expired":
        wanted = today - days(days=rng.randint(1, 90))
    elif target == "review_due":
        wanted = today + days(days=rng.randint(0, 29))
    else:
        wanted = max(decided + days(days=365), today + days(days=rng.randint(45, 400)))
    return max(wanted, decided + days(days=1))


def _decision_story(
    *,
    process: _Process,
    circles: list[Any],
    members: dict[int, list[int]],
    holders: dict[tuple[int, str], int],
    assembly: int,
    viewer: int,
    policies: int,
    rng: random.Random,
) -> dict[str, Any]:
    """Policies across the organisation, then the assembly's decided proposal with its objections,
    then its proposal in a consent round: 100 members, 40 answers, 5 objection threads."""
    from circlewise.circles.models import Role

    def steerers(i: int) -> list[int]:
        return [
            holders[(circles[i].pk, kind)]
            for kind in (Role.Kind.FACILITATOR, Role.Kind.LEADER)
            if (circles[i].pk, kind) in holders
        ]

    targets = (
        ["expired"] * (policies // 10)
        + ["superseded"] * (policies // 12)
        + ["retired"] * (policies // 12)
        + ["review_due"] * (policies // 7)
    )
    targets += ["active"] * (policies - len(targets))
    # The oldest first, so that expired policies were decided long enough ago.
    order = {"expired": 0, "superseded": 1, "retired": 1, "review_due": 2, "active": 2}
    targets.sort(key=lambda t: (order[t], rng.random()))
    candidates = [i for i in range(len(circles)) if i != assembly and steerers(i)]
    made: list[tuple[Any, str]] = []
    for n, target in enumerate(targets):
        i = rng.choice(candidates)
        circle_id = circles[i].pk
        people = members[i]
        title = (
            f"{POLICY_TOPICS[n % len(POLICY_TOPICS)].replace('-', ' ')} in {circles[i].name}"
            if n >= len(POLICY_TOPICS)
            else POLICY_TOPICS[n].replace("-", " ")
        )
        p = process.propose(circle_id, rng.choice(people), title, people)
        p.facilitators = steerers(i)
        r = process.open_round(p, p.facilitators[0])
        for uid in rng.sample(people, len(people)):
            process.respond(p, r, uid, "consent")
        made.append((p, target))
        if target == "superseded":
            # Replaced by a later policy of the same circle.
            q = process.propose(circle_id, rng.choice(people), f"{title} (revised)", people)
            q.facilitators = p.facilitators
            r = process.open_round(q, q.facilitators[0])
            for uid in rng.sample(people, len(people)):
                process.respond(q, r, uid, "consent")
            p.policy.replaced_by = q.policy
            made.append((q, "active"))

    # The assembly: a decided proposal with five objections, integrated in a second version.
    people = members[assembly]
    steer = steerers(assembly)
    others = [u for u in people if u != viewer and u not in steer]
    author_b = others[0]
    b = process.propose(circles[assembly].pk, author_b, "Shared tools and who repairs them", people)
    b.facilitators = steer
    r1 = process.open_round(b, steer[0])
    objectors_b = others[1:6]
    answering = [u for u in rng.sample(people, len(people)) if u not in objectors_b]
    answering[10:10] = objectors_b
    area = circles[assembly].name
    for uid in answering:
        if uid in objectors_b:
            reason = REASONS[objectors_b.index(uid)].format(area=area)
            process.respond(b, r1, uid, "objection", reason)
        else:
            process.respond(b, r1, uid, "consent")
    integrations = []
    for o in b.objections_made:
        helpers = rng.sample([u for u in people if u != o.objector_id], 3)
        process.discuss(b, o, helpers[0], "What would happen in the busy weeks, as you see it?")
        process.discuss(b, o, o.objector_id, "The same two people end up doing all of it.")
        process.discuss(b, o, helpers[1], "Would a rota with a named backup meet that?")
        process.state_back(b, o, helpers[2], f"You fear that {o.reason[0].lower()}{o.reason[1:]}")
        process.confirm(b, o)
        integrations.append((o, "A named backup for every week, and a review after three months."))
    process.revise(b, steer[0], integrations)
    r2 = process.open_round(b, steer[0])
    for uid in rng.sample(people, len(people)):
        process.respond(b, r2, uid, "consent")
    made.append((b, "active"))

    # The assembly's proposal in its consent round: 40 answers, 5 of them objections.
    author_a = others[6]
    a = process.propose(circles[assembly].pk, author_a, "A repair café every month", people)
    a.facilitators = steer
    for k, uid in enumerate(others[7:12]):
        q = process.ask(a, uid, f"Question {k + 1}: who pays for the spare parts, and how much?")
        process.answer_question(
            a, q, "The circle's budget, up to 50 a month; more comes back here."
        )
    process.advance(a, steer[0], "clarifying", "reacting")
    for uid in others[12:32]:
        process.react(a, uid, "Glad to see this; I can help on Saturdays.")
    process.advance(a, steer[0], "reacting", "synthesis")
    ra = process.open_round(a, steer[0])
    objectors_a = others[32:37]
    consenting = [u for u in others[37:] if u != author_a][:35]
    answering = consenting[:20] + objectors_a + consenting[20:]
    for uid in answering:
        if uid in objectors_a:
            reason = REASONS[objectors_a.index(uid)].format(area=area)
            process.respond(a, ra, uid, "objection", reason)
        else:
            process.respond(a, ra, uid, "consent")
    for n, o in enumerate(a.objections_made):
        helpers = rng.sample([u for u in people if u != o.objector_id], 3)
        process.discuss(a, o, helpers[0], "Can you say more about what would go wrong?")
        process.discuss(a, o, o.objector_id, "The café would take the workshop on Saturdays.")
        process.discuss(a, o, helpers[1], "What if it ran on the first Sunday instead?")
        if n < 3:
            process.state_back(a, o, helpers[2], "The workshop would be taken when others need it.")
        if n < 1:
            process.confirm(a, o)

    def review_dates() -> None:
        today = _now().date()
        for p, target in made:
            decided = p.made_decision.decided_at.date()
            review_on = _review_on(target, decided, today, rng)
            for v in p.versions_made:
                v.review_on = review_on
            p.made_decision.review_on = review_on
            p.policy.review_on = review_on
            if target == "retired":
                p.policy.retired_at = min(
                    p.made_decision.decided_at + dt.timedelta(days=rng.randint(5, 60)), _now()
                )
        for v in a.versions_made:
            v.review_on = today + dt.timedelta(days=365)

    process.after.append(review_dates)
    return {
        "assembly_answers": len(ra.answers),
        "assembly_objections": len(a.objections_made),
        "a": a,
        "b": b,
    }


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
    from circlewise.core.models import GENESIS_HASH, LedgerEvent
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
        if i == ASSEMBLY:
            return ASSEMBLY_NAME
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
                "private": i > 2 and rng.random() < 0.08 and i != ASSEMBLY,
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
        if i == ASSEMBLY:
            count = ASSEMBLY_MEMBERS
        members[i] = rng.sample(user_ids, min(count, len(user_ids)))
    # Who looks at the pages: a member of the big circle who is not an admin, and a member of the
    # assembly (who has not answered in its open round yet).
    viewer = next(u for u in members[2] if u not in admins)
    if viewer not in members[ASSEMBLY]:
        members[ASSEMBLY][-1] = viewer
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
    # The assembly always has a facilitator: someone steps its consent process along.
    filled = [
        r
        for r in roles
        if rng.random() < 0.95
        or (r.circle_id == circles[ASSEMBLY].pk and r.kind == Role.Kind.FACILITATOR)
    ]
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
    total = size.events
    span = dt.timedelta(days=1000).total_seconds() * 1_000_000
    t0 = now - dt.timedelta(days=1000)
    step_us = span / total

    # The consent process: built in memory, its events placed in the last part of the history
    # (after the last member joined a circle), its rows stamped with their events' times.
    holders = {key: a.holder_id for key, a in current_by_circle_kind.items()}
    process = _Process(names, random.Random(SEED + 1))
    assembly_story = _decision_story(
        process=process, circles=circles, members=members, holders=holders, assembly=ASSEMBLY,
        viewer=viewer, policies=size.policies, rng=random.Random(SEED + 2),
    )  # fmt: skip
    decision_events = process.events
    filler_total = total - len(decision_events)
    if len(story) > filler_total:
        raise ValueError(f"{size.name}: {len(story)} structural events exceed {filler_total}")
    last_joined = max(k for k, s in enumerate(story) if s[0] == "circle.member_added")
    first_slot = int((last_joined + 1) * total / len(story)) + 2
    if total - first_slot < len(decision_events):
        raise ValueError(f"{size.name}: no room for {len(decision_events)} decision events")
    jitter = random.Random(SEED + 3)
    slots: dict[int, _Event] = {}
    for n, e in enumerate(decision_events):
        seq = first_slot + 1 + int(n * (total - first_slot) / len(decision_events))
        e.sequence = seq
        e.at = t0 + dt.timedelta(microseconds=int(seq * step_us) + jitter.randrange(1, 1000))
        for row, field_name in e.stamps:
            setattr(row, field_name, e.at)
        slots[seq] = e
    for fix in process.after:
        fix()
    with transaction.atomic():
        process.insert()
    step(
        f"{len(process.rows['proposal'])} proposals, {len(process.rows['decision'])} decisions, "
        f"{len(process.rows['response'])} consent answers, {len(decision_events)} events"
    )
    # Structural events spread evenly over the rest of the history, everyday edits between them.
    story_at = {int(k * filler_total / len(story)): k for k in range(len(story))}
    filler_index = 0
    circles_known = 0
    roles_by_circle: dict[int, list[Role]] = {}
    for role in roles:
        roles_by_circle.setdefault(role.circle_id, []).append(role)
    circle_fields = (["aim"], ["domain"], ["aim", "domain"], ["mandate"])
    role_fields = (["aim"], ["responsibilities"], ["domain", "responsibilities"])
    prev_hash = GENESIS_HASH
    last_in_circle: dict[int, tuple[int, str]] = {}
    general: tuple[int, str] = (0, "")
    assigned_events: list[tuple[int, int]] = []  # (sequence, holder)
    batch: list[LedgerEvent] = []
    batch_size = 5000
    verb_counts: dict[str, int] = {}
    decided_hashes: dict[int, str] = {}
    for seq in range(1, total + 1):
        decided = slots.get(seq)
        k = None if decided is not None else story_at.get(filler_index)
        if decided is None:
            filler_index += 1
        if decided is not None:
            verb, circle_id, actor_id = decided.verb, decided.circle_id, decided.actor_id
            object_type = decided.obj._meta.label_lower
            object_id = decided.obj.pk
            payload = decided.payload()
        elif k is not None:
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
        occurred_at = (
            decided.at
            if decided is not None and decided.at is not None
            else t0 + dt.timedelta(microseconds=int(seq * step_us) + rng.randrange(1, 1000))
        )
        event = LedgerEvent(
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
        # Hashed by the ledger's own rule, from the event's own fields: no second list of them.
        digest = event.hash = event.computed_hash()
        batch.append(event)
        prev_hash = digest
        if decided is not None and decided.verb == "proposal.decided":
            decided_hashes[seq] = digest
        if circle_id is not None:
            last_in_circle[circle_id] = (seq, digest)
        else:
            general = (seq, digest)
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
        Organisation.objects.filter(pk=org.pk).update(
            ledger_sequence=total, ledger_head=prev_hash,
            general_sequence=general[0], general_head=general[1],
        )  # fmt: skip
        for circle_id, (seq, digest) in last_in_circle.items():
            Circle.objects.filter(pk=circle_id).update(ledger_sequence=seq, ledger_head=digest)
    step(f"{total} ledger events: " + ", ".join(f"{v} {n}" for v, n in sorted(verb_counts.items())))

    # Each decision keeps its record and the place of its event in the ledger.
    from circlewise.decisions.models import Decision

    with transaction.atomic():
        for decision, e in process.decisions:
            Decision.objects.filter(pk=decision.pk).update(
                record=decision.record,
                ledger_hash=decided_hashes[e.sequence],
                ledger_sequence=e.sequence,
            )

    # Notifications: each new holder was told, and whoever the consent process told; the older
    # ones have been read.
    seq_to_id = dict(
        LedgerEvent.objects.filter(organisation=org, verb="role.assigned").values_list(
            "sequence", "pk"
        )
    )
    seq_to_id.update(
        LedgerEvent.objects.filter(organisation=org, sequence__in=list(slots)).values_list(
            "sequence", "pk"
        )
    )
    read_before = total - total // 50
    told = [(seq, holder) for seq, holder in assigned_events]
    for seq, e in slots.items():
        told.extend((seq, uid) for uid in sorted(set(e.notify)) if uid != e.actor_id)
    notifications = [
        Notification(
            recipient_id=holder,
            event_id=seq_to_id[seq],
            read_at=now if seq < read_before else None,
        )
        for seq, holder in told
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(notifications, batch_size=2000, ignore_conflicts=True)
    step(f"{len(notifications)} notifications")

    big = circles[2]
    consent_proposal, decided_proposal = assembly_story["a"], assembly_story["b"]
    meta = {
        "version": VERSION,
        "size": asdict(size),
        "org": SLUG,
        "big_circle": big.slug,
        "big_circle_members": len(members[2]),
        "viewer_id": viewer,
        "assembly": circles[ASSEMBLY].slug,
        "assembly_members": len(members[ASSEMBLY]),
        "consent_proposal_id": consent_proposal.pk,
        "consent_answers": assembly_story["assembly_answers"],
        "consent_objections": assembly_story["assembly_objections"],
        "decision_id": decided_proposal.made_decision.pk,
        "policies": len(process.rows["policy"]),
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
