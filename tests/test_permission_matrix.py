"""Every route × persona × method answers as the permission table says.

The expected answer comes from the table (tests/permission_table.py) and from the hand-written
account below of who each persona of the `world` fixture is: which organisations they belong to,
which they administer, which circles they are in and which they steward. It never asks the app's
own permission functions (that would only test them against themselves).

Answers, for pages and for the API:

- login: the person is not signed in: pages redirect to /accounts/login/, the API answers 401.
  A deactivated account counts as signed out: Django's authentication backends refuse inactive
  users, so the session of someone deactivated resolves to an anonymous user (and the API
  refuses their token with 401).
- hidden (404): the person may not see the object: another organisation's, a private circle they
  are not in, someone else's notification or token, an object reached through an address where
  it does not belong (Care's role through Garden's address: 404 to everyone the address would
  let through; those the address forbids may get 403 or 404, as neither tells them anything).
- forbidden (403): they see the object but may not do this.
- not allowed (405): the route does not accept the method. Every page is wrapped in
  login_required, so signed-out people are sent to sign in first; everyone signed in gets 405
  before any object is looked up (a 405 reveals nothing). Public routes answer 405 to everyone.
- allowed: anything else below 500 (2xx, a redirect that is not to a login, and 400/409/410/422:
  the request was let through and its empty form or body was refused on its merits).

Every answer is also searched for the private circle's name and for the other organisation's
circle's name (both renamed to words found nowhere else): an answer to anyone who may not see
them must not contain them, whatever its status.

Pages are requested with GET and with each other method they accept; POSTs carry no data. Where
a GET's answer is 403 or 404, it is sent again as htmx (HX-Request: true): a partial is refused
exactly as its page. API operations are requested with their own method and the smallest body
their OpenAPI schema accepts, by a session; where the answer is a refusal, the outsider, the
member, the removed and the deactivated persona try again with their own personal access token.
Each request runs in a savepoint that is rolled back, so no check changes what the next one
sees. Redirects are never followed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from circlewise.accounts import services as accounts_services
from circlewise.accounts.calendar import token_for as calendar_token_for
from circlewise.accounts.models import PersonalAccessToken, hash_token
from circlewise.circles import services
from circlewise.circles.models import Circle, CircleMembership, OrgMembership, Role, RoleAssignment
from circlewise.core.models import LedgerEvent
from circlewise.notifications.emails import unsubscribe_token
from circlewise.notifications.models import Notification

from . import factories as f
from . import permission_table as table
from .selections import matrix as selection_matrix

# Who the personas are ----------------------------------------------------------------------

PERSONAS = (
    "anonymous",
    "outsider",
    "member",
    "circle_member",
    "facilitator",
    "admin",
    "removed",
    "deactivated",
)
# Those whose personal access tokens are tried too, where the session is refused: the people a
# token must not let in although it is their own (once the token has named its user, the same
# code runs as for a session).
TOKEN_PERSONAS = {"outsider", "member", "removed", "deactivated"}
# Deactivated accounts are signed out by Django on their next request (see the module docstring).
SIGNED_IN = {"outsider", "member", "circle_member", "facilitator", "admin", "removed"}
ORG_MEMBERS = {
    "willow": {"member", "circle_member", "facilitator", "admin"},  # removed: membership ended
    "elsewhere": {"outsider"},
}
ORG_ADMINS = {"willow": {"admin"}, "elsewhere": {"outsider"}}


@dataclass(frozen=True)
class CircleFacts:
    org: str
    parent: str | None
    private: bool
    members: frozenset[str]
    stewards: frozenset[str]  # current leader or facilitator


# The world's circles, and the two this test adds (Seedlings inside Garden; Hub in Elsewhere).
# The organisation admin created every circle and is in none of them: Care (private) was formed
# with the admin as its first member, who then left it, so Care is hidden from the admin too.
CIRCLES = {
    "general": CircleFacts("willow", None, False, frozenset(), frozenset()),
    "garden": CircleFacts(
        "willow",
        "general",
        False,
        frozenset({"circle_member", "facilitator"}),
        frozenset({"facilitator"}),
    ),
    "care": CircleFacts("willow", "general", True, frozenset({"circle_member"}), frozenset()),
    "seedlings": CircleFacts("willow", "garden", False, frozenset({"member"}), frozenset()),
    "hub": CircleFacts("elsewhere", None, False, frozenset({"outsider"}), frozenset({"outsider"})),
}

# Who keeps each circle's backlog, its facilitator or secretary, among the personas: Fay
# facilitates Garden; build_targets makes Cy Care's secretary, Mo Seedlings' and Olga Hub's.
BACKLOG_KEEPERS: dict[str, frozenset[str]] = {
    "general": frozenset(),
    "garden": frozenset({"facilitator"}),
    "care": frozenset({"circle_member"}),
    "seedlings": frozenset({"member"}),
    "hub": frozenset({"outsider"}),
}

# Who holds the term the matrix reaches in each circle (build_targets' `holders`), and who takes
# part in the matrix's role review (review_targets): Fay's, of her work as Garden's facilitator,
# with Cy asked and Cara (no persona) facilitating.
ROLE_HOLDERS = {"garden": "facilitator", "care": "circle_member", "seedlings": "member",
                "hub": "outsider"}  # fmt: skip
REVIEW_FOCUS_PERSONA = "facilitator"
REVIEWER_PERSONAS = frozenset({"circle_member"})

LOGIN, HIDDEN, FORBIDDEN, NOT_ALLOWED, ALLOWED, ADMIN_LOGIN = (
    "login",
    "hidden 404",
    "forbidden 403",
    "not allowed 405",
    "allowed",
    "admin login",
)
EITHER = "forbidden 403 or hidden 404"


@dataclass(frozen=True)
class Target:
    """One concrete object a route is requested for."""

    label: str
    ids: dict[str, Any] = field(default_factory=dict)
    org: str | None = None
    circle: str | None = None
    owner: str | None = None
    foreign: bool = False  # reached through an address where it does not belong
    pages_only: bool = False  # the address is a page's circle slug: the API has no such address
    # the new circle's parent (?parent= on the page, parent_id in the API's body)
    parent: str | None = None
    query: str = ""
    body: dict[str, Any] = field(default_factory=dict)
    draft: bool = False  # a draft proposal (or something in one): its author (owner) alone sees it


def _visible(persona: str, circle: str) -> bool:
    facts = CIRCLES[circle]
    return persona in ORG_MEMBERS[facts.org] and (not facts.private or persona in facts.members)


def _steward_of(persona: str, circle: str | None) -> bool:
    return circle is not None and persona in CIRCLES[circle].stewards


def expected(route: table.Route, method: str, persona: str, target: Target) -> str:
    """What the table and the personas say the answer should be."""
    level = route.access.get(method)
    signed_in = persona in SIGNED_IN
    if level is None:
        everyone = all(lvl == table.PUBLIC for lvl in route.access.values())
        return NOT_ALLOWED if signed_in or everyone or route.is_api else LOGIN
    if level == table.NOBODY:
        return HIDDEN
    if level == table.STAFF:
        return ADMIN_LOGIN  # no persona is staff; the admin has its own sign-in page
    answer = _answer(level, persona, target)
    if not target.foreign:
        return answer
    # An object reached through an address where it does not belong (Care's role through
    # Garden's address, another organisation's invitation through Willow's) is not found there
    # by anyone the address would let through. Someone the address forbids may be told either
    # (the view may look the object up first, or check the address first): neither answer tells
    # them anything about an object they cannot see.
    if answer == ALLOWED:
        return HIDDEN
    if answer == FORBIDDEN:
        return EITHER
    return answer


def _answer(level: str, persona: str, target: Target) -> str:
    if level == table.PUBLIC:
        return ALLOWED
    if persona not in SIGNED_IN:
        return LOGIN
    if level == table.AUTHENTICATED:
        return ALLOWED
    if level == table.OWNER:
        return ALLOWED if target.owner == persona else HIDDEN
    assert target.org is not None, f"{target.label} names no organisation"
    if persona not in ORG_MEMBERS[target.org]:
        return HIDDEN
    is_admin = persona in ORG_ADMINS[target.org]
    if level == table.ORG_MEMBER:
        return ALLOWED
    if level == table.ORG_ADMIN:
        return ALLOWED if is_admin else FORBIDDEN
    if level in (table.CIRCLE_CREATOR, table.STEWARD_ANYWHERE):
        if target.parent is not None:
            if not _visible(persona, target.parent):
                return HIDDEN
            steward = _steward_of(persona, target.parent)
        elif level == table.STEWARD_ANYWHERE:
            steward = any(persona in c.stewards for c in CIRCLES.values() if c.org == target.org)
        else:
            steward = False  # a top-level circle: admins only
        return ALLOWED if is_admin or steward else FORBIDDEN
    assert target.circle is not None, f"{target.label} names no circle"
    if not _visible(persona, target.circle):
        return HIDDEN
    if target.draft and persona != target.owner:
        return HIDDEN
    facts = CIRCLES[target.circle]
    parent = facts.parent
    if level == table.ROLE_HOLDER:
        return ALLOWED if persona == ROLE_HOLDERS[target.circle] else FORBIDDEN
    if level in REVIEW_LEVELS:
        return _review_answer(level, persona)
    if level in selection_matrix.LEVELS:
        return _selection_answer(level, persona, target, is_admin)
    if level in (table.CIRCLE_VISIBLE, table.PROPOSAL_VISIBLE):
        return ALLOWED
    in_circle = persona in facts.members
    steers = in_circle and persona in facts.stewards
    consent_process = {
        table.IN_CIRCLE: in_circle,
        table.STEER: steers,
        table.AUTHOR: persona == target.owner,
        table.AUTHOR_OR_STEER: persona == target.owner or steers,
        table.OBJECTOR: persona == target.owner,
        table.NOT_OBJECTOR: in_circle and persona != target.owner,
        # the target's owner raised the item, which nobody owns
        table.BACKLOG_KEEPER: in_circle
        and (persona == target.owner or persona in BACKLOG_KEEPERS[target.circle]),
    }
    if level in consent_process:
        return ALLOWED if consent_process[level] else FORBIDDEN
    steward = _steward_of(persona, target.circle) or _steward_of(persona, parent)
    # The matrix's meetings name the circle's own facilitator and secretary, so their keepers
    # are its planners (the leader or facilitator of it or its parent, an admin, its secretary).
    plans = is_admin or steward or (in_circle and persona in BACKLOG_KEEPERS[target.circle])
    meetings = {
        table.MEETING_PLANNER: plans,
        table.AGENDA_KEEPER: plans,
        table.AGENDA_CONTRIBUTOR: plans or in_circle,
        table.MEETING_ATTENDEE: False,  # no meeting of the matrix has been held
        table.ACTION_GIVER: plans or in_circle,
        table.ACTION_CLOSER: persona == target.owner
        or plans
        or (in_circle and persona in BACKLOG_KEEPERS[target.circle]),
    }
    if level in meetings:
        return ALLOWED if meetings[level] else FORBIDDEN
    if level == table.CIRCLE_STEWARD:
        steward = _steward_of(persona, target.circle) or _steward_of(persona, parent)
        return ALLOWED if is_admin or steward else FORBIDDEN
    if level == table.PARENT_STEWARD:
        return ALLOWED if is_admin or _steward_of(persona, parent) else FORBIDDEN
    raise AssertionError(f"unknown level {level}")


REVIEW_LEVELS = {
    table.REVIEW_PARTY,
    table.REVIEW_FOCUS,
    table.REVIEWER,
    table.REVIEW_WRITER,
    table.REVIEW_ANSWERER,
    table.REVIEW_FACILITATOR,
}


def _review_answer(level: str, persona: str) -> str:
    """Nobody outside the review learns it exists (404); inside, each step is someone's."""
    focus, reviewer = persona == REVIEW_FOCUS_PERSONA, persona in REVIEWER_PERSONAS
    if not (focus or reviewer):
        return HIDDEN
    may = {
        table.REVIEW_PARTY: True,
        table.REVIEW_FOCUS: focus,
        table.REVIEWER: reviewer,
        table.REVIEW_WRITER: focus,  # or the facilitator, who is no persona
        table.REVIEW_ANSWERER: True,
        table.REVIEW_FACILITATOR: False,
    }
    return ALLOWED if may[level] else FORBIDDEN


