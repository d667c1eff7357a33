"""The discussion pages: a topic's thread (GET, POST without JavaScript, the htmx partial), a
draft's thread on its own page, editing and withdrawing, and turning a discussion into a
proposal; every refusal said on the page, nothing changed."""

from __future__ import annotations

import re

from django.urls import reverse

from circlewise.core.models import LedgerEvent
from circlewise.decisions.models import Proposal
from circlewise.discussions import services
from circlewise.discussions.models import Comment, handle_of


def url(name, *args):
    return reverse(f"discussions:{name}", args=["willow", *args])


def test_the_backlog_links_each_topic_to_its_discussion_with_the_count(client, world, topic):
    services.post_comment(actor=world.facilitator, item=topic, text="One")
    services.post_comment(actor=world.facilitator, item=topic, text="Two")
    client.force_login(world.member)
    page = client.get(reverse("decisions:backlog", args=["willow", "garden"])).content.decode()
    assert f'href="{url("item_thread", topic.pk)}"' in page
    assert "Discuss (2 comments)" in page


def test_a_thread_page_lists_comments_as_articles_with_a_labelled_form(client, world, topic):
    first = services.post_comment(actor=world.facilitator, item=topic, text="**Why** now?")
    services.post_comment(actor=world.circle_member, item=topic, text="Because.", reply_to=first)
    client.force_login(world.member)
    page = client.get(url("item_thread", topic.pk)).content.decode()
    assert f'<article class="comment" id="comment-{first.pk}"' in page
    assert "<strong>Why</strong> now?" in page
    assert 'aria-label="Replies to' in page
    assert '<label for="id_text">Your comment <span class="required"' in page
    assert f"@{handle_of(world.facilitator.name, 0)}" in page  # the handles one can mention


def test_markdown_in_a_comment_is_sanitised(client, world, topic):
    services.post_comment(
        actor=world.circle_member, item=topic, text="<script>alert(1)</script> [x](javascript:1)"
    )
    client.force_login(world.member)
    page = client.get(url("item_thread", topic.pk)).content.decode()
    assert "<script>alert(1)" not in page and 'href="javascript' not in page


def test_posting_without_javascript_redirects_to_the_comment(client, world, topic):
    client.force_login(world.member)
    answer = client.post(url("item_thread", topic.pk), {"text": "I can help."})
    comment = Comment.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"{url('item_thread', topic.pk)}#comment-{comment.pk}"


def test_posting_with_htmx_answers_with_the_thread_alone(client, world, topic):
    client.force_login(world.member)
    answer = client.post(url("item_thread", topic.pk), {"text": "Via htmx"}, HTTP_HX_REQUEST="true")
    body = answer.content.decode()
    assert answer.status_code == 200
    assert body.lstrip().startswith('<section class="card stack discussion" id="thread"')
    assert "Via htmx" in body and "<html" not in body
    assert "Your comment is posted." in body


