"""The consent process's API operations (circlewise/decisions/api.py), for the table in
operations.py: how to build a request for each in the `world`, who may use it, and who does.

`request(world, circle)` builds the objects the request needs through the services: in Garden
(open) or Care (private). In both, Cy writes the proposals and Fay steers (in Care she is made a
member and its facilitator first). `actor(world)` is someone who may make the request in Garden.

Access, beyond the levels in operations.py (the permission table's words):
- "in_circle": a current member of the circle (asking, reacting, answering a round, reviews);
- "author": the draft's author (others get 404: a draft is hidden);
- "steer": the circle's facilitator or leader (advancing, rounds, synthesis, amendments);
- "author_or_steer": answering a clarifying question;
- "objector" / "not_objector": confirming or withdrawing / stating an objection back;
- "raise_item": anyone who sees the circle (members of other circles raise topics with it);
- "backlog_keeper": dropping or reopening a backlog item: its owner (or who raised it, if nobody
  owns it), the circle's facilitator or its secretary, being members (Cy raised the item).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from circlewise.accounts.models import User
from circlewise.circles.models import Circle
from circlewise.decisions import permissions, services
from circlewise.decisions.models import BacklogItem, ConsentRound, Objection, Proposal
from tests import factories as f
from tests.conftest import World

Request = tuple[str, str, Any]

CONSENT = "consent"


def crew(w: World, c: Circle) -> tuple[User, User]:
    """(author, steward): Cy and Fay, both members of the circle, Fay its facilitator."""
    if not c.memberships.current().filter(user=w.facilitator).exists():
        f.add(c, w.facilitator)
    if not permissions.can_steer_circle(w.facilitator, c):
        f.give_role(c, "facilitator", w.facilitator)
    return w.circle_member, w.facilitator


def draft(w: World, c: Circle, title: str = "Compost rota") -> Proposal:
    author, _ = crew(w, c)
    return services.create_proposal(
        circle=c,
        author=author,
        title=title,
        driver="Food scraps pile up.",
        text="Everyone takes a week on the compost rota.",
    )


def presented(w: World, c: Circle, **kw: object) -> Proposal:
    proposal = draft(w, c)
    services.present(proposal=proposal, actor=w.circle_member, **kw)  # type: ignore[arg-type]
    return proposal


def reacting(w: World, c: Circle) -> Proposal:
    proposal = presented(w, c)
    services.advance(proposal=proposal, actor=w.facilitator)
    return proposal


def synthesis(w: World, c: Circle) -> Proposal:
    proposal = reacting(w, c)
    services.advance(proposal=proposal, actor=w.facilitator)
    return proposal


def consent_round(w: World, c: Circle) -> ConsentRound:
    return services.open_consent_round(proposal=synthesis(w, c), actor=w.facilitator)


def answer_everyone(round_: ConsentRound, answer: str = CONSENT, **by: str) -> None:
    """Every member on the roster answers (Dee, deactivated, through the service)."""
    for user_id in services.waiting_for(round_):
        user = User.objects.get(pk=user_id)
        reason = by.get(user.email, "")
        services.respond(
            round_=round_,
            user=user,
            answer="objection" if reason else answer,
            reason=reason,
        )


def objection(w: World, c: Circle) -> Objection:
    """Cy objects in a consent round; everyone else consents."""
    round_ = consent_round(w, c)
    answer_everyone(round_, **{w.circle_member.email: "Too heavy for one person."})
    return Objection.objects.get(proposal=round_.proposal)


def stated_back(w: World, c: Circle) -> Objection:
    found = objection(w, c)
    services.state_back(objection=found, actor=w.facilitator, text="One week alone is too much.")
    return found


def decided(w: World, c: Circle) -> Proposal:
    round_ = consent_round(w, c)
    answer_everyone(round_)
    return Proposal.objects.get(pk=round_.proposal_id)


def lazy_round(w: World, c: Circle) -> ConsentRound:
    """A round in a live meeting with lazy consent, where Cy and Fay have answered (the circle's
    quorum, half of those asked) and Dee has not."""
    crew(w, c)
    services.update_settings(circle=c, actor=w.admin, absentee_policy="lazy")
    proposal = presented(w, c, mode=Proposal.Mode.LIVE)
    services.advance(proposal=proposal, actor=w.facilitator)
    services.advance(proposal=proposal, actor=w.facilitator)
    round_ = services.open_consent_round(proposal=proposal, actor=w.facilitator)
    services.respond(round_=round_, user=w.circle_member, answer=CONSENT)
    services.respond(round_=round_, user=w.facilitator, answer=CONSENT)
    return round_


def _question(w: World, c: Circle) -> int:
    proposal = presented(w, c)
    return services.ask_question(proposal=proposal, member=w.facilitator, text="Who?").pk


def _amendment(w: World, c: Circle) -> int:
    proposal = reacting(w, c)
    return services.suggest_amendment(proposal=proposal, member=w.circle_member, text="Pairs.").pk


def _policy(w: World, c: Circle) -> int:
    policy_id = decided(w, c).decision.policy_id
    assert policy_id is not None
    return policy_id


def _item(w: World, c: Circle) -> int:
    crew(w, c)
    return services.add_backlog_item(circle=c, actor=w.circle_member, topic="Tool shed").pk


def _dropped_item(w: World, c: Circle) -> int:
    item = BacklogItem.objects.get(pk=_item(w, c))
    services.drop_backlog_item(item=item, actor=w.circle_member, reason="By mistake.")
    return item.pk


def _cy(w: World) -> User:
    return w.circle_member


def _fay(w: World) -> User:
    return w.facilitator


@dataclass(frozen=True)
class DecisionOp:
    """Shaped like operations.Op (which imports this table), with who may use it in Garden."""

    operation_id: str
    access: str
    build: Callable[[World, Circle], Request]
    actor: Callable[[World], User] = _cy

    @property
    def is_write(self) -> bool:
        return self.method_for_docs != "GET"

    @property
    def method_for_docs(self) -> str:
        return DECISION_METHODS[self.operation_id]

    def __str__(self) -> str:
        return self.operation_id


def _op(
    operation_id: str,
    method: str,
    access: str,
    build: Callable[[World, Circle], Request],
    actor: Callable[[World], User] = _cy,
) -> DecisionOp:
    DECISION_METHODS[operation_id] = method
    return DecisionOp(operation_id, access, build, actor)


DECISION_METHODS: dict[str, str] = {}
ORG = "/organisations/willow"

DECISION_OPS: tuple[DecisionOp, ...] = (
    # Proposals
    _op(
        "listProposals",
        "GET",
        "circle_visible",
        lambda w, c: ("GET", f"/circles/{c.pk}/proposals", None),
    ),
    _op(
        "createProposal",
        "POST",
        "in_circle",
        lambda w, c: (
            "POST",
            f"/circles/{crew(w, c) and c.pk}/proposals",
            {"title": "Rota", "driver": "Scraps pile up.", "text": "A weekly rota."},
        ),
    ),
    _op(
        "getProposal",
        "GET",
        "circle_visible",
        lambda w, c: ("GET", f"/proposals/{presented(w, c).pk}", None),
    ),
    _op(
        "updateProposal",
        "PATCH",
        "author",
        lambda w, c: ("PATCH", f"/proposals/{draft(w, c).pk}", {"text": "A fortnightly rota."}),
    ),
    _op(
        "presentProposal",
        "POST",
        "author",
        lambda w, c: ("POST", f"/proposals/{draft(w, c).pk}/present", {}),
    ),
    _op(
        "listProposalVersions",
        "GET",
        "circle_visible",
        lambda w, c: ("GET", f"/proposals/{presented(w, c).pk}/versions", None),
    ),
    # Clarifying, reacting, synthesising
    _op(
        "askQuestion",
        "POST",
        "in_circle",
        lambda w, c: ("POST", f"/proposals/{presented(w, c).pk}/questions", {"text": "When?"}),
    ),
    _op(
        "answerQuestion",
        "POST",
        "author_or_steer",
        lambda w, c: ("POST", f"/questions/{_question(w, c)}/answer", {"text": "Whoever is on."}),
    ),
    _op(
        "addReaction",
        "POST",
        "in_circle",
        lambda w, c: ("POST", f"/proposals/{reacting(w, c).pk}/reactions", {"text": "Love it."}),
    ),
    _op(
        "suggestAmendment",
        "POST",
        "in_circle",
        lambda w, c: ("POST", f"/proposals/{reacting(w, c).pk}/amendments", {"text": "Pairs."}),
    ),
    _op(
        "resolveAmendment",
        "POST",
        "steer",
        lambda w, c: ("POST", f"/amendments/{_amendment(w, c)}/resolve", {"accept": True}),
        _fay,
    ),
    _op(
        "advanceProposal",
        "POST",
        "steer",
        lambda w, c: ("POST", f"/proposals/{presented(w, c).pk}/advance", {}),
        _fay,
    ),
    _op(
        "changeStepEnd",
        "POST",
        "steer",
        lambda w, c: (
            "POST",
            f"/proposals/{presented(w, c).pk}/step-end",
            {"ends_at": (timezone.now() + dt.timedelta(days=9)).isoformat(), "reason": "Away."},
        ),
        _fay,
    ),
    _op(
        "reviseProposal",
        "POST",
        "steer",
        lambda w, c: (
            "POST",
            f"/proposals/{synthesis(w, c).pk}/versions",
            {"change_note": "Pairs.", "text": "Pairs take a week."},
        ),
        _fay,
    ),
    # Consent rounds
    _op(
        "openConsentRound",
        "POST",
        "steer",
        lambda w, c: ("POST", f"/proposals/{synthesis(w, c).pk}/rounds", {}),
        _fay,
    ),
    _op(
        "getConsentRound",
        "GET",
        "circle_visible",
        lambda w, c: ("GET", f"/rounds/{consent_round(w, c).pk}", None),
    ),
    _op(
        "answerConsentRound",
        "POST",
        "in_circle",
        lambda w, c: ("POST", f"/rounds/{consent_round(w, c).pk}/answers", {"answer": CONSENT}),
    ),
    _op(
        "closeConsentRound",
        "POST",
        "steer",
        lambda w, c: (
            "POST",
            f"/rounds/{lazy_round(w, c).pk}/close",
            {"reason": "The meeting ends."},
        ),
        _fay,
    ),
    # Objections
    _op(
        "getObjection",
        "GET",
        "circle_visible",
        lambda w, c: ("GET", f"/objections/{objection(w, c).pk}", None),
    ),
    _op(
        "discussObjection",
        "POST",
        "in_circle",
        lambda w, c: ("POST", f"/objections/{objection(w, c).pk}/messages", {"text": "Why?"}),
        _fay,
    ),
    _op(
        "stateBackObjection",
        "POST",
        "not_objector",
        lambda w, c: (
            "POST",
            f"/objections/{objection(w, c).pk}/state-back",
            {"text": "A week alone is too much."},
        ),
        _fay,
    ),
    _op(
        "confirmObjection",
        "POST",
        "objector",
        lambda w, c: ("POST", f"/objections/{stated_back(w, c).pk}/confirm", None),
    ),
    _op(
        "withdrawObjection",
        "POST",
        "objector",
        lambda w, c: ("POST", f"/objections/{objection(w, c).pk}/withdraw", None),
    ),
    # Decisions and policies
    _op("listDecisions", "GET", "org_member", lambda w, c: ("GET", f"{ORG}/decisions", None)),
    _op(
        "getDecision",
        "GET",
        "circle_visible",
        lambda w, c: ("GET", f"/decisions/{decided(w, c).decision.pk}", None),
    ),
    _op("listPolicies", "GET", "org_member", lambda w, c: ("GET", f"{ORG}/policies", None)),
    _op(
        "getPolicy",
        "GET",
        "circle_visible",
        lambda w, c: ("GET", f"/policies/{_policy(w, c)}", None),
    ),
    _op(
        "reviewPolicy",
        "POST",
        "in_circle",
        lambda w, c: ("POST", f"/policies/{_policy(w, c)}/review", {"reason": "It chafes."}),
    ),
    _op(
        "withdrawPolicyConsent",
        "POST",
        "in_circle",
        lambda w, c: (
            "POST",
            f"/policies/{_policy(w, c)}/withdraw-consent",
            {"reason": "It no longer works for me."},
        ),
    ),
    # The backlog and settings
    _op(
        "listBacklog",
        "GET",
        "circle_visible",
        lambda w, c: ("GET", f"/circles/{c.pk}/backlog", None),
    ),
    _op(
        "addBacklogItem",
        "POST",
        "raise_item",
        lambda w, c: ("POST", f"/circles/{c.pk}/backlog", {"topic": "Tool shed"}),
    ),
    _op(
        "closeBacklogItem",
        "POST",
        "in_circle",
        lambda w, c: ("POST", f"/backlog/{_item(w, c)}/close", {"status": "done"}),
    ),
    _op(
        "dropBacklogItem",
        "POST",
        "backlog_keeper",
        lambda w, c: ("POST", f"/backlog/{_item(w, c)}/drop", {"reason": "We let it go."}),
    ),
    _op(
        "reopenBacklogItem",
        "POST",
        "backlog_keeper",
        lambda w, c: ("POST", f"/backlog/{_dropped_item(w, c)}/reopen", None),
    ),
    _op(
        "getDecisionSettings",
        "GET",
        "circle_visible",
        lambda w, c: ("GET", f"/circles/{c.pk}/decision-settings", None),
    ),
    _op(
        "updateDecisionSettings",
        "PATCH",
        "circle_steward",
        lambda w, c: ("PATCH", f"/circles/{c.pk}/decision-settings", {"allow_concerns": True}),
        _fay,
    ),
    _op("getNeedsMe", "GET", "org_member", lambda w, c: ("GET", f"{ORG}/needs-me", None)),
)
