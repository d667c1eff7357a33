"""Property-based tests of the consent process: whatever order people act in, the guards hold."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from circlewise.circles import services as circle_services
from circlewise.core.errors import ServiceError
from circlewise.decisions import services
from circlewise.decisions.models import ConsentResponse, ConsentRound, Objection, Proposal

from .. import factories as f

ANSWERS = st.sampled_from(["consent", "consent", "consent", "objection", "concern", "pass"])


class ConsentProcess(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.org = f.make_org()
        self.admin = f.admin_of(self.org)
        self.circle = f.make_circle(self.org, "Circle")
        self.people = [f.join(self.org) for _ in range(5)]
        f.add(self.circle, *self.people)
        self.facilitator = self.people[0]
        f.give_role(self.circle, "facilitator", self.facilitator)
        self.outside = [f.join(self.org) for _ in range(2)]
        self.everyone = self.people + self.outside
        self.leavers = self.people[2:]
        self.proposal = services.create_proposal(
            circle=self.circle, author=self.people[1], title="T", driver="D", text="X"
        )
        services.present(proposal=self.proposal, actor=self.people[1])
        self.decided_checked = False

    def _refresh(self) -> Proposal:
        self.proposal.refresh_from_db()
        return self.proposal

    def _open_round(self) -> ConsentRound | None:
        return self.proposal.rounds.filter(outcome="open").first()

    @rule()
    def open_round(self) -> None:
        with contextlib.suppress(ServiceError):
            services.open_consent_round(proposal=self._refresh(), actor=self.facilitator)

    @rule(who=st.integers(0, 6), answer=ANSWERS, reason=st.sampled_from(["", "a reason"]))
    def answer(self, who: int, answer: str, reason: str) -> None:
        round_ = self._open_round() or self.proposal.rounds.order_by("-pk").first()
        if round_ is None:
            return
        person = self.everyone[who]
        before = ConsentResponse.objects.filter(round=round_, user=person).count()
        try:
            services.respond(round_=round_, user=person, answer=answer, reason=reason)
        except ServiceError:
            # a refused answer changes nothing
            assert ConsentResponse.objects.filter(round=round_, user=person).count() == before

    @rule(text=st.sampled_from(["v-a", "v-b", "v-c"]))
    def revise(self, text: str) -> None:
        integrations = {o.pk: "integrated" for o in self.proposal.objections.filter(status="open")}
        with contextlib.suppress(ServiceError):
            services.revise(
                proposal=self._refresh(),
                actor=self.facilitator,
                change_note="n",
                text=text,
                integrations=integrations,
            )

    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        objections = list(self.proposal.objections.filter(status="open"))
        if not objections:
            return
        objection = data.draw(st.sampled_from(objections))
        actor = data.draw(st.sampled_from(self.everyone))
        by_objector = actor.pk == objection.objector_id
        try:
            services.withdraw_objection(objection=objection, actor=actor)
        except ServiceError:
            assert not by_objector
        objection.refresh_from_db()
        # only the objector can clear their objection: nobody else, the facilitator included
        assert (objection.status == Objection.Status.WITHDRAWN) == by_objector

    @rule(who=st.integers(0, 1))
    def someone_joins(self, who: int) -> None:
        person = self.outside[who]
        with contextlib.suppress(ServiceError):
            circle_services.add_member(circle=self.circle, user=person, actor=self.admin)

    @precondition(lambda self: len(self.leavers) > 0)
    @rule()
    def someone_leaves(self) -> None:
        person = self.leavers.pop()
        with contextlib.suppress(ServiceError):
            circle_services.end_membership(circle=self.circle, user=person, actor=self.admin)

    @rule()
    def close(self) -> None:
        round_ = self._open_round()
        if round_ is not None:
            with contextlib.suppress(ServiceError):
                services.close_round(round_=round_, actor=self.facilitator)

    @invariant()
    def one_answer_per_member_per_round(self) -> None:
        for round_ in self.proposal.rounds.all():
            users = list(round_.responses.values_list("user_id", flat=True))
            assert len(users) == len(set(users))
            roster = set(round_.roster.values_list("user_id", flat=True))
            # nobody outside the roster fixed at opening ever answers
            assert set(users) <= roster

    @invariant()
    def decided_only_with_everyone_and_no_standing_objection(self) -> None:
        proposal = self._refresh()
        if proposal.state != Proposal.State.DECIDED:
            return
        decision = proposal.decision
        round_ = decision.consent_round
        assert round_.version_number == decision.version.number == proposal.version_number
        assert not proposal.objections.filter(
            status="open", version_number=proposal.version_number
        ).exists()
        answered = set(round_.responses.values_list("user_id", flat=True))
        required = set(round_.roster.filter(required=True).values_list("user_id", flat=True))
        assert required <= answered
        # only answers on the decided version count: none is an objection that still stands
        for response in round_.responses.filter(answer="objection"):
            assert response.objection.status != Objection.Status.OPEN


@pytest.mark.django_db
def test_consent_process_properties() -> None:
    ConsentProcess.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=20,
        deadline=None,
        derandomize=True,  # the same examples on every run: CI stays reproducible
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    ConsentProcess.TestCase().runTest()
