"""Circles and their members through the API."""

from __future__ import annotations

from circlewise.circles import services
from circlewise.circles.models import Circle, CircleMembership

from .. import factories as f
from .conftest import event_count, last_event


def test_circle_list_shows_open_circles_and_my_private_ones(world, api):
    # given Mo, in no circle, and Cy, a member of the private Care circle
    # when each lists Willow's circles
    mo = api.get("/organisations/willow/circles", as_=world.member, scope="read").body
    cy = api.get("/organisations/willow/circles", as_=world.circle_member, scope="read").body
    # then Care is listed only for Cy
    assert [c["name"] for c in mo["items"]] == ["Garden", "General"]
    assert [c["name"] for c in cy["items"]] == ["Care", "Garden", "General"]


def test_circle_list_filters_by_parent_kind_and_archived(world, api):
    # given an archived helping circle inside General
    helper = f.make_circle(world.org, "Fence", parent=world.general, kind="helping")
    api.post(f"/circles/{helper.pk}/archive", as_=world.admin)
    # when the list is filtered
    cy = world.circle_member
    inside = api.get("/organisations/willow/circles", as_=cy, parent=world.general.pk).body
    general = api.get("/organisations/willow/circles", as_=cy, kind="general").body
    everything = api.get("/organisations/willow/circles", as_=cy, include_archived="true").body
    # then each filter holds
    assert [c["name"] for c in inside["items"]] == ["Care", "Garden"]
    assert [c["name"] for c in general["items"]] == ["General"]
    assert "Fence" in [c["name"] for c in everything["items"]]


def test_unknown_kind_filter_is_a_clear_422(world, api):
    # given a member
    # when they filter by a kind that does not exist
    answer = api.get("/organisations/willow/circles", as_=world.member, kind="club")
    # then the answer names the parameter
    assert answer.status == 422
    assert answer.body["errors"][0]["field"] == "kind"
    assert "kind" in answer.detail


def test_circle_list_is_paginated(world, api, settings):
    # given a page size of two, and Cy, who sees three circles
    settings.API_PAGE_SIZE = 2
    # when the first and second pages are read
    first = api.get("/organisations/willow/circles", as_=world.circle_member).body
    second = api.get("/organisations/willow/circles", as_=world.circle_member, page=2).body
    # then they split the list
    assert first["count"] == 3
    assert first["page_size"] == 2
    assert len(first["items"]) == 2
    assert len(second["items"]) == 1
    assert {c["id"] for c in first["items"]}.isdisjoint({c["id"] for c in second["items"]})


def test_page_size_can_be_asked_for(world, api):
    # given Cy, who sees three circles
    # when one is asked for per page
    answer = api.get("/organisations/willow/circles", as_=world.circle_member, page_size=1, page=3)
    # then the third page holds the third
    assert answer.body["page"] == 3
    assert [c["name"] for c in answer.body["items"]] == ["General"]


def test_admin_creates_a_circle(world, api):
    # given an admin and the ledger's length
    before = event_count(world.org.pk)
    # when she forms a circle inside General
    answer = api.post(
        "/organisations/willow/circles",
        {"name": "Kitchen", "aim": "Feeds everyone.", "parent_id": world.general.pk},
        as_=world.admin,
    )
    # then it exists with its four circle roles and her as its first member, and the ledger
    # records both
    assert answer.status == 201
    assert answer.body["parent_id"] == world.general.pk
    assert answer.body["slug"] == "kitchen"
    assert [r["kind"] for r in answer.body["roles"]] == [
        "leader",
        "delegate",
        "facilitator",
        "secretary",
    ]
    assert event_count(world.org.pk) == before + 2
    assert last_event(world.org.pk).verb == "circle.member_added"


def test_steward_of_the_parent_creates_a_sub_circle(world, api):
    # given Fay, Garden's facilitator
    # when she forms a circle inside Garden
    answer = api.post(
        "/organisations/willow/circles",
        {"name": "Seeds", "aim": "Saves seeds.", "parent_id": world.garden.pk},
        as_=world.facilitator,
    )
    # then she may
    assert answer.status == 201
    assert Circle.objects.filter(name="Seeds", parent=world.garden).exists()


def test_parent_that_cannot_be_seen_is_a_bad_input(world, api):
    # given Mo, who cannot see the private Care circle
    # when he names it as a parent
    answer = api.post(
        "/organisations/willow/circles",
        {"name": "Seeds", "aim": "Saves seeds.", "parent_id": world.care.pk},
        as_=world.member,
    )
    # then the field is named, and Care's existence is not confirmed
    assert answer.status == 400
    assert answer.body["field"] == "parent_id"
    assert "Care" not in answer.detail


