"""The home and "what needs me" show the actual things that need the person, each once, with
their deadlines, and say "Nothing needs you now" when that is true; both count with one function
(decisions.selectors.needs_count)."""

from __future__ import annotations

import re

from django.urls import reverse

from circlewise.decisions import selectors, services


def _in_consent(kitchen):
    proposal = services.create_proposal(
        circle=kitchen.circle, author=kitchen.author, title="Tool library",
        driver="Everyone buys a drill.", text="One shelf of shared tools.",
    )  # fmt: skip
    services.present(proposal=proposal, actor=kitchen.author)
    services.advance(proposal=proposal, actor=kitchen.facilitator)
    services.advance(proposal=proposal, actor=kitchen.facilitator)
    return services.open_consent_round(proposal=proposal, actor=kitchen.facilitator)


def test_nothing_needs_a_member_before_anything_is_asked(client, kitchen):
    client.force_login(kitchen.others[0])
    home = client.get(reverse("circles:org_home", args=["willow"])).content.decode()
    assert "Nothing needs you now" in home
    assert 'data-needs-count="0"' in home


def test_a_round_to_answer_is_on_the_home_with_its_end_and_gone_once_answered(client, kitchen):
    round_ = _in_consent(kitchen)
    member = kitchen.others[0]
    client.force_login(member)
    home = client.get(reverse("circles:org_home", args=["willow"])).content.decode()
    assert "Nothing needs you now" not in home
    assert 'data-need="answer_round"' in home and "Tool library" in home
    assert re.search(r"by \w{3} \d+ \w{3}, \d\d:\d\d", home)  # its end, in the reader's zone
    found = selectors.needs_me(member, [kitchen.circle.pk])
    assert f'data-needs-count="{found["count"]}"' in home and found["count"] == 1
    # when she answers, the home says nothing needs her
    services.respond(round_=round_, user=member, answer="consent")
    home = client.get(reverse("circles:org_home", args=["willow"])).content.decode()
    assert "Nothing needs you now" in home


def test_what_needs_me_lists_a_proposal_once_not_again_as_its_backlog_item(client, kitchen):
    _in_consent(kitchen)
    client.force_login(kitchen.others[0])
    page = client.get(reverse("decisions:needs_me", args=["willow"])).content.decode()
    assert page.count("Tool library") == 1
    # and for the facilitator too, nothing listed above comes again in the backlog list
    found = selectors.needs_me(kitchen.facilitator, [kitchen.circle.pk])
    listed = {r.proposal_id for r in found["rounds"]} | {p.pk for p in found["proposals"]}
    assert not [i for i in found["backlog"] if i.proposal_id in listed]


def test_the_navigations_count_is_the_same_count_the_home_shows(client, kitchen):
    _in_consent(kitchen)
    member = kitchen.others[0]
    client.force_login(member)
    home = client.get(reverse("circles:org_home", args=["willow"])).content.decode()
    count_url = reverse("decisions:needs_me_count", args=["willow"])
    # the navigation asks for its count once the page is there
    assert f'hx-get="{count_url}"' in home and 'data-needs-count="1"' in home
    badge = client.get(count_url).content.decode()
    assert ">1<" in badge and "thing needs you" in badge
    # and once she has nothing to do, it is empty
    services.respond(round_=services_round(kitchen), user=member, answer="consent")
    assert client.get(count_url).content.decode().strip() == ""


def services_round(kitchen):
    from circlewise.decisions.models import ConsentRound

    return ConsentRound.objects.filter(proposal__circle=kitchen.circle, outcome="open").get()
