from __future__ import annotations

from django.core.management import call_command
from django.utils import timezone

from circlewise.circles import demo, services
from circlewise.circles.models import Circle, Organisation, RoleAssignment, TermStatus
from circlewise.core.ledger import verify_organisation


def test_the_demo_is_a_believable_ecovillage(db):
    # when the demo loads
    call_command("load_demo")
    org = Organisation.objects.get(slug=demo.DEMO_SLUG)
    circles = list(org.circles.all())
    kinds = [c.kind for c in circles]
    # then it has a mission circle, a general circle, four departments and a helping circle
    assert kinds.count(Circle.Kind.MISSION) == 1
    assert kinds.count(Circle.Kind.GENERAL) == 1
    assert kinds.count(Circle.Kind.DEPARTMENT) == 4
    assert kinds.count(Circle.Kind.HELPING) == 1
    assert org.memberships.current().count() == 25
    # every circle has all four circle roles filled
    current = RoleAssignment.objects.current().filter(role__circle__organisation=org)
    for circle in circles:
        filled = {a.role.kind for a in current if a.role.circle_id == circle.pk}
        assert {"leader", "delegate", "facilitator", "secretary"} <= filled, circle.name
    # some terms end within a month, and one has expired
    today = timezone.localdate()
    statuses = [a.status(today) for a in current]
    assert statuses.count(TermStatus.EXPIRED) == 1
    assert statuses.count(TermStatus.ENDING) >= 3
    # double links hold: leaders and delegates are members of the parent circle
    for a in current.select_related("role__circle", "holder"):
        assert services.link_problems_for_assignment(a.role, a.holder, a.role.circle) == [] or (
            a.role.kind not in ("leader", "delegate")
        )
    # some people are in several circles
    busy = [
        m
        for m in org.memberships.current()
        if m.user.circle_memberships.filter(ended_on__isnull=True).count() > 1
    ]
    assert len(busy) >= 5
    assert verify_organisation(org).ok


def test_loading_the_demo_again_keeps_the_data(db):
    call_command("load_demo")
    org = Organisation.objects.get(slug=demo.DEMO_SLUG)
    sequence = org.ledger_sequence
    call_command("load_demo")
    org.refresh_from_db()
    assert org.ledger_sequence == sequence


def test_the_demo_has_proposals_in_every_state(db):
    from circlewise.decisions.models import Objection, Policy, Proposal

    call_command("load_demo")
    states = set(Proposal.objects.values_list("state", flat=True))
    assert states >= {
        "draft", "clarifying", "reacting", "consent", "objections", "decided", "postponed",
        "dropped", "escalated",
    }  # fmt: skip
    # an objection that was heard and integrated, and a policy whose review is due
    integrated = Objection.objects.get(status=Objection.Status.INTEGRATED)
    assert integrated.confirmed_at is not None and integrated.integration
    assert any(p.status() == Policy.Status.REVIEW_DUE for p in Policy.objects.all())