def test_circle_service_errors_come_back_as_sentences(world, api):
    # given an admin
    # when she gives a department circle an end date
    answer = api.post(
        "/organisations/willow/circles",
        {"name": "Seeds", "aim": "Saves seeds.", "ends_on": "2030-01-01"},
        as_=world.admin,
    )
    # then the service's sentence is the answer, and nothing was made
    assert answer.status == 400
    assert answer.body == {"detail": "Only a helping circle has an end date.", "field": "ends_on"}
    assert not Circle.objects.filter(name="Seeds").exists()


def test_circle_detail_has_roles_holders_and_warnings(world, api):
    # given Garden, whose leader has since left the parent circle General
    f.add(world.general, world.circle_member)
    f.give_role(world.garden, "leader", world.circle_member)
    services.end_membership(circle=world.general, user=world.circle_member, actor=world.admin)
    # when a member reads Garden
    answer = api.get(f"/circles/{world.garden.pk}", as_=world.member, scope="read")
    # then roles come with their holders, and the double-link problem is named
    assert answer.status == 200
    roles = {r["kind"]: r for r in answer.body["roles"]}
    assert roles["facilitator"]["holders"][0]["holder"]["name"] == "Fay Facilitator"
    assert roles["facilitator"]["holders"][0]["status"] == "current"
    assert roles["leader"]["holders"][0]["holder"]["name"] == "Cy Circle"
    assert len(answer.body["link_warnings"]) == 1
    assert "General" in answer.body["link_warnings"][0]
    assert answer.body["can_edit"] is False


def test_circle_detail_has_no_warnings_when_links_hold(world, api):
    # given Garden's leader, a member of General too
    f.add(world.general, world.circle_member)
    f.give_role(world.garden, "leader", world.circle_member)
    # when an admin reads Garden
    answer = api.get(f"/circles/{world.garden.pk}", as_=world.admin)
    # then there is nothing to warn about
    assert answer.body["link_warnings"] == []
    assert answer.body["can_edit"] is True


def test_steward_updates_a_circle(world, api):
    # given Fay, Garden's facilitator
    before = event_count(world.org.pk)
    # when she changes its aim and domain
    answer = api.patch(
        f"/circles/{world.garden.pk}",
        {"aim": "Grows food for all.", "domain": "Beds and tools."},
        as_=world.facilitator,
    )
    # then they change, and the ledger records one update
    assert answer.status == 200
    assert answer.body["aim"] == "Grows food for all."
    assert answer.body["domain"] == "Beds and tools."
    assert event_count(world.org.pk) == before + 1
    assert last_event(world.org.pk).verb == "circle.updated"


def test_circle_moves_to_the_top_with_a_null_parent(world, api):
    # given Garden inside General
    # when an admin sends parent_id null
    answer = api.patch(f"/circles/{world.garden.pk}", {"parent_id": None}, as_=world.admin)
    # then Garden has no parent
    assert answer.status == 200
    assert answer.body["parent_id"] is None
    world.garden.refresh_from_db()
    assert world.garden.parent_id is None


def test_circle_cannot_move_inside_itself(world, api):
    # given General, Garden's parent
    # when General is moved inside Garden
    answer = api.patch(
        f"/circles/{world.general.pk}", {"parent_id": world.garden.pk}, as_=world.admin
    )
    # then the service explains why not
    assert answer.status == 400
    assert "cannot also be its parent" in answer.detail
    world.general.refresh_from_db()
    assert world.general.parent_id is None


def test_null_for_a_required_field_is_a_422(world, api):
    # given a steward
    # when they send a null aim
    answer = api.patch(f"/circles/{world.garden.pk}", {"aim": None}, as_=world.facilitator)
    # then it is refused before anything changes
    assert answer.status == 422
    assert answer.body["errors"][0]["field"] == "aim"


def test_admin_archives_a_circle(world, api):
    # given an admin
    before = event_count(world.org.pk)
    # when she archives Garden
    answer = api.post(f"/circles/{world.garden.pk}/archive", as_=world.admin)
    # then it is archived, its terms ended, and the ledger records it
    assert answer.status == 200
    assert answer.body["is_archived"] is True
    assert last_event(world.org.pk).verb == "circle.archived"
    assert event_count(world.org.pk) == before + 1


def test_facilitator_may_not_archive_their_own_circle(world, api):
    # given Fay, Garden's facilitator (archiving is for the parent's stewards)
    # when she archives Garden
    answer = api.post(f"/circles/{world.garden.pk}/archive", as_=world.facilitator)
    # then she is refused
    assert answer.status == 403


def test_archiving_twice_is_a_conflict(world, api):
    # given an archived circle
    api.post(f"/circles/{world.garden.pk}/archive", as_=world.admin)
    # when it is archived again
    answer = api.post(f"/circles/{world.garden.pk}/archive", as_=world.admin)
    # then nobody may (archived circles are read-only)
    assert answer.status == 403