def _selection_answer(level: str, persona: str, target: Target, is_admin: bool) -> str:
    """Whoever sees the circle sees its selections; each step is someone's
    (tests/selections/matrix.py). A selection is started by the circle's members and by whoever
    manages its roles."""
    assert target.circle is not None
    facts = CIRCLES[target.circle]
    manages = is_admin or _steward_of(persona, target.circle) or _steward_of(persona, facts.parent)
    if level == table.SELECTION_STARTER:
        may = manages or persona in facts.members
    else:
        may = selection_matrix.selection_answer(level, persona, target.circle, may_manage=manages)
    return ALLOWED if may else FORBIDDEN


def observed(response: Any, is_api: bool) -> str:
    code = response.status_code
    if code in (301, 302, 303, 307, 308):
        location = response["Location"]
        if location.startswith(reverse("account_login")):
            return LOGIN
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        return ALLOWED
    if code == 401:
        return LOGIN if is_api else "401"
    known = {404: HIDDEN, 403: FORBIDDEN, 405: NOT_ALLOWED}
    if code in known:
        return known[code]
    if 200 <= code < 300 or code in (400, 409, 410, 422):
        return ALLOWED
    return f"error {code}"


# The objects every route is requested for ---------------------------------------------------


def build_targets(world: Any) -> dict[str, list[Target]]:
    # given the world, with a circle inside Garden (whose facilitator stewards its parent), a
    # circle in Elsewhere, terms in each, invitations, tokens and notifications
    seedlings = f.make_circle(world.org, "Seedlings", parent=world.garden)
    f.add(seedlings, world.member)
    hub = f.make_circle(world.other_org, "Hub")
    f.add(hub, world.outsider)
    circles = {
        "general": world.general,
        "garden": world.garden,
        "care": world.care,
        "seedlings": seedlings,
        "hub": hub,
    }
    holders = {
        "garden": world.facilitator,
        "care": world.circle_member,
        "seedlings": world.member,
        "hub": world.outsider,
    }
    f.give_role(world.care, "secretary", world.circle_member)
    f.give_role(seedlings, "secretary", world.member)
    f.give_role(hub, "secretary", world.outsider)
    f.give_role(hub, "facilitator", world.outsider)
    # Names no one else has, to look for in every answer (see MARKERS)
    services.update_circle(
        circle=world.care, actor=world.circle_member, name="Secretcare", aim="Secretcare's work."
    )
    services.update_circle(circle=hub, actor=world.outsider, name="Farawayhub", aim="Farawayhub.")
    role_kind = {
        "garden": "facilitator",
        "care": "secretary",
        "seedlings": "secretary",
        "hub": "secretary",
    }
    roles = {name: circles[name].roles.get(kind=role_kind[name]) for name in holders}
    assignments = {
        name: RoleAssignment.objects.current().get(role=roles[name], holder=holders[name])
        for name in holders
    }
    willow_invitation, raw = services.invite(
        organisation=world.org, email="newcomer@example.org", actor=world.admin
    )
    elsewhere_invitation, _ = services.invite(
        organisation=world.other_org, email="someone@example.org", actor=world.outsider
    )
    tokens = {}
    notifications = {}
    event = LedgerEvent.objects.filter(organisation=world.org).first()
    for persona in ("admin", "member"):
        user = getattr(world, persona)
        tokens[persona] = PersonalAccessToken.objects.create(
            user=user,
            name="matrix",
            token_hash=hash_token(f"cw_matrix_{persona}"),
            hint="cw_matrix",
        )
        notifications[persona] = Notification.objects.create(recipient=user, event=event)

    org_slug = {"willow": world.org.slug, "elsewhere": world.other_org.slug}

    def org_target(org: str, **extra: Any) -> Target:
        ids = {
            "org": org_slug[org],
            "slug": org_slug[org],
            "organisation_id": getattr(world, "org" if org == "willow" else "other_org").pk,
        }
        ids.update(extra.pop("ids", {}))
        return Target(extra.pop("label", org), ids, org=org, **extra)

    def circle_target(name: str, *, via: str | None = None, label: str = "", **ids: Any) -> Target:
        """A circle's object; `via` names another circle whose address it is reached through."""
        address = circles[via or name]
        ids = {
            "org": address.organisation.slug,
            "slug": address.organisation.slug,
            "circle": address.slug,
            "circle_id": circles[name].pk,
            **ids,
        }
        org = CIRCLES[via or name].org
        foreign = via is not None
        return Target(
            label or name, ids, org=org, circle=via or name, foreign=foreign, pages_only=foreign
        )

    members_of = {
        "garden": world.circle_member,
        "care": world.circle_member,
        "seedlings": world.member,
        "hub": world.outsider,
    }
    targets: dict[str, list[Target]] = {
        "none": [Target("-")],
        "org": [org_target("willow"), org_target("elsewhere")],
        "new_circle": [
            org_target("willow"),
            org_target(
                "willow",
                label="willow, inside Garden",
                parent="garden",
                query=f"?parent={world.garden.slug}",
                body={"parent_id": world.garden.pk},
            ),
            org_target("elsewhere"),
        ],
        "person": [
            org_target("willow", label="willow: Mo", ids={"user_id": world.member.pk}),
            org_target("elsewhere", label="elsewhere: Olga", ids={"user_id": world.outsider.pk}),
            org_target(
                "willow",
                label="willow: Olga (not a member)",
                foreign=True,
                ids={"user_id": world.outsider.pk},
            ),
        ],
        "circle": [circle_target(name) for name in ("garden", "care", "seedlings", "hub")],
        "circle_member": [
            circle_target(
                name, label=f"{name}: member", user_id=members_of[name].pk, id=members_of[name].pk
            )
            for name in ("garden", "care", "seedlings", "hub")
        ],
        "role": [
            *(
                circle_target(
                    name,
                    label=f"{name}: {role_kind[name]}",
                    role_id=roles[name].pk,
                    id=roles[name].pk,
                )
                for name in roles
            ),
            circle_target(
                "care",
                via="garden",
                label="Care's role via Garden",
                role_id=roles["care"].pk,
                id=roles["care"].pk,
            ),
            circle_target(
                "hub",
                via="garden",
                label="Hub's role via Garden",
                role_id=roles["hub"].pk,
                id=roles["hub"].pk,
            ),
        ],
        "assignment": [
            *(
                circle_target(
                    name,
                    label=f"{name}: term",
                    assignment_id=assignments[name].pk,
                    id=assignments[name].pk,
                )
                for name in assignments
            ),
            circle_target(
                "care",
                via="garden",
                label="Care's term via Garden",
                assignment_id=assignments["care"].pk,
                id=assignments["care"].pk,
            ),
        ],
        "invitation": [
            org_target(
                "willow", label="willow's invitation", ids={"invitation_id": willow_invitation.pk}
            ),
            org_target(
                "elsewhere",
                label="elsewhere's invitation",
                ids={"invitation_id": elsewhere_invitation.pk},
            ),
            org_target(
                "willow",
                label="elsewhere's invitation via willow",
                foreign=True,
                ids={"invitation_id": elsewhere_invitation.pk},
            ),
        ],
        "invitation_token": [
            Target("willow's invitation", {"token": raw}),
            Target("an unknown invitation", {"token": "not-a-real-invitation"}, foreign=True),
        ],
        "token": [
            Target(f"{persona}'s token", {"token_id": token.pk, "id": token.pk}, owner=persona)
            for persona, token in tokens.items()
        ],
        "notification": [
            Target(
                f"{persona}'s notification", {"notification_id": n.pk, "id": n.pk}, owner=persona
            )
            for persona, n in notifications.items()
        ],
        "unsubscribe_token": [
            Target(
                "member's link to stop round emails from willow",
                {
                    "token": unsubscribe_token(
                        user_id=world.member.pk, organisation_id=world.org.pk, kind="round"
                    )
                },
            )
        ],
    }
    feed = accounts_services.renew_calendar_feed(user=world.member)
    targets["calendar_token"] = [
        Target("member's calendar", {"token": calendar_token_for(feed)}),
        Target("an address signed elsewhere", {"token": "not-a-calendar"}, foreign=True),
    ]
    targets.update(decision_targets(world, circles))
    targets["review"] = review_targets(world, assignments["garden"])
    targets["selection"] = selection_matrix.selection_targets(world, Target)
    # The private circle's latest change is the organisation's newest event
    services.update_circle(circle=world.care, actor=world.circle_member, aim="Secretcare's aim.")
    return targets


