"""Commenting, replying, mentioning, editing and withdrawing, sharing a draft, and turning a
discussion into a proposal: each a service that appends to the ledger in its transaction and
tells those concerned after commit, and refuses bad input changing nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services as decisions
from circlewise.discussions import services
from circlewise.discussions.models import Comment, CommentEdit, Thread, handle_of
from circlewise.notifications.models import Notification


def count(org):
    return LedgerEvent.objects.filter(organisation=org).count()


def last(org):
    return LedgerEvent.objects.filter(organisation=org).order_by("-sequence").first()


def told(user):
    return set(Notification.objects.filter(recipient=user).values_list("event__verb", flat=True))


def test_a_first_comment_starts_the_thread_and_is_in_the_ledger(world, topic):
    # given a topic nobody has discussed
    before = count(world.org)
    # when Mo, who is in no circle but sees Garden, comments
    comment = services.post_comment(actor=world.member, item=topic, text="What for?")
    # then the thread exists, the comment is in it, and one event says so without its words
    assert Thread.objects.get(item=topic).comments.get() == comment
    event = last(world.org)
    assert count(world.org) == before + 1
    assert event.verb == "discussion.commented" and event.circle_id == world.garden.pk
    assert event.payload["topic"] == "Teen room" and event.payload["comment"] == comment.pk
    assert "What for?" not in str(event.payload)


@pytest.mark.parametrize("text", ["", "   \n ", "x" * 10_001])
def test_an_empty_or_too_long_comment_is_refused_and_changes_nothing(world, topic, text):
    before = count(world.org)
    with pytest.raises(ServiceError) as refused:
        services.post_comment(actor=world.circle_member, item=topic, text=text)
    assert refused.value.field == "text" and refused.value.text
    assert count(world.org) == before and not Comment.objects.exists()


def test_a_comment_of_ten_thousand_characters_is_taken(world, topic):
    comment = services.post_comment(actor=world.circle_member, item=topic, text="y" * 10_000)
    assert len(comment.text) == 10_000


def test_a_reply_to_a_reply_answers_the_comment_at_the_top(world, topic):
    first = services.post_comment(actor=world.circle_member, item=topic, text="One")
    reply = services.post_comment(actor=world.facilitator, item=topic, text="Two", reply_to=first)
    again = services.post_comment(actor=world.member, item=topic, text="Three", reply_to=reply)
    assert reply.reply_to == first and again.reply_to == first


def test_a_reply_tells_the_person_it_answers(world, topic, django_capture_on_commit_callbacks):
    first = services.post_comment(actor=world.circle_member, item=topic, text="One")
    with django_capture_on_commit_callbacks(execute=True):
        services.post_comment(actor=world.facilitator, item=topic, text="Two", reply_to=first)
    assert "discussion.commented" in told(world.circle_member)


def test_a_reply_to_a_comment_of_another_thread_is_refused(world, topic, secret):
    elsewhere = services.post_comment(actor=world.circle_member, item=secret, text="Care only")
    with pytest.raises(ServiceError):
        services.post_comment(actor=world.circle_member, item=topic, text="Hi", reply_to=elsewhere)


def test_mentions_tell_the_circles_members_and_nobody_outside_it(
    world, topic, django_capture_on_commit_callbacks
):
    # given Fay in Garden, and Mo and Olga (another organisation) outside it
    fay, mo, olga = world.facilitator, world.member, world.outsider
    text = (
        f"@{handle_of(fay.name, fay.pk)} and @{handle_of(mo.name, mo.pk)} and "
        f"@{handle_of(olga.name, olga.pk)}, and mail ada@{handle_of(fay.name, fay.pk)}.org"
    )
    # when Cy mentions all three
    with django_capture_on_commit_callbacks(execute=True):
        services.post_comment(actor=world.circle_member, item=topic, text=text)
    # then only Fay is told, and the event names only her
    assert last(world.org).payload["mentioned"] == [fay.pk]
    assert "discussion.commented" in told(fay)
    assert not told(mo) and not told(olga)


def test_handles_are_the_name_as_a_slug(world):
    assert handle_of("Fay Facilitator", 3) == "fay-facilitator"
    assert handle_of("Zoë Ørsted", 4) == "zoë-ørsted"
    assert handle_of("!!!", 5) == "member-5"


def test_an_edit_keeps_the_earlier_text_and_tells_those_newly_mentioned(
    world, topic, django_capture_on_commit_callbacks
):
    comment = services.post_comment(actor=world.circle_member, item=topic, text="First")
    fay = world.facilitator
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_comment(
            comment=comment, actor=world.circle_member, text=f"Better, @{handle_of(fay.name, 0)}"
        )
    comment.refresh_from_db()
    assert comment.text.startswith("Better") and comment.edited_at is not None
    assert list(CommentEdit.objects.filter(comment=comment).values_list("text", flat=True)) == [
        "First"
    ]
    assert last(world.org).verb == "discussion.comment_edited"
    assert "discussion.comment_edited" in told(fay)


def test_only_the_author_edits_and_only_for_fifteen_minutes(world, topic):
    comment = services.post_comment(actor=world.circle_member, item=topic, text="First")
    with pytest.raises(ServiceError) as other:
        services.edit_comment(comment=comment, actor=world.facilitator, text="Mine now")
    assert other.value.status == 403
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=16)
    )
    before = count(world.org)
    with pytest.raises(ServiceError) as late:
        services.edit_comment(comment=comment, actor=world.circle_member, text="Too late")
    assert late.value.status == 409
    comment.refresh_from_db()
    assert comment.text == "First" and count(world.org) == before


def test_withdrawing_removes_the_words_and_keeps_the_fact(world, topic):
    comment = services.post_comment(actor=world.circle_member, item=topic, text="Oops")
    services.edit_comment(comment=comment, actor=world.circle_member, text="Oops again")
    services.withdraw_comment(comment=comment, actor=world.circle_member)
    comment.refresh_from_db()
    assert comment.is_withdrawn and comment.text == "" and comment.author == world.circle_member
    assert set(CommentEdit.objects.filter(comment=comment).values_list("text", flat=True)) == {""}
    assert last(world.org).verb == "discussion.comment_withdrawn"
    with pytest.raises(ServiceError):
        services.withdraw_comment(comment=comment, actor=world.circle_member)
    with pytest.raises(ServiceError):
        services.edit_comment(comment=comment, actor=world.circle_member, text="Back")


def test_someone_else_cannot_withdraw_a_comment(world, topic):
    comment = services.post_comment(actor=world.circle_member, item=topic, text="Mine")
    with pytest.raises(ServiceError) as refused:
        services.withdraw_comment(comment=comment, actor=world.facilitator)
    assert refused.value.status == 403
    comment.refresh_from_db()
    assert comment.text == "Mine"


def test_a_closed_topics_discussion_takes_no_comment(world, topic):
    decisions.close_backlog_item(item=topic, actor=world.circle_member)
    with pytest.raises(ServiceError) as refused:
        services.post_comment(actor=world.circle_member, item=topic, text="Late")
    assert refused.value.status == 409


def test_outsiders_of_a_private_circle_cannot_comment_on_its_topics(world, secret):
    for person in (world.member, world.facilitator, world.outsider):
        with pytest.raises(ServiceError) as refused:
            services.post_comment(actor=person, item=secret, text="Let me in")
        assert refused.value.status == 403
    assert not Comment.objects.exists()


def test_a_draft_takes_comments_only_once_shared_and_only_from_the_circles_members(
    world, draft, django_capture_on_commit_callbacks
):
    # given Cy's draft, not shared
    with pytest.raises(ServiceError) as unshared:
        services.post_comment(actor=world.circle_member, proposal=draft, text="Note")
    assert unshared.value.status == 409
    # when Cy shares it
    services.share_draft(proposal=draft, actor=world.circle_member)
    assert last(world.org).verb == "discussion.draft_shared"
    # then Fay (in Garden) comments, and Cy is told; Mo (not in Garden) may not
    with django_capture_on_commit_callbacks(execute=True):
        services.post_comment(actor=world.facilitator, proposal=draft, text="Ten is early.")
    assert "discussion.commented" in told(world.circle_member)
    with pytest.raises(ServiceError) as outside:
        services.post_comment(actor=world.member, proposal=draft, text="And me?")
    assert outside.value.status == 403


def test_only_the_author_shares_and_stops_sharing_and_comments_stay(world, draft):
    with pytest.raises(ServiceError):
        services.share_draft(proposal=draft, actor=world.facilitator)
    services.share_draft(proposal=draft, actor=world.circle_member)
    services.post_comment(actor=world.facilitator, proposal=draft, text="Kept")
    services.stop_sharing(proposal=draft, actor=world.circle_member)
    assert last(world.org).verb == "discussion.draft_unshared"
    thread = Thread.objects.get(proposal=draft)
    assert thread.shared_at is None and thread.comments.count() == 1
    with pytest.raises(ServiceError) as again:
        services.stop_sharing(proposal=draft, actor=world.circle_member)
    assert again.value.status == 409


def test_a_presented_proposals_draft_discussion_is_closed(world, draft):
    services.share_draft(proposal=draft, actor=world.circle_member)
    decisions.present(proposal=draft, actor=world.circle_member)
    with pytest.raises(ServiceError) as refused:
        services.post_comment(actor=world.facilitator, proposal=draft, text="Now?")
    assert refused.value.status == 409
    with pytest.raises(ServiceError):
        services.share_draft(proposal=draft, actor=world.circle_member)


def test_turning_a_discussion_into_a_proposal_carries_the_thread_along(world, topic):
    # given a discussion of the topic
    services.post_comment(actor=world.facilitator, item=topic, text="Let's do it")
    thread = Thread.objects.get(item=topic)
    driver = services.driver_from(thread, topic)
    assert "Garden: 1 comment by Fay Facilitator." in driver
    assert f"/o/willow/backlog/{topic.pk}/discussion/" in driver
    # when Cy starts a proposal from it
    proposal = services.start_proposal(
        item=topic, actor=world.circle_member, title="A teen room", driver=driver, text="The loft."
    )
    # then it is Cy's draft, linked to the thread, and the ledger says so
    assert proposal.is_draft and proposal.author == world.circle_member
    assert list(thread.led_to.all()) == [proposal]
    assert proposal.current_version.driver == driver
    event = last(world.org)
    assert event.verb == "discussion.proposal_started" and event.payload["started"] == proposal.pk


def test_only_members_of_the_circle_start_a_proposal_from_its_discussion(world, topic):
    with pytest.raises(ServiceError):
        services.start_proposal(item=topic, actor=world.member, title="Mine", driver="D", text="T")
    assert not Thread.objects.filter(item=topic, led_to__isnull=False).exists()


def test_a_deactivated_member_is_not_told(world, topic, django_capture_on_commit_callbacks):
    # given Dee, in Garden, whose account is deactivated
    name = world.deactivated.name
    with django_capture_on_commit_callbacks(execute=True):
        services.post_comment(
            actor=world.circle_member, item=topic, text=f"@{handle_of(name, 0)} there?"
        )
    assert not told(world.deactivated)
