"""Who reads and writes which discussion, by persona: a topic's thread is for whoever sees the
topic; a draft's for its author, and for its circle's members once shared; a private circle's
threads are missing (404) for everyone outside it, in lists too."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from circlewise.discussions import permissions, selectors, services


def test_an_open_circles_topic_is_discussed_by_whoever_sees_it(world, topic):
    thread = permissions.get_item_thread_for(world.member, topic.pk, need="comment")
    assert thread.item == topic
    with pytest.raises(Http404):
        permissions.get_item_thread_for(world.outsider, topic.pk)


@pytest.mark.parametrize("persona", ["member", "facilitator", "outsider", "admin"])
def test_a_private_circles_thread_is_missing_for_everyone_outside_it(world, secret, persona):
    comment = services.post_comment(actor=world.circle_member, item=secret, text="Between us")
    outsider = getattr(world, persona)
    if persona == "admin" and world.care.memberships.current().filter(user=outsider).exists():
        pytest.skip("the admin is in Care in this world")
    with pytest.raises(Http404):
        permissions.get_item_thread_for(outsider, secret.pk)
    with pytest.raises(Http404):
        permissions.get_thread_for(outsider, comment.thread_id)
    with pytest.raises(Http404):
        permissions.get_comment_for(outsider, comment.pk)
    assert selectors.threads_of(outsider, world.care) == []


def test_a_private_circles_member_reads_and_writes_its_threads(world, secret):
    services.post_comment(actor=world.circle_member, item=secret, text="Between us")
    assert permissions.get_item_thread_for(world.circle_member, secret.pk, need="comment")
    assert [t.item_id for t in selectors.threads_of(world.circle_member, world.care)] == [secret.pk]


def test_a_draft_is_its_authors_until_shared_then_its_circles(world, draft):
    # given Cy's draft: Fay (in Garden) and Mo (not) do not see it
    for person in (world.facilitator, world.member):
        with pytest.raises(Http404):
            permissions.get_proposal_thread_for(person, draft.pk)
    assert permissions.get_proposal_thread_for(world.circle_member, draft.pk)
    # when Cy shares it
    services.share_draft(proposal=draft, actor=world.circle_member)
    # then Fay reads and may comment, Mo still does not see it, the outsider neither
    assert permissions.get_proposal_thread_for(world.facilitator, draft.pk, need="comment")
    for person in (world.member, world.outsider):
        with pytest.raises(Http404):
            permissions.get_proposal_thread_for(person, draft.pk)
    assert [t.proposal_id for t in selectors.threads_of(world.facilitator, world.garden)] == [
        draft.pk
    ]
    assert selectors.threads_of(world.member, world.garden) == []
    # and once Cy stops sharing, it is hidden from Fay again
    services.stop_sharing(proposal=draft, actor=world.circle_member)
    with pytest.raises(Http404):
        permissions.get_proposal_thread_for(world.facilitator, draft.pk)


def test_only_a_comments_author_may_edit_or_withdraw_it(world, topic):
    comment = services.post_comment(actor=world.circle_member, item=topic, text="Mine")
    assert permissions.get_comment_for(world.circle_member, comment.pk, need="edit")
    assert permissions.get_comment_for(world.circle_member, comment.pk, need="withdraw")
    for need in ("edit", "withdraw"):
        with pytest.raises(PermissionDenied):
            permissions.get_comment_for(world.facilitator, comment.pk, need=need)
        with pytest.raises(Http404):
            permissions.get_comment_for(world.outsider, comment.pk, need=need)


def test_starting_a_proposal_is_for_the_circles_members(world, topic):
    thread = permissions.get_item_thread_for(world.member, topic.pk)
    assert not permissions.can_start_proposal(world.member, thread)
    assert permissions.can_start_proposal(world.circle_member, thread)