def test_an_empty_comment_is_refused_on_the_page_and_announced(client, world, topic):
    client.force_login(world.member)
    before = LedgerEvent.objects.count()
    page = client.post(url("item_thread", topic.pk), {"text": "  "})
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()
    assert "the comment is empty" in page.content.decode()
    partial = client.post(url("item_thread", topic.pk), {"text": ""}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "the comment is empty" in partial.content.decode()
    assert LedgerEvent.objects.count() == before and not Comment.objects.exists()


def test_a_too_long_comment_is_refused_with_the_limit(client, world, topic):
    client.force_login(world.member)
    page = client.post(url("item_thread", topic.pk), {"text": "z" * 10_001})
    assert page.status_code == 400
    assert "10,000" in page.content.decode() and not Comment.objects.exists()


def test_a_refused_reply_shows_its_error_beside_the_comment_it_answers(client, world, topic):
    first = services.post_comment(actor=world.facilitator, item=topic, text="One")
    client.force_login(world.member)
    page = client.post(url("item_thread", topic.pk), {"text": "", "reply_to": first.pk})
    body = page.content.decode()
    assert page.status_code == 400
    assert (
        f'id="reply-{first.pk}-error"' in body
        and f'aria-describedby="reply-{first.pk}-error"' in body
    )


def test_a_reply_to_a_comment_elsewhere_is_refused(client, world, topic, secret):
    other = services.post_comment(actor=world.circle_member, item=secret, text="Care's")
    client.force_login(world.circle_member)
    page = client.post(url("item_thread", topic.pk), {"text": "Hi", "reply_to": other.pk})
    assert page.status_code == 400 and Comment.objects.count() == 1


def test_outsiders_get_404_for_a_private_thread_and_its_comments(client, world, secret):
    comment = services.post_comment(actor=world.circle_member, item=secret, text="Psst")
    for person in (world.member, world.outsider):
        client.force_login(person)
        assert client.get(url("item_thread", secret.pk)).status_code == 404
        assert client.post(url("item_thread", secret.pk), {"text": "Hi"}).status_code == 404
        assert client.get(url("comment_edit", comment.pk)).status_code == 404
        assert client.post(url("comment_withdraw", comment.pk)).status_code == 404
        answer = client.get(reverse("discussions:circle_threads", args=["willow", world.care.slug]))
        assert answer.status_code == 404
    assert Comment.objects.count() == 1


def test_the_author_edits_a_comment_and_the_page_says_so(client, world, topic):
    comment = services.post_comment(actor=world.circle_member, item=topic, text="Frist")
    client.force_login(world.circle_member)
    form = client.get(url("comment_edit", comment.pk))
    assert form.status_code == 200 and "Frist" in form.content.decode()
    answer = client.post(url("comment_edit", comment.pk), {"text": "First"})
    assert answer.status_code == 302
    page = client.get(url("item_thread", topic.pk)).content.decode()
    assert "First" in page and "edited" in page


def test_someone_else_may_not_edit(client, world, topic):
    comment = services.post_comment(actor=world.circle_member, item=topic, text="Mine")
    client.force_login(world.facilitator)
    assert client.get(url("comment_edit", comment.pk)).status_code == 403
    assert client.post(url("comment_edit", comment.pk), {"text": "Ha"}).status_code == 403


def test_a_withdrawn_comment_keeps_its_place_and_loses_its_words(client, world, topic):
    comment = services.post_comment(actor=world.circle_member, item=topic, text="Regrettable")
    client.force_login(world.circle_member)
    answer = client.post(url("comment_withdraw", comment.pk))
    assert answer.status_code == 302
    page = client.get(url("item_thread", topic.pk)).content.decode()
    assert "Regrettable" not in page and "Withdrawn by its author" in page
    assert f'id="comment-{comment.pk}"' in page


def test_share_for_comment_from_the_drafts_page(client, world, draft):
    proposal_url = reverse("decisions:proposal_detail", args=["willow", draft.pk])
    client.force_login(world.circle_member)
    page = client.get(proposal_url).content.decode()
    assert "Share for comment" in page
    answer = client.post(url("share", draft.pk))
    assert answer.status_code == 302
    # then Fay, in Garden, reads the draft and comments on its page
    client.force_login(world.facilitator)
    page = client.get(proposal_url)
    assert page.status_code == 200 and "Quiet after ten." in page.content.decode()
    assert 'id="thread"' in page.content.decode()
    posted = client.post(url("proposal_thread", draft.pk), {"text": "Ten is early"})
    assert posted.status_code == 302
    assert "Ten is early" in client.get(proposal_url).content.decode()
    # and Mo, outside Garden, still finds nothing
    client.force_login(world.member)
    assert client.get(proposal_url).status_code == 404
    assert client.get(url("proposal_thread", draft.pk)).status_code == 404


def test_only_the_author_shares(client, world, draft):
    services.share_draft(proposal=draft, actor=world.circle_member)
    client.force_login(world.facilitator)
    assert client.post(url("unshare", draft.pk)).status_code == 403


def test_turn_a_discussion_into_a_proposal(client, world, topic):
    services.post_comment(actor=world.facilitator, item=topic, text="Let's")
    client.force_login(world.circle_member)
    page = client.get(url("item_thread", topic.pk)).content.decode()
    assert f'href="{url("item_propose", topic.pk)}"' in page
    form = client.get(url("item_propose", topic.pk)).content.decode()
    assert "Teen room" in form and f"/o/willow/backlog/{topic.pk}/discussion/" in form
    driver = re.search(r'<textarea name="driver"[^>]*>(.*?)</textarea>', form, re.S)
    assert driver is not None
    answer = client.post(
        url("item_propose", topic.pk),
        {"title": "A teen room", "driver": driver.group(1), "text": "The loft."},
    )
    proposal = Proposal.objects.get(author=world.circle_member)
    assert answer.status_code == 302
    page = client.get(reverse("decisions:proposal_detail", args=["willow", proposal.pk]))
    body = page.content.decode()
    assert "The discussion that led here" in body and url("item_thread", topic.pk) in body


def test_a_non_member_may_not_turn_a_discussion_into_a_proposal(client, world, topic):
    client.force_login(world.member)
    assert (
        "Turn this into a proposal" not in client.get(url("item_thread", topic.pk)).content.decode()
    )
    assert client.post(url("item_propose", topic.pk), {"title": "x"}).status_code == 403


def test_a_circles_discussions_page_lists_its_threads(client, world, topic):
    services.post_comment(actor=world.facilitator, item=topic, text="One")
    client.force_login(world.member)
    page = client.get(reverse("discussions:circle_threads", args=["willow", "garden"]))
    assert page.status_code == 200 and "Teen room" in page.content.decode()
