"""A broken double link looks broken everywhere, by one rule, and a removal says what it breaks.

The chart (drawn and in each circle's accessible name), the circle list and the circle page all
read circles.selectors.links_of; the removal pages and the API's answers read
circles.selectors.links_broken_by. Circles a reader may not see are never named.
"""

from __future__ import annotations

import re

from django.urls import reverse

from circlewise.circles import selectors, services
from circlewise.circles.models import Circle, CircleMembership, RoleAssignment

from .. import factories as f
from ..api.conftest import ApiClient

FSI, PDI = "\u2068", "\u2069"


def iso(name: str) -> str:
    return f"{FSI}{name}{PDI}"


def org_url(world, name: str) -> str:
    return reverse(f"circles:{name}", args=[world.org.slug])


def circle_url(circle: Circle) -> str:
    return reverse("circles:circle_detail", args=[circle.organisation.slug, circle.slug])


def linked_garden(world) -> tuple[RoleAssignment, RoleAssignment]:
    """Garden double-linked to General: Fay its leader, Cy its delegate, both in General."""
    f.add(world.general, world.facilitator, world.circle_member)
    leader = f.give_role(world.garden, "leader", world.facilitator)
    delegate = f.give_role(world.garden, "delegate", world.circle_member)
    return leader, delegate


def chart_link(html: str, circle: Circle) -> str:
    """The chart's link for one circle: from its <a> to the matching </a>."""
    found = re.search(rf'<a href="{re.escape(circle_url(circle))}"[^>]*>.*?</a>', html)
    assert found, f"{circle.name} is not in the chart"
    return found.group(0)


def list_row(html: str, circle: Circle) -> str:
    """The list's entry for one circle: its tree-item block."""
    found = re.search(
        rf'<div class="tree-item"><a href="{re.escape(circle_url(circle))}">.*?</div>', html
    )
    assert found, f"{circle.name} is not in the list"
    return found.group(0)


# One rule, three views ----------------------------------------------------------------------


def test_a_broken_link_is_shown_alike_on_the_chart_the_list_and_the_circle_page(client, world):
    # given Garden, double-linked to General, seen by Mo with every page already cached
    linked_garden(world)
    client.force_login(world.member)
    chart = client.get(org_url(world, "org_chart")).content.decode()
    tree = client.get(org_url(world, "circle_list")).content.decode()
    page = client.get(circle_url(world.garden)).content.decode()
    assert "c-break" not in chart_link(chart, world.garden)
    assert "c-broken" not in chart_link(chart, world.garden)
    assert "link broken" not in list_row(tree, world.garden)
    assert "The double link needs attention" not in page

    # when its delegate Cy leaves General
    services.end_membership(circle=world.general, user=world.circle_member, actor=world.admin)

    # then the chart draws the break (a dashed red line, a "!" mark) and says it in the link's
    # accessible name
    sentence = (
        f"The link to {iso('General')} is broken: the delegate, {iso('Cy Circle')}, is not a "
        f"member of {iso('General')}."
    )
    chart = client.get(org_url(world, "org_chart")).content.decode()
    link = chart_link(chart, world.garden)
    assert f'aria-label="{iso("Garden")}.' in link
    assert sentence in re.search(r'aria-label="([^"]*)"', link).group(1)  # type: ignore[union-attr]
    assert '<line class="c-link c-broken"' in link
    assert 'class="c-break"' in link
    # the leader's side still holds
    assert '<circle class="c-leader"' in link
    assert '<circle class="c-missing"' in link
    # and the list says the same, with a badge
    row = list_row(client.get(org_url(world, "circle_list")).content.decode(), world.garden)
    assert "link broken" in row
    assert sentence in row
    # and the circle page warns about the same problem, in its longer words
    page = client.get(circle_url(world.garden)).content.decode()
    assert "The double link needs attention" in page
    assert (
        f"{iso('Cy Circle')} links this circle to {iso('General')} but is not a member of "
        f"{iso('General')}." in page
    )


def test_a_vacant_role_and_one_person_on_both_sides_are_breaks_too(client, world):
    # given Garden with Cy as its leader and as its delegate (not possible through the service,
    # but a database may hold it from before the rule), and Care with nobody linking it
    f.add(world.general, world.circle_member)
    leader = f.give_role(world.garden, "leader", world.circle_member)
    RoleAssignment.objects.create(
        role=world.garden.roles.get(kind="delegate"),
        holder=world.circle_member,
        term_start=leader.term_start,
        term_end=leader.term_end,
    )
    world.org.ledger_sequence += 1  # the pages' cache moves on with the ledger
    world.org.save(update_fields=["ledger_sequence"])
    # when Cy (in both circles) reads the chart and the list
    client.force_login(world.circle_member)
    chart = client.get(org_url(world, "org_chart")).content.decode()
    tree = client.get(org_url(world, "circle_list")).content.decode()
    page = client.get(circle_url(world.garden)).content.decode()
    # then each says the same thing about each circle
    both = (
        f"The link to {iso('General')} is broken: {iso('Cy Circle')} is both leader and delegate."
    )
    assert both in chart_link(chart, world.garden)
    assert both in list_row(tree, world.garden)
    assert f"{iso('Cy Circle')} is both leader and delegate; they must be" in page
    vacant = f"The link to {iso('General')} is broken: no leader; no delegate."
    assert vacant in chart_link(chart, world.care)
    assert vacant in list_row(tree, world.care)
    # a circle at the top links to nobody, so nothing is broken there
    assert "is broken" not in chart_link(chart, world.general)
    assert "link broken" not in list_row(tree, world.general)


