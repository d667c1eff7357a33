"""What the feed says of discussions: the topic and who commented; for a draft, not its title
(the feed is read by everyone who sees the circle, the draft only by its members) until it is
presented."""

from __future__ import annotations

from django.urls import reverse

from circlewise.core.feed import sentence
from circlewise.core.models import LedgerEvent
from circlewise.decisions import services as decisions
from circlewise.discussions import services


def last(org):
    return LedgerEvent.objects.filter(organisation=org).order_by("-sequence").first()


def test_a_comment_on_a_topic_names_it_and_leads_to_the_comment(world, topic):
    comment = services.post_comment(actor=world.facilitator, item=topic, text="Hm")
    said = sentence(last(world.org))
    assert said.text == "Fay Facilitator commented on “Teen room”."
    url = reverse("discussions:item_thread", args=["willow", topic.pk])
    assert said.url == f"{url}#comment-{comment.pk}"


def test_a_reply_names_whom_it_answers(world, topic):
    first = services.post_comment(actor=world.facilitator, item=topic, text="Hm")
    services.post_comment(actor=world.member, item=topic, text="Yes", reply_to=first)
    assert sentence(last(world.org)).text == "Mo Member replied to Fay Facilitator on “Teen room”."


def test_a_drafts_title_stays_out_of_the_feed_until_it_is_presented(world, draft, client):
    services.share_draft(proposal=draft, actor=world.circle_member)
    shared = last(world.org)
    services.post_comment(actor=world.facilitator, proposal=draft, text="Ok")
    commented = last(world.org)
    assert sentence(shared).text == "Cy Circle shared a draft for comment with Garden."
    assert sentence(commented).text == "Fay Facilitator commented on a draft shared with Garden."
    client.force_login(world.member)  # sees Garden's feed, not the draft
    feed = client.get(reverse("circles:circle_feed", args=["willow", "garden"])).content.decode()
    assert "shared a draft for comment" in feed and "Quiet hours" not in feed
    decisions.present(proposal=draft, actor=world.circle_member)
    assert sentence(commented).text == "Fay Facilitator commented on “Quiet hours”."
