"""Through the API: a round below its quorum cannot close and says why, closing early needs a
reason, the quorum changes only by consent, a late objection gets the date and where to take it,
and a round's count leaves out those who left."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone
from django.utils.formats import date_format

from circlewise.circles import services as circle_services
from circlewise.decisions import services
from circlewise.decisions.models import ConsentResponse, ConsentRound, Proposal

from .. import factories as f
from .conftest import event_count
from .operations_decisions import crew, draft


def _lazy_round(world, extra=3):
    """A live proposal in Garden deciding by lazy consent, with `extra` more members: Cy, Fay
    and Dee (deactivated) plus them are asked."""
    crew(world, world.garden)
    more = [f.join(world.org, name=f"Member {n}") for n in range(extra)]
    f.add(world.garden, *more)
    services.update_settings(circle=world.garden, actor=world.admin, absentee_policy="lazy")
    proposal = draft(world, world.garden)
    services.present(proposal=proposal, actor=world.circle_member, mode=Proposal.Mode.LIVE)
    round_ = services.open_consent_round(proposal=proposal, actor=world.facilitator)
    return proposal, round_, more


def test_a_round_below_its_quorum_cannot_close_and_the_api_says_why(world, api):
    # given a lazy round of six where only Cy has answered
    _proposal, round_, _more = _lazy_round(world)
    services.respond(round_=round_, user=world.circle_member, answer="consent")
    before = event_count(world.org.pk)
    # when the facilitator reads the round, and closes it
    read = api.get(f"/rounds/{round_.pk}", as_=world.facilitator).body
    closed = api.post(
        f"/rounds/{round_.pk}/close", {"reason": "We are out of time."}, as_=world.facilitator
    )
    # then the round shows its quorum, the close is refused with the numbers, nothing changes
    assert read["quorum"] == {"percent": 50, "asked": 6, "answered": 1, "needed": 3, "met": False}
    assert closed.status == 409
    assert closed.detail.startswith("Below the quorum: 1 of the 6 members asked has answered")
    assert event_count(world.org.pk) == before
    round_.refresh_from_db()
    assert round_.is_open


def test_closing_early_through_the_api_needs_a_reason_and_keeps_it(world, api):
    # given a lazy round of six at its quorum
    proposal, round_, more = _lazy_round(world)
    for person in (world.circle_member, world.facilitator, more[0]):
        services.respond(round_=round_, user=person, answer="consent")
    # when the facilitator closes it without a reason, then with one
    bare = api.post(f"/rounds/{round_.pk}/close", as_=world.facilitator)
    closed = api.post(
        f"/rounds/{round_.pk}/close", {"reason": "The hall closes."}, as_=world.facilitator
    )
    # then the first is refused naming the field, the second closes it with who and why
    assert (bare.status, bare.body["field"]) == (400, "reason")
    assert closed.status == 200
    assert closed.body["outcome"] == "consented"
    assert closed.body["closed_by"]["id"] == world.facilitator.pk
    assert closed.body["close_reason"] == "The hall closes."
    decision = api.get(f"/proposals/{proposal.pk}", as_=world.member).body["decision_id"]
    record = api.get(f"/decisions/{decision}", as_=world.member).body["record"]
    assert record["closed_early"] == {"by": world.facilitator.pk, "reason": "The hall closes."}


def test_the_quorum_is_not_changed_through_the_settings(world, api):
    # when the facilitator sets the quorum directly
    refused = api.patch(
        f"/circles/{world.garden.pk}/decision-settings",
        {"quorum_percent": 10},
        as_=world.facilitator,
    )
    # then it is refused with where to go instead, and the quorum stays
    assert (refused.status, refused.body["field"]) == (403, "quorum_percent")
    assert "only by the circle's consent" in refused.detail
    read = api.get(f"/circles/{world.garden.pk}/decision-settings", as_=world.member).body
    assert read["quorum_percent"] == 50
    # a proposal carries it instead
    cy, _fay = crew(world, world.garden)
    created = api.post(
        f"/circles/{world.garden.pk}/proposals",
        {"title": "Fewer", "driver": "D", "text": "T", "quorum_percent": 40},
        as_=cy,
    )
    assert (created.status, created.body["quorum_percent"]) == (201, 40)


def test_a_late_objection_through_the_api_gets_the_date_and_the_review_operation(world, api):
    # given a lazy consent in Garden, Member 0 absent, whose time to object has ended
    proposal, round_, more = _lazy_round(world, extra=1)
    absent = more[0]
    absent.timezone = "America/Lima"
    absent.save(update_fields=["timezone"])
    for person in (world.circle_member, world.facilitator, world.deactivated):
        services.respond(round_=round_, user=person, answer="consent")
    api.post(f"/rounds/{round_.pk}/close", {"reason": "The meeting ends."}, as_=world.facilitator)
    ended = timezone.now() - dt.timedelta(minutes=5)
    ConsentRound.objects.filter(pk=round_.pk).update(lazy_until=ended)
    # when the absent member objects now
    late = api.post(
        f"/rounds/{round_.pk}/answers",
        {"answer": "objection", "reason": "This harms us."},
        as_=absent,
    )
    # then the answer names the date in their time zone and the operation to call a review
    policy = proposal.decision.policy
    when = date_format(ended.astimezone(zoneinfo.ZoneInfo("America/Lima")), "j M Y, H:i")
    assert late.status == 409
    assert f"ended on {when}" in late.detail
    assert f"POST /api/v1/policies/{policy.pk}/review" in late.detail
    assert not ConsentResponse.objects.filter(round=round_, user=absent).exists()


def test_the_rounds_count_leaves_out_someone_who_left(world, api):
    # given a round of six, two answered, one of the others leaves the circle
    _proposal, round_, more = _lazy_round(world)
    for person in (world.circle_member, world.facilitator):
        services.respond(round_=round_, user=person, answer="consent")
    circle_services.end_membership(circle=world.garden, user=more[2], actor=world.admin)
    newcomer = f.join(world.org, name="Nia Newcomer")
    f.add(world.garden, newcomer)
    # when the round is read
    body = api.get(f"/rounds/{round_.pk}", as_=world.member).body
    # then two of the five still asked have answered, the leaver is "left" with when, and the
    # newcomer is named as not asked
    assert (body["answered"], body["asked"]) == (2, 5)
    row = next(r for r in body["roster"] if r["user"]["id"] == more[2].pk)
    assert row["state"] == "left" and row["left_at"] is not None
    assert [p["id"] for p in body["joined_after_opening"]] == [newcomer.pk]