def test_the_problems_of_a_whole_organisation_take_one_query(world, django_assert_num_queries):
    # given 30 more circles, each with a leader who is not in its parent
    parent = world.garden
    for n in range(30):
        child = f.make_circle(world.org, f"Patch {n}", parent=parent)
        person = f.join(world.org, name=f"Lee {n}")
        f.add(parent, person)
        f.give_role(child, "leader", person)
        services.end_membership(circle=parent, user=person, actor=world.admin)
        parent = child
    circles = list(Circle.objects.filter(organisation=world.org))
    # when every circle's link is read
    with django_assert_num_queries(1):
        links = selectors.links_of(world.org, circles)
    # then each child circle has its problems, in one query
    patch = next(c for c in circles if c.name == "Patch 29")
    kinds = [p.kind for p in links.problems[patch.pk]]
    assert kinds == ["no_delegate", "not_in_parent"]
    assert links.holders[patch.pk]["leader"] == "Lee 29"


def test_a_private_parent_is_not_named_in_the_chart_or_the_list(client, world):
    # given Nook, open, inside the private Care; its leader Mo has since left Care
    nook = f.make_circle(world.org, "Nook", parent=world.care)
    f.add(world.care, world.member)
    f.give_role(nook, "leader", world.member)
    services.end_membership(circle=world.care, user=world.member, actor=world.admin)
    # when Fay (outside Care) reads the chart and the list
    client.force_login(world.facilitator)
    chart = client.get(org_url(world, "org_chart")).content.decode()
    tree = client.get(org_url(world, "circle_list")).content.decode()
    # then Nook's link is broken, said without naming Care nor who is in it
    said = "The link to its parent circle is broken: no delegate."
    assert said in chart_link(chart, nook)
    assert said in list_row(tree, nook)
    assert "Care" not in chart and "Care" not in tree
    # and Cy, in Care, is told which parent and who is missing from it
    client.force_login(world.circle_member)
    tree = client.get(org_url(world, "circle_list")).content.decode()
    assert (
        f"The link to {iso('Care')} is broken: no delegate; the leader, {iso('Mo Member')}, is "
        f"not a member of {iso('Care')}." in list_row(tree, nook)
    )


# Removals say what they break ---------------------------------------------------------------


def member_end_url(circle: Circle, user) -> str:
    return reverse("circles:member_end", args=[circle.organisation.slug, circle.slug, user.pk])


def test_taking_a_delegate_out_of_the_parent_circle_says_what_it_breaks(client, world):
    # given Garden double-linked to General, Cy its delegate
    linked_garden(world)
    client.force_login(world.admin)
    # when the admin asks to take Cy out of General
    html = client.get(member_end_url(world.general, world.circle_member)).content.decode()
    # then the confirmation says which link that breaks and who must act
    assert "This breaks a double link" in html
    assert (
        f"{iso('Cy Circle')} is the delegate of {iso('Garden')}: removing them from "
        f"{iso('General')} breaks the double link between {iso('Garden')} and {iso('General')}; "
        f"{iso('Garden')} will need to choose a new delegate." in html
    )
    # and the removal is not refused for it: confirming does it
    response = client.post(member_end_url(world.general, world.circle_member))
    assert response.status_code == 302
    assert not CircleMembership.objects.current().filter(
        circle=world.general, user=world.circle_member
    )


def test_taking_a_leader_out_of_the_parent_circle_names_the_parent_to_choose_again(client, world):
    linked_garden(world)
    client.force_login(world.admin)
    html = client.get(member_end_url(world.general, world.facilitator)).content.decode()
    assert (
        f"{iso('Fay Facilitator')} is the leader of {iso('Garden')}: removing them from "
        f"{iso('General')} breaks the double link between {iso('Garden')} and {iso('General')}; "
        f"{iso('General')} will need to choose a new leader." in html
    )


