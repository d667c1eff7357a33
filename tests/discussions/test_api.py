"""The discussions' API: a circle's threads, a thread with its comments, commenting and replying,
editing, withdrawing, sharing a draft; the same rules as the pages (404 outside, 403 for what one
sees but may not do, 409 for a closed thread, 400 for bad text)."""

from __future__ import annotations

from circlewise.discussions import services
from circlewise.discussions.models import Comment


def test_post_and_read_a_topics_thread(api, world, topic):
    posted = api.call(
        "POST", f"/backlog/{topic.pk}/thread/comments", {"text": "*Why*?"}, as_=world.member
    )
    assert posted.status == 201, posted.body
    assert posted.body["text"] == "*Why*?" and "<em>Why</em>" in posted.body["html"]
    reply = api.call(
        "POST", f"/backlog/{topic.pk}/thread/comments",
        {"text": "Because.", "reply_to_id": posted.body["id"]}, as_=world.circle_member,
    )  # fmt: skip
    assert reply.status == 201 and reply.body["reply_to_id"] == posted.body["id"]
    thread = api.call("GET", f"/backlog/{topic.pk}/thread", as_=world.facilitator)
    assert thread.status == 200
    assert thread.body["subject"] == "Teen room" and thread.body["comment_count"] == 2
    assert [c["text"] for c in thread.body["comments"]] == ["*Why*?", "Because."]
    listed = api.call("GET", f"/circles/{world.garden.pk}/threads", as_=world.member)
    assert [t["item_id"] for t in listed.body["items"]] == [topic.pk]


def test_a_thread_nobody_has_started_is_empty(api, world, topic):
    thread = api.call("GET", f"/backlog/{topic.pk}/thread", as_=world.member)
    assert thread.status == 200 and thread.body["id"] is None and thread.body["comments"] == []


def test_bad_text_is_refused_and_changes_nothing(api, world, topic):
    empty = api.call(
        "POST", f"/backlog/{topic.pk}/thread/comments", {"text": " "}, as_=world.member
    )
    long = api.call(
        "POST", f"/backlog/{topic.pk}/thread/comments", {"text": "x" * 10_001}, as_=world.member
    )
    missing = api.call("POST", f"/backlog/{topic.pk}/thread/comments", {}, as_=world.member)
    assert empty.status == 400 and "empty" in empty.detail
    assert long.status == 400 and "10,000" in long.detail
    assert missing.status == 422
    assert not Comment.objects.exists()


def test_a_private_circles_threads_are_missing_outside_it(api, world, secret):
    comment = services.post_comment(actor=world.circle_member, item=secret, text="Psst")
    for person in (world.member, world.outsider):
        assert api.call("GET", f"/backlog/{secret.pk}/thread", as_=person).status == 404
        assert (
            api.call("POST", f"/backlog/{secret.pk}/thread/comments", {"text": "Hi"}, as_=person)
        ).status == 404
        assert api.call("PATCH", f"/comments/{comment.pk}", {"text": "x"}, as_=person).status == 404
        assert api.call("GET", f"/circles/{world.care.pk}/threads", as_=person).status == 404
    assert Comment.objects.count() == 1


def test_edit_and_withdraw_are_the_authors(api, world, topic):
    comment = services.post_comment(actor=world.circle_member, item=topic, text="Frist")
    other = api.call("PATCH", f"/comments/{comment.pk}", {"text": "Ha"}, as_=world.facilitator)
    assert other.status == 403
    edited = api.call(
        "PATCH", f"/comments/{comment.pk}", {"text": "First"}, as_=world.circle_member
    )
    assert edited.status == 200 and edited.body["text"] == "First" and edited.body["edits"] == 1
    gone = api.call("POST", f"/comments/{comment.pk}/withdraw", as_=world.circle_member)
    assert gone.status == 200 and gone.body["is_withdrawn"] and gone.body["text"] == ""
    again = api.call("POST", f"/comments/{comment.pk}/withdraw", as_=world.circle_member)
    assert again.status == 409


def test_share_a_draft_then_the_circle_comments(api, world, draft):
    path = f"/proposals/{draft.pk}"
    assert api.call("GET", f"{path}/thread", as_=world.facilitator).status == 404
    unshared = api.call(
        "POST", f"{path}/thread/comments", {"text": "Note"}, as_=world.circle_member
    )
    assert unshared.status == 409
    shared = api.call("POST", f"{path}/share", as_=world.circle_member)
    assert shared.status == 200 and shared.body["is_shared"]
    posted = api.call("POST", f"{path}/thread/comments", {"text": "Ok"}, as_=world.facilitator)
    assert posted.status == 201
    assert api.call("GET", f"{path}/thread", as_=world.member).status == 404
    assert api.call("DELETE", f"{path}/share", as_=world.facilitator).status == 403
    stopped = api.call("DELETE", f"{path}/share", as_=world.circle_member)
    assert stopped.status == 200 and not stopped.body["is_shared"]
    assert api.call("GET", f"{path}/thread", as_=world.facilitator).status == 404