def test_circle_members_are_listed(world, api):
    # given Garden's members
    # when a member of Willow lists them, with and without past members
    now = api.get(f"/circles/{world.garden.pk}/members", as_=world.member).body
    ever = api.get(
        f"/circles/{world.garden.pk}/members", as_=world.member, include_past="true"
    ).body
    # then the removed member appears only in the history
    names = [m["user"]["name"] for m in now["items"]]
    assert "Fay Facilitator" in names
    assert "Rem Removed" not in names
    assert "Rem Removed" in [m["user"]["name"] for m in ever["items"]]


def test_steward_adds_a_member(world, api):
    # given Fay, Garden's facilitator
    before = event_count(world.org.pk)
    # when she adds Mo to Garden
    answer = api.post(
        f"/circles/{world.garden.pk}/members", {"user_id": world.member.pk}, as_=world.facilitator
    )
    # then Mo is a member, and the ledger records it
    assert answer.status == 201
    assert answer.body["user"]["id"] == world.member.pk
    assert (
        CircleMembership.objects.current().filter(circle=world.garden, user=world.member).exists()
    )
    assert event_count(world.org.pk) == before + 1
    assert last_event(world.org.pk).verb == "circle.member_added"


def test_adding_someone_from_another_organisation_does_not_reveal_them(world, api):
    # given Olga, in Elsewhere only
    # when Garden's facilitator tries to add her
    answer = api.post(
        f"/circles/{world.garden.pk}/members", {"user_id": world.outsider.pk}, as_=world.facilitator
    )
    # then the answer does not name her
    assert answer.status == 400
    assert answer.body["field"] == "user_id"
    assert "Olga" not in answer.detail


def test_adding_a_member_twice_is_a_conflict(world, api):
    # given Cy, a member of Garden
    # when they are added again
    answer = api.post(
        f"/circles/{world.garden.pk}/members", {"user_id": world.circle_member.pk}, as_=world.admin
    )
    # then the service says so with 409
    assert answer.status == 409
    assert "already a member" in answer.detail


def test_steward_ends_a_membership_and_history_is_kept(world, api):
    # given Cy, a member of Garden
    before = event_count(world.org.pk)
    # when Fay ends Cy's membership
    answer = api.delete(
        f"/circles/{world.garden.pk}/members/{world.circle_member.pk}", as_=world.facilitator
    )
    # then it has an end date, the row is kept, and the ledger records it
    assert answer.status == 200
    assert answer.body["ended_on"] is not None
    assert CircleMembership.objects.filter(circle=world.garden, user=world.circle_member).exists()
    assert event_count(world.org.pk) == before + 1
    assert last_event(world.org.pk).verb == "circle.member_removed"


def test_ending_a_membership_that_does_not_exist_is_404(world, api):
    # given Mo, in no circle
    # when his Garden membership is ended
    answer = api.delete(f"/circles/{world.garden.pk}/members/{world.member.pk}", as_=world.admin)
    # then there is nothing to end
    assert answer.status == 404
    assert "not a member" in answer.detail


def test_null_message_says_how_to_keep_a_field(world, api):
    # given a steward
    # when they send a null name
    answer = api.patch(f"/circles/{world.garden.pk}", {"name": None}, as_=world.facilitator)
    # then the sentence says what to do instead
    assert answer.body["errors"] == [
        {"field": "name", "message": "This field cannot be null: leave it out to keep it as it is."}
    ]


def test_circle_detail_and_lists_do_not_grow_queries_with_roles(
    world, api, django_assert_max_num_queries
):
    # given Garden with many custom roles, each held
    for n in range(8):
        role = api.post(f"/circles/{world.garden.pk}/roles", {"name": f"Role {n}"}, as_=world.admin)
        api.post(
            f"/roles/{role.body['id']}/assignments",
            {"holder_id": world.circle_member.pk},
            as_=world.admin,
        )
    token = api.post("/tokens", {"name": "q", "scope": "read"}, as_=world.admin).body["token"]
    # when the circle and its roles are read
    # then the number of queries stays small and fixed
    with django_assert_max_num_queries(16):
        assert api.get(f"/circles/{world.garden.pk}", token=token).status == 200
    with django_assert_max_num_queries(12):
        assert api.get(f"/circles/{world.garden.pk}/roles", token=token).status == 200


def test_link_warnings_never_name_a_private_parent_to_those_outside_it(world, api):
    # given Quiet, an open circle inside the private Care, whose leader has since left Care
    quiet = f.make_circle(world.org, "Quiet", parent=world.care)
    f.add(world.care, world.facilitator)
    f.give_role(quiet, "leader", world.circle_member)
    services.end_membership(circle=world.care, user=world.circle_member, actor=world.admin)
    # when Mo (outside Care) and Fay (in Care) read Quiet
    mo = api.get(f"/circles/{quiet.pk}", as_=world.member, scope="read").body
    fay = api.get(f"/circles/{quiet.pk}", as_=world.facilitator, scope="read").body
    # then only Fay is told about the broken link, which names Care
    assert mo["link_warnings"] == []
    assert "Care" not in str(mo)
    assert len(fay["link_warnings"]) == 1
    assert "Care" in fay["link_warnings"][0]