def test_taking_a_delegate_out_of_their_own_circle_ends_the_term_and_says_so(client, world):
    linked_garden(world)
    client.force_login(world.admin)
    html = client.get(member_end_url(world.garden, world.circle_member)).content.decode()
    assert (
        f"{iso('Cy Circle')} is the delegate of {iso('Garden')}: taking them out of "
        f"{iso('Garden')} ends that term and breaks the double link" in html
    )


def test_a_removal_that_breaks_no_link_says_nothing_about_links(client, world):
    # given Garden linked; Mo, in General, links nothing
    linked_garden(world)
    f.add(world.general, world.member)
    client.force_login(world.admin)
    html = client.get(member_end_url(world.general, world.member)).content.decode()
    assert "double link" not in html


def test_ending_a_delegate_term_says_what_it_breaks(client, world):
    _leader, delegate = linked_garden(world)
    client.force_login(world.admin)
    url = reverse("circles:assignment_end", args=[world.org.slug, world.garden.slug, delegate.pk])
    html = client.get(url).content.decode()
    assert (
        f"{iso('Cy Circle')} is the delegate of {iso('Garden')}: ending that term breaks the "
        f"double link between {iso('Garden')} and {iso('General')}; {iso('Garden')} will need to "
        f"choose a new delegate." in html
    )
    # a facilitator's term links nothing
    facilitator = RoleAssignment.objects.current().get(
        role__circle=world.garden, role__kind="facilitator"
    )
    url = reverse(
        "circles:assignment_end", args=[world.org.slug, world.garden.slug, facilitator.pk]
    )
    assert "double link" not in client.get(url).content.decode()


def test_removing_someone_from_the_organisation_lists_every_link_it_breaks(client, world):
    linked_garden(world)
    client.force_login(world.admin)
    url = reverse("circles:remove_member", args=[world.org.slug, world.circle_member.pk])
    html = client.get(url).content.decode()
    assert (
        f"{iso('Cy Circle')} is the delegate of {iso('Garden')}: removing them from the "
        f"organisation ends that term and breaks the double link between {iso('Garden')} and "
        f"{iso('General')}" in html
    )


def test_a_private_child_circle_is_not_named_to_someone_outside_it(client, world):
    # given Hush, private, inside Garden; Fay is its delegate (in Garden and in Hush); the admin
    # who formed it has left it
    hush = f.make_circle(world.org, "Hush", parent=world.garden, visibility="private")
    f.add(hush, world.facilitator)
    f.give_role(hush, "delegate", world.facilitator)
    services.end_membership(circle=hush, user=world.admin, actor=world.admin)
    # when the admin (outside Hush) asks to take Fay out of Garden
    client.force_login(world.admin)
    html = client.get(member_end_url(world.garden, world.facilitator)).content.decode()
    # then they are told a link breaks, but not which circle it is
    assert (
        f"{iso('Fay Facilitator')} is the delegate of a circle you cannot see: removing them "
        f"from {iso('Garden')} breaks the double link between that circle and {iso('Garden')}; "
        f"that circle will need to choose a new delegate." in html
    )
    assert "Hush" not in html
    # and the same through the API's answer once it is done
    answer = ApiClient(client).delete(
        f"/circles/{world.garden.pk}/members/{world.facilitator.pk}", as_=world.admin
    )
    assert answer.status == 200
    assert answer.body["breaks_links"] == [
        f"{iso('Fay Facilitator')} is the delegate of a circle you cannot see: removing them "
        f"from {iso('Garden')} breaks the double link between that circle and {iso('Garden')}; "
        f"that circle will need to choose a new delegate."
    ]
    assert "Hush" not in str(answer.body)


def test_the_api_says_what_an_ended_membership_or_term_broke(client, world):
    leader, delegate = linked_garden(world)
    api = ApiClient(client)
    # when the admin ends Cy's delegate term through the API
    answer = api.post(f"/assignments/{delegate.pk}/end", as_=world.admin)
    # then it is done, and the answer says what it broke
    assert answer.status == 200
    assert answer.body["ended_on"] is not None
    assert answer.body["breaks_links"] == [
        f"{iso('Cy Circle')} is the delegate of {iso('Garden')}: ending that term breaks the "
        f"double link between {iso('Garden')} and {iso('General')}; {iso('Garden')} will need to "
        f"choose a new delegate."
    ]
    # and taking someone out who links nothing breaks nothing
    f.add(world.general, world.member)
    answer = api.delete(f"/circles/{world.general.pk}/members/{world.member.pk}", as_=world.admin)
    assert answer.status == 200
    assert answer.body["breaks_links"] == []
    # and taking the leader out of General says so
    answer = api.delete(
        f"/circles/{world.general.pk}/members/{world.facilitator.pk}", as_=world.admin
    )
    assert answer.status == 200
    assert len(answer.body["breaks_links"]) == 1
    assert f"{iso('General')} will need to choose a new leader." in answer.body["breaks_links"][0]
    assert leader.pk
