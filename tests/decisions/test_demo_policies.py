"""The demo's policy register: every status a policy reaches through the consent services."""

from __future__ import annotations

from django.core.management import call_command

from circlewise.circles import demo
from circlewise.circles.models import Organisation
from circlewise.core.ledger import verify_organisation
from circlewise.decisions import services
from circlewise.decisions.models import Policy, Proposal


def test_the_demo_register_has_replaced_and_retired_policies(db):
    call_command("load_demo")
    org = Organisation.objects.get(slug=demo.DEMO_SLUG)
    policies = list(Policy.objects.filter(circle__organisation=org))
    statuses = {p.status().value for p in policies}
    # (an expired policy would need a review date in the past, which no proposal may set)
    assert statuses >= {"active", "review_due", "superseded", "retired"}
    replaced = next(p for p in policies if p.status() == Policy.Status.SUPERSEDED)
    assert replaced.superseded_by.status() == Policy.Status.ACTIVE
    assert replaced.ended_by.policy == replaced.superseded_by
    retired = next(p for p in policies if p.status() == Policy.Status.RETIRED)
    assert retired.ended_by.record["policy_action"] == "retire"
    for proposal in Proposal.objects.filter(circle__organisation=org, state="decided"):
        assert services.record_from_ledger(proposal) == proposal.decision.record
    assert verify_organisation(org).ok