def decision_targets(world: Any, circles: dict[str, Any]) -> dict[str, list[Target]]:
    """Proposals in Garden, Care and Hub at each step the consent pages act on.

    In Garden the author (and objector) is the circle member and the facilitator steers; in Care
    the circle member writes and a helper who is no persona facilitates; in Hub the outsider does
    everything. Each circle gets a draft, a presented proposal with a clarifying question, one in
    the reaction step with an amendment, one in a consent round with an objection, a decided one
    (its decision and policy) and a backlog item.
    """
    from circlewise.accounts.models import User
    from circlewise.decisions import services as consent
    from circlewise.decisions.models import Decision, Objection
    from circlewise.discussions import services as discussions
    from circlewise.meetings import services as meetings
    from circlewise.meetings import services_actions as actions

    helper = f.join(world.org, f.make_user("Cara Helper", email="cara@example.org"))
    f.add(world.care, helper)
    f.give_role(world.care, "facilitator", helper)
    cast = {
        "garden": ("circle_member", world.circle_member, world.facilitator),
        "care": ("circle_member", world.circle_member, helper),
        "hub": ("outsider", world.outsider, world.outsider),
    }
    # Who plans each circle's meetings: Garden's facilitator, Care's secretary, Hub's everyone.
    planners = {"garden": world.facilitator, "care": world.circle_member, "hub": world.outsider}
    out: dict[str, list[Target]] = {}

    def add(kind: str, target: Target) -> None:
        out.setdefault(kind, []).append(target)

    for name, (persona, author, steerer) in cast.items():
        circle = Circle.objects.get(pk=circles[name].pk)  # with its new name

        def propose(title: str, *, present: bool = True) -> Any:
            proposal = consent.create_proposal(
                circle=circle,
                author=author,
                title=f"{circle.name}: {title}",  # names the circle: see MARKERS
                driver="A need.",
                text="We do this.",
            )
            if present:
                consent.present(proposal=proposal, actor=author)
            return proposal

        draft = propose("A draft", present=False)
        presented = propose("Presented")
        question = consent.ask_question(proposal=presented, member=steerer, text="Why?")
        reacting = propose("Reacting")
        consent.advance(proposal=reacting, actor=steerer)
        amendment = consent.suggest_amendment(proposal=reacting, member=steerer, text="Tweak it.")
        objected = propose("Objected")
        round_ = consent.open_consent_round(proposal=objected, actor=steerer)
        consent.respond(round_=round_, user=author, answer="objection", reason="It harms our aim.")
        objection = Objection.objects.get(proposal=objected)
        decided = propose("Decided")
        closing = consent.open_consent_round(proposal=decided, actor=steerer)
        for user_id in consent.waiting_for(closing):
            user = User.objects.get(pk=user_id)
            consent.respond(round_=closing, user=user, answer="consent")
        closing.refresh_from_db()
        if closing.is_open:
            consent.close_round(round_=closing, actor=steerer, reason="Time is up.")
        decision = Decision.objects.get(proposal=decided)
        item = consent.add_backlog_item(circle=circle, actor=author, topic="Something to explore")
        org = CIRCLES[name].org
        base = {
            "org": circle.organisation.slug,
            "circle": circle.slug,
            "slug": circle.organisation.slug,
        }

        def target(label: str, *, draft: bool = False, **ids: Any) -> Target:
            return Target(
                f"{name}: {label}",
                {**base, **ids},
                org=org,
                circle=name,
                owner=persona,
                draft=draft,
            )

        add("proposal", target("presented", proposal_id=presented.pk))
        add("draft", target("draft", draft=True, proposal_id=draft.pk))
        add("question", target("question", proposal_id=presented.pk, question_id=question.pk))
        add("amendment", target("amendment", proposal_id=reacting.pk, amendment_id=amendment.pk))
        add("round", target("open round", round_id=round_.pk))
        add("objection", target("objection", objection_id=objection.pk))
        add("decision", target("decision", decision_id=decision.pk))
        add("policy", target("policy", policy_id=decision.policy_id))
        add("backlog_item", target("backlog item", item_id=item.pk))
        comment = discussions.post_comment(actor=author, item=item, text="Say more.")
        add("comment", target("comment", comment_id=comment.pk))
        meeting = meetings.plan_meeting(
            circle=circle,
            actor=planners[name],
            starts_at=timezone.now() + dt.timedelta(days=3),
            title=f"{circle.name}: meeting",
        )
        agenda_item = meetings.add_agenda_item(meeting=meeting, actor=author, title="To explore")
        add("meeting", target("meeting", meeting_id=meeting.pk))
        add("agenda_item", target("agenda item", item_id=agenda_item.pk))
        action = actions.add_action_item(
            circle=circle, actor=planners[name], title="Order seeds", owner=author
        )
        add("action_item", target("action item", action_id=action.pk))
        if name == "garden":
            add("proposal", target("draft", draft=True, proposal_id=draft.pk))
    # Elsewhere's proposal reached through Willow's address
    hub_proposal = next(t for t in out["proposal"] if t.label == "hub: presented")
    add(
        "proposal",
        Target(
            "hub's proposal via willow",
            {**hub_proposal.ids, "org": world.org.slug, "slug": world.org.slug},
            org="willow",
            circle="garden",
            owner="outsider",
            foreign=True,
            pages_only=True,
        ),
    )
    return out


