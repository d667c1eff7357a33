"""Organisations, their members and invitations through the API."""

from __future__ import annotations

from circlewise.circles.models import Invitation

from .conftest import event_count, last_event


def test_list_organisations_shows_only_mine(world, api):
    # given Ada, an admin of Willow only
    # when she lists her organisations
    answer = api.get("/organisations", as_=world.admin, scope="read")
    # then she sees Willow, marked as one she administers, and not Elsewhere
    assert answer.status == 200
    assert [o["slug"] for o in answer.body["items"]] == ["willow"]
    assert answer.body["items"][0]["is_admin"] is True
    assert answer.body["count"] == 1


def test_get_organisation_as_a_member(world, api):
    # given Mo, a member who is no admin
    # when he reads Willow
    answer = api.get("/organisations/willow", as_=world.member, scope="read")
    # then he sees it, and that he is not its admin
    assert answer.status == 200
    assert answer.body["name"] == "Willow Ecovillage"
    assert answer.body["is_admin"] is False


def test_removed_member_no_longer_sees_the_organisation(world, api):
    # given Rem, who was removed from Willow
    # when he reads it
    answer = api.get("/organisations/willow", as_=world.removed, scope="read")
    # then it does not exist for him
    assert answer.status == 404


def test_admin_updates_the_organisation_and_the_ledger_records_it(world, api):
    # given Ada, an admin, and the ledger's length
    before = event_count(world.org.pk)
    # when she changes the vision with a write token
    answer = api.patch("/organisations/willow", {"vision": "Live lightly."}, as_=world.admin)
    # then it is changed, and one event says so
    assert answer.status == 200
    assert answer.body["vision"] == "Live lightly."
    world.org.refresh_from_db()
    assert world.org.vision == "Live lightly."
    assert event_count(world.org.pk) == before + 1
    assert last_event(world.org.pk).verb == "organisation.updated"


def test_patch_leaves_fields_that_were_not_sent(world, api):
    # given a mission
    api.patch("/organisations/willow", {"mission": "Feed the valley."}, as_=world.admin)
    # when only the vision is sent
    answer = api.patch("/organisations/willow", {"vision": "Live lightly."}, as_=world.admin)
    # then the mission stays
    assert answer.body["mission"] == "Feed the valley."


def test_organisation_name_cannot_be_emptied(world, api):
    # given an admin
    # when she sends an empty name
    answer = api.patch("/organisations/willow", {"name": ""}, as_=world.admin)
    # then the request is refused field by field and nothing changes
    assert answer.status == 422
    assert answer.body["errors"][0]["field"] == "name"
    world.org.refresh_from_db()
    assert world.org.name == "Willow Ecovillage"


def test_members_are_listed_without_those_who_left(world, api):
    # given Willow's members, one of them removed
    # when a member lists them
    answer = api.get("/organisations/willow/members", as_=world.member, scope="read")
    # then current members are listed with admin flags, the removed one is not
    assert answer.status == 200
    names = [m["user"]["name"] for m in answer.body["items"]]
    assert "Mo Member" in names
    assert "Rem Removed" not in names
    assert {m["user"]["name"]: m["is_admin"] for m in answer.body["items"]}["Ada Admin"] is True


def test_admin_invites_and_gets_the_link_once(world, api):
    # given an admin
    before = event_count(world.org.pk)
    # when she invites someone
    answer = api.post(
        "/organisations/willow/invitations",
        {"email": "Newcomer@Example.org", "make_admin": False},
        as_=world.admin,
    )
    # then the answer holds the invitation and its link, whose token is stored only hashed
    assert answer.status == 201
    assert answer.body["email"] == "newcomer@example.org"
    assert "/invitations/" in answer.body["accept_url"]
    raw = answer.body["accept_url"].rstrip("/").rsplit("/", 1)[-1]
    invitation = Invitation.objects.get(pk=answer.body["id"])
    assert raw not in invitation.token_hash
    assert event_count(world.org.pk) == before + 1
    assert last_event(world.org.pk).verb == "invitation.sent"
    # and the link is not shown again anywhere
    assert (
        "accept_url"
        not in api.delete(
            f"/organisations/willow/invitations/{invitation.pk}", as_=world.admin
        ).body
    )


def test_invitation_to_a_bad_address_is_refused(world, api):
    # given an admin
    # when she invites an address without an @
    answer = api.post("/organisations/willow/invitations", {"email": "nobody"}, as_=world.admin)
    # then the service's sentence comes back, with the field
    assert answer.status == 400
    assert answer.body == {"detail": "Enter a valid email address.", "field": "email"}


def test_admin_revokes_an_invitation(world, api):
    # given an invitation
    created = api.post(
        "/organisations/willow/invitations", {"email": "n@example.org"}, as_=world.admin
    ).body
    before = event_count(world.org.pk)
    # when it is withdrawn
    answer = api.delete(f"/organisations/willow/invitations/{created['id']}", as_=world.admin)
    # then it is revoked and the ledger says so
    assert answer.status == 200
    assert answer.body["revoked_at"] is not None
    assert event_count(world.org.pk) == before + 1
    assert last_event(world.org.pk).verb == "invitation.revoked"


def test_invitation_of_another_organisation_is_not_found(world, api):
    # given an invitation to Elsewhere
    created = api.post(
        "/organisations/elsewhere/invitations", {"email": "n@example.org"}, as_=world.outsider
    ).body
    # when Willow's admin tries to revoke it through Willow
    answer = api.delete(f"/organisations/willow/invitations/{created['id']}", as_=world.admin)
    # then it does not exist there
    assert answer.status == 404
