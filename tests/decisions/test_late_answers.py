"""An objection after the time to object under lazy consent: nothing is recorded, but the person
is told until when they could have objected (in their time zone), keeps what they wrote, and is
offered an early review with it."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import BacklogItem, ConsentResponse, ConsentRound, Proposal

AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")
REASON = "I was away: two hens on our balcony will keep the neighbours awake."


def url(name, *args):
    return reverse(f"decisions:{name}", args=["willow", *args])


def _decided_lazily(client, k, world, *, is_policy=True):
    """Decided by lazy consent in a meeting, Dara absent; the time to object has ended. (The
    facilitator closes the round through its page.)"""
    services.update_settings(circle=k.circle, actor=world.admin, absentee_policy="lazy")
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="Hens", driver="Eggs.", text="Two hens.",
        is_policy=is_policy,
    )  # fmt: skip
    services.present(proposal=proposal, actor=k.author, mode=Proposal.Mode.LIVE)
    round_ = services.open_consent_round(proposal=proposal, actor=k.facilitator)
    dara = k.others[2]
    for person in k.everyone:
        if person != dara:
            services.respond(round_=round_, user=person, answer="consent")
    client.force_login(k.facilitator)
    client.post(url("round_close", round_.pk), {"reason": "The meeting ends."})
    client.logout()
    ended = timezone.now() - dt.timedelta(hours=1)
    ConsentRound.objects.filter(pk=round_.pk).update(lazy_until=ended)
    dara.timezone = "Pacific/Auckland"
    dara.save(update_fields=["timezone"])
    round_.refresh_from_db()
    return proposal, round_, dara


def _in_auckland(moment):
    return date_format(moment.astimezone(AUCKLAND), "j M Y, H:i")


def test_a_late_objection_is_refused_with_the_date_and_changes_nothing(client, kitchen, world):
    # given a lazy consent whose time to object has ended
    k = kitchen
    proposal, round_, dara = _decided_lazily(client, k, world)
    before = LedgerEvent.objects.count()
    # when Dara, who was absent, objects now (seen in her time zone)
    with timezone.override(AUCKLAND), pytest.raises(services.LateAnswerError) as late:
        services.respond(round_=round_, user=dara, answer="objection", reason=REASON)
    # then she is told when the time ended, her words come back, and nothing is recorded
    assert late.value.status == 409
    assert f"ended on {_in_auckland(round_.lazy_until)}" in late.value.text
    assert late.value.reason == REASON
    assert not ConsentResponse.objects.filter(round=round_, user=dara).exists()
    assert LedgerEvent.objects.count() == before
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DECIDED


def test_the_page_keeps_a_late_objection_and_offers_an_early_review(client, kitchen, world):
    # given Dara's late objection, sent from the page she had open
    k = kitchen
    proposal, round_, dara = _decided_lazily(client, k, world)
    client.force_login(dara)
    response = client.post(
        url("round_answer", round_.pk), {"answer": "objection", "reason": REASON}
    )
    # then the page says the time ended and when, in her time zone, not a silent 409
    html = response.content.decode()
    assert response.status_code == 409
    assert (
        f"The time to object after this lazy consent ended on {_in_auckland(round_.lazy_until)}"
        in html
    )
    # and offers an early review of the policy with what she wrote already filled in
    policy = proposal.decision.policy
    review = url("policy_review", policy.pk)
    assert f'action="{review}"' in html
    assert f'name="reason" rows="4">{REASON}</textarea>' in html
    # when she sends it, the review is on the circle's backlog with her reason
    response = client.post(review, {"reason": REASON})
    assert response.status_code == 302
    item = BacklogItem.objects.get(policy=policy, source=BacklogItem.Source.EARLY_REVIEW)
    assert item.description == REASON and item.raised_by == dara


def test_a_late_objection_through_htmx_replaces_the_answer_form_with_the_offer(
    client, kitchen, world
):
    k = kitchen
    _proposal, round_, dara = _decided_lazily(client, k, world)
    client.force_login(dara)
    response = client.post(
        url("round_answer", round_.pk),
        {"answer": "objection", "reason": REASON},
        headers={"HX-Request": "true"},
    )
    # htmx swaps only a 2xx answer: the round's place gets the message and the review form
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card card-accent stack" id="consent-round"')
    assert "The time to object after this lazy consent ended on" in html
    assert REASON in html


def test_a_late_objection_to_a_decision_without_a_policy_goes_to_the_backlog(
    client, kitchen, world
):
    # given a lazy consent that set no policy
    k = kitchen
    _proposal, round_, dara = _decided_lazily(client, k, world, is_policy=False)
    client.force_login(dara)
    response = client.post(
        url("round_answer", round_.pk), {"answer": "objection", "reason": REASON}
    )
    html = response.content.decode()
    # then the offer is to raise it on the circle's backlog, with her words
    backlog = url("backlog_add", k.circle.slug)
    assert f'action="{backlog}"' in html
    assert f'name="description" rows="4">{REASON}</textarea>' in html
    response = client.post(
        backlog,
        {"topic": "Look again at: Hens", "description": REASON, "desired_outcome": "decide"},
    )
    assert response.status_code == 302
    assert BacklogItem.objects.get(circle=k.circle, description=REASON).raised_by == dara