def review_targets(world: Any, fay_term: Any) -> list[Target]:
    """Fay's review of her work as Garden's facilitator: Cy asked, Cara facilitating."""
    from circlewise.accounts.models import User
    from circlewise.reviews import services as reviews

    cara = User.objects.get(email="cara@example.org")
    review = reviews.start_review(assignment=fay_term, actor=world.facilitator, facilitator=cara)
    reviews.add_reviewer(review=review, person=world.circle_member, actor=world.facilitator)
    ids = {
        "org": world.org.slug,
        "slug": world.org.slug,
        "review_id": review.pk,
        "person_id": world.circle_member.pk,
    }
    return [Target("garden: Fay's review", ids, org="willow", circle="garden", owner="facilitator")]


def _fill(pattern: str, ids: dict[str, Any]) -> str:
    """Put a target's ids into an API path template ("/api/v1/circles/{circle_id}")."""
    return re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), pattern)


def _url(route: table.Route, found: table.Found, target: Target) -> str:
    if route.is_api:
        return _fill(found.pattern, target.ids)
    params = re.findall(r"<(?:\w+:)?(\w+)>", found.pattern)
    return reverse(route.key, kwargs={name: target.ids[name] for name in params}) + target.query


def _sample(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """The smallest value that fits a JSON schema: each required field, nothing optional.

    The body only has to get past validation, so that the operation itself decides; what the
    operation then makes of "Matrix" or id 0 (usually a 400) counts as being let through.
    """
    if "$ref" in schema:
        return _sample(components[schema["$ref"].rsplit("/", 1)[1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return _sample(options[0], components) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {name: _sample(properties[name], components) for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer" or kind == "number":
        return 0
    if kind == "boolean":
        return False
    return {
        "date": "2031-01-01",
        "date-time": "2031-01-01T00:00:00Z",
        "email": "matrix@example.org",
    }.get(schema.get("format", ""), "Matrix")


def _bodies() -> dict[str, Any]:
    """A minimal JSON body for every API operation that takes one, from the OpenAPI document."""
    from circlewise.api import api

    document = api.get_openapi_schema()
    components = document.get("components", {}).get("schemas", {})
    bodies = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            schema = (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            if schema is not None:
                bodies[f"{method.upper()} {path}"] = _sample(schema, components)
    return bodies


def _clients(world: Any) -> dict[str, Client]:
    """A client per persona, signed in with a session (force_login; the deactivated one too)."""
    clients = {}
    for persona in PERSONAS:
        client = Client(raise_request_exception=False)
        if persona != "anonymous":
            client.force_login(getattr(world, persona))
        clients[persona] = client
    return clients


def _bearer_clients(world: Any) -> dict[str, Client]:
    """A client per persona sending a read-and-write personal access token instead."""
    clients = {"anonymous": Client(raise_request_exception=False)}
    for persona in PERSONAS[1:]:
        raw = f"cw_matrix_bearer_{persona}"
        PersonalAccessToken.objects.create(
            user=getattr(world, persona),
            name="matrix bearer",
            scope=PersonalAccessToken.Scope.WRITE,
            token_hash=hash_token(raw),
            hint=raw[:12],
        )
        clients[persona] = Client(
            raise_request_exception=False, headers={"Authorization": f"Bearer {raw}"}
        )
    return clients


def _request(client: Client, method: str, url: str, *, body: Any = None, htmx: bool = False) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, headers=headers)
        elif body is not None:
            response = client.generic(
                method, url, data=json.dumps(body), content_type="application/json"
            )
        else:
            response = client.generic(
                method,
                url,
                data="",
                content_type="application/x-www-form-urlencoded",
                headers=headers,
            )
        transaction.set_rollback(True)
    return response


# The private circle and the other organisation's circle are renamed to names found nowhere
# else; an answer to anyone else that contains one shows them something they may not see (a
# list, a feed, a person's page, a count of circles naming it).
MARKERS = {"Secretcare": {"circle_member"}, "Farawayhub": {"outsider"}}


def _leaked(response: Any, persona: str) -> list[str]:
    if response.status_code >= 300:
        return []
    # Downloads are streamed (the ledger's exports): read them too.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    content = body.decode("utf-8", "replace")
    return [m for m, seers in MARKERS.items() if persona not in seers and m in content]


def _why(response: Any) -> str:
    exc_info = getattr(response, "exc_info", None)
    if exc_info and exc_info[1] is not None:
        return f" [{type(exc_info[1]).__name__}: {str(exc_info[1])[:120]}]"
    return ""


def test_every_route_answers_every_persona_as_the_permission_table_says(world):
    # (Django logs every 403 and 404 with a traceback: hundreds of them here, by design.)
    logger = logging.getLogger("django.request")
    logger.disabled = True
    try:
        _check_the_matrix(world)
    finally:
        logger.disabled = False


def _check_the_matrix(world: Any) -> None:
    # given the world's personas, each with a client, and the objects each route addresses
    targets = build_targets(world)
    clients = _clients(world)
    bearers = _bearer_clients(world)
    found = {route.key: route for route in table.found_routes()}
    bodies = _bodies()
    checks = 0
    mismatches: list[str] = []

    def check(
        key: str, method: str, url: str, want: str, persona: str, bearer: bool = False, **how: Any
    ) -> None:
        nonlocal checks
        is_api = key.startswith(("GET /", "POST /", "PUT /", "PATCH /", "DELETE /"))
        response = _request((bearers if bearer else clients)[persona], method, url, **how)
        got = observed(response, is_api)
        checks += 1
        variant = " (htmx)" if how.get("htmx") else " (token)" if bearer else ""
        if got not in want.split(" or "):
            mismatches.append(
                f"{key}{variant} {method} {url} as {persona}: expected {want}, got {got}"
                f" ({response.status_code}){_why(response)}"
            )
        for marker in _leaked(response, persona):
            mismatches.append(
                f"{key}{variant} {method} {url} as {persona}: the answer names {marker!r},"
                f" which {persona} may not see"
            )

    try:
        _every_check(targets, found, bodies, check)
    finally:
        table.FIGURES["matrix"] = (checks, len(mismatches))
    # then every answer is the one the table gives
    summary = f"{len(mismatches)} of {checks} checks differ from the table:"
    assert not mismatches, "\n".join([summary, *mismatches])


def _every_check(
    targets: dict[str, list[Target]],
    found: dict[str, table.Found],
    bodies: dict[str, Any],
    check: Any,
) -> None:
    # when every listed route that exists is requested by every persona with every method: pages
    # with GET (accepted or not) and each method they accept (and a GET answered 403 or 404 again
    # as an htmx request); API operations with their own method and a minimal valid body (and,
    # where the answer is a refusal, again with some personas' personal access tokens)
    for route in table.ROUTES:
        if route.key not in found:
            continue  # the inventory test reports it
        methods = (
            route.methods if route.is_api else ("GET", *(m for m in route.methods if m != "GET"))
        )
        stewardly = {table.CIRCLE_STEWARD, table.PARENT_STEWARD} & set(route.access.values())
        for target in targets[route.target]:
            if route.is_api and target.pages_only:
                continue
            if target.circle == "seedlings" and not stewardly:
                continue  # Seedlings is there for its parent's steward; Garden covers the rest
            url = _url(route, found[route.key], target)
            label = f"{route.key} [{target.label}]"
            for method in methods:
                for persona in PERSONAS:
                    want = expected(route, method, persona, target)
                    if route.is_api:
                        body = bodies.get(route.key)
                        if body is not None or method != "GET":
                            body = {**(body or {}), **target.body}
                        check(label, method, url, want, persona, body=body)
                        if want != ALLOWED and persona in TOKEN_PERSONAS:
                            # A personal access token is refused exactly as a session is.
                            check(label, method, url, want, persona, bearer=True, body=body)
                    else:
                        check(label, method, url, want, persona)
                        if (
                            method == "GET"
                            and want in (HIDDEN, FORBIDDEN, EITHER)
                            and not route.key.startswith("api:")
                        ):
                            # An htmx partial is refused exactly as its page is. (Signing in and
                            # methods are settled by decorators before any view code runs.)
                            check(label, method, url, want, persona, htmx=True)
    # and every third-party area is probed with GET at its one coarse level
    for tp in table.THIRD_PARTY:
        names = set(tp.probes) | {
            name
            for name in _third_party_names(tp)
            if any(name.endswith(suffix) for suffix in tp.probe_suffixes)
        }
        for name in sorted(names):
            route = table.Route(name, "none", {"GET": tp.level})
            for persona in PERSONAS:
                want = expected(route, "GET", persona, Target("-"))
                check(name, "GET", reverse(name), want, persona)


def _third_party_names(tp: table.ThirdParty) -> list[str]:
    from django.urls import URLPattern, URLResolver, get_resolver

    names: list[str] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = (
                    f"{namespace}:{p.namespace}"
                    if namespace and p.namespace
                    else (p.namespace or namespace)
                )
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif (
                isinstance(p, URLPattern)
                and p.name
                and (prefix + str(p.pattern)).startswith(tp.prefix)
            ) and not re.search(r"[<(]", prefix + str(p.pattern)):
                names.append(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, "", "")
    return names


def test_the_personas_are_who_the_matrix_says_they_are(world):
    # given the world and the matrix's extra objects
    build_targets(world)
    users = {persona: getattr(world, persona) for persona in PERSONAS[1:]}
    orgs = {"willow": world.org, "elsewhere": world.other_org}
    circles = {c.slug: c for c in Circle.objects.filter(organisation__in=orgs.values())}
    # when memberships, admins and circle roles are read from the database
    by_user = {user.pk: persona for persona, user in users.items()}
    members = {
        name: {
            by_user[m.user_id]
            for m in OrgMembership.objects.current().filter(organisation=org)
            if m.user_id in by_user
        }
        for name, org in orgs.items()
    }
    admins = {
        name: {
            by_user[m.user_id]
            for m in OrgMembership.objects.current().filter(organisation=org, is_admin=True)
            if m.user_id in by_user
        }
        for name, org in orgs.items()
    }
    # then they are what the hand-written account says
    assert members == ORG_MEMBERS
    assert admins == ORG_ADMINS
    assert {p for p, u in users.items() if u.is_active} == SIGNED_IN
    for name, facts in CIRCLES.items():
        circle = circles[name]
        in_circle = {
            by_user[m.user_id]
            for m in CircleMembership.objects.current().filter(circle=circle)
            if m.user_id in by_user and users[by_user[m.user_id]].is_active
        }
        stewards = {
            by_user[a.holder_id]
            for a in RoleAssignment.objects.current().filter(
                role__circle=circle, role__kind__in=(Role.Kind.LEADER, Role.Kind.FACILITATOR)
            )
            if a.holder_id in by_user
        }
        assert (circle.is_private, circle.parent.slug if circle.parent else None) == (
            facts.private,
            facts.parent,
        ), name
        assert in_circle == facts.members, name
        assert stewards == facts.stewards, name
        keepers = {
            by_user[a.holder_id]
            for a in RoleAssignment.objects.current().filter(
                role__circle=circle, role__kind__in=(Role.Kind.FACILITATOR, Role.Kind.SECRETARY)
            )
            if a.holder_id in by_user
        }
        assert keepers == BACKLOG_KEEPERS[name], name
