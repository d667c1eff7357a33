"""A proposal is handed only to a helping circle its facilitator may see: the page offers no other,
and the page, the API and the service all refuse a private one to someone outside it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from circlewise.circles import services as circle_services
from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services
from circlewise.decisions.models import ConsentRound

from .. import factories as f
from ..api.conftest import ApiClient


def url(name, *args):
    return reverse(f"decisions:{name}", args=["willow", *args])


def events(org):
    return LedgerEvent.objects.filter(organisation=org).count()


@pytest.fixture
def api(client):
    return ApiClient(client)


@pytest.fixture
def helping(world):
    """Two helping circles inside General: Paths (open) and Hush (private, Cy alone in it)."""
    paths = f.make_circle(world.org, "Paths", parent=world.general, kind="helping")
    hush = f.make_circle(world.org, "Hush", parent=world.general, kind="helping",
                         visibility="private")  # fmt: skip
    f.add(hush, world.circle_member)
    if hush.memberships.current().filter(user=world.admin).exists():  # its first member
        circle_services.end_membership(circle=hush, user=world.admin, actor=world.admin)
    return paths, hush


def in_reaction(kitchen):
    k = kitchen
    proposal = services.create_proposal(
        circle=k.circle, author=k.author, title="Compost rota", driver="Scraps pile up.",
        text="A weekly rota.",
    )  # fmt: skip
    services.present(proposal=proposal, actor=k.author)
    services.advance(proposal=proposal, actor=k.facilitator)
    return proposal


def test_the_hand_over_list_offers_only_the_helping_circles_the_facilitator_sees(
    client, world, kitchen, helping
):
    # given Kitchen's facilitator, outside the private Hush, and a proposal she may hand over
    paths, hush = helping
    proposal = in_reaction(kitchen)
    client.force_login(kitchen.facilitator)
    # when she opens the proposal
    html = client.get(url("proposal_detail", proposal.pk)).content.decode()
    # then Paths is offered and Hush is neither offered nor named
    assert f'value="{paths.pk}"' in html and "Paths" in html
    assert f'value="{hush.pk}"' not in html and "Hush" not in html


def test_a_member_of_the_private_helping_circle_is_offered_it(client, world, kitchen, helping):
    # given Kitchen's facilitator is also in Hush
    paths, hush = helping
    f.add(hush, kitchen.facilitator)
    proposal = in_reaction(kitchen)
    client.force_login(kitchen.facilitator)
    # when she opens the proposal
    html = client.get(url("proposal_detail", proposal.pk)).content.decode()
    # then both helping circles are offered
    assert f'value="{paths.pk}"' in html and f'value="{hush.pk}"' in html


def test_the_page_refuses_a_hand_over_into_a_private_circle_its_facilitator_cannot_see(
    client, world, kitchen, helping
):
    # given Kitchen's facilitator outside Hush
    _, hush = helping
    proposal = in_reaction(kitchen)
    before = events(world.org)
    client.force_login(kitchen.facilitator)
    # when she sends a hand-over into Hush anyway
    response = client.post(
        url("round_open", proposal.pk), {"subject": "hand_over", "handed_to": hush.pk}
    )
    # then the page refuses it with a message, and nothing changed
    assert response.status_code == 400
    assert "Hush" not in response.content.decode()
    assert not ConsentRound.objects.filter(proposal=proposal).exists()
    assert events(world.org) == before


def test_the_page_hands_over_into_an_open_helping_circle(client, world, kitchen, helping):
    # given Kitchen's facilitator and the open Paths
    paths, _ = helping
    proposal = in_reaction(kitchen)
    client.force_login(kitchen.facilitator)
    # when she opens a hand-over round to Paths
    response = client.post(
        url("round_open", proposal.pk), {"subject": "hand_over", "handed_to": paths.pk}
    )
    # then the round is open on handing it to Paths
    assert response.status_code == 302
    round_ = ConsentRound.objects.get(proposal=proposal)
    assert (round_.subject, round_.handed_to) == ("hand_over", paths)


def test_the_api_refuses_the_same_hand_over(world, kitchen, helping, api):
    # given Kitchen's facilitator outside Hush
    _, hush = helping
    proposal = in_reaction(kitchen)
    # when she asks the API to hand the proposal into Hush
    answer = api.post(
        f"/proposals/{proposal.pk}/rounds",
        {"subject": "hand_over", "handed_to_id": hush.pk},
        as_=kitchen.facilitator,
    )
    # then it is refused as a bad input, naming nothing
    assert answer.status == 400
    assert answer.body["field"] == "handed_to_id"
    assert "Hush" not in answer.body["detail"]
    assert not ConsentRound.objects.filter(proposal=proposal).exists()


def test_the_service_refuses_a_hand_over_into_a_private_circle_the_actor_cannot_see(
    world, kitchen, helping
):
    # given Kitchen's facilitator outside Hush
    _, hush = helping
    proposal = in_reaction(kitchen)
    # when the service is asked to open the round
    with pytest.raises(ServiceError) as refused:
        services.open_consent_round(
            proposal=proposal, actor=kitchen.facilitator, subject="hand_over", handed_to=hush
        )
    # then it refuses, beside the helping-circle field
    assert refused.value.field == "handed_to"
    assert not ConsentRound.objects.filter(proposal=proposal).exists()


def test_a_hand_over_round_into_a_private_circle_does_not_name_it_to_others(
    client, world, kitchen, helping
):
    # given Kitchen's facilitator in Hush, who opens a round on handing a proposal to it
    _, hush = helping
    f.add(hush, kitchen.facilitator)
    proposal = in_reaction(kitchen)
    services.open_consent_round(
        proposal=proposal, actor=kitchen.facilitator, subject="hand_over", handed_to=hush
    )
    # when another member of Kitchen, outside Hush, reads the proposal
    client.force_login(kitchen.others[0])
    html = client.get(url("proposal_detail", proposal.pk)).content.decode()
    # then she is asked to consent to handing it to a private helping circle, unnamed
    assert "the proposal goes to a private helping circle" in html
    assert "Hush" not in html
