"""The terms timeline: every current term in the circles the viewer sees, with its status in
words as well as a bar."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from .. import factories as f


def test_every_term_is_on_the_timeline_with_its_status_in_words(world, client):
    # given Cy's term as Care's secretary ending in a week, Fay's in Garden running on
    today = timezone.localdate()
    f.give_role(world.care, "secretary", world.circle_member,
                term_start=today - dt.timedelta(days=300), term_end=today + dt.timedelta(days=7))  # fmt: skip
    client.force_login(world.circle_member)
    # when Cy opens the timeline
    page = client.get(reverse("circles:terms_timeline", args=["willow"])).content.decode()
    # then both terms are there, each with its word
    assert "<bdi>Care</bdi>" in page and "<bdi>Garden</bdi>" in page
    assert "ends in 7 days" in page and "timeline-ending" in page
    assert "timeline-current" in page


def test_the_timeline_leaves_out_private_circles_the_viewer_is_not_in(world, client):
    f.give_role(world.care, "secretary", world.circle_member)
    client.force_login(world.admin)
    page = client.get(reverse("circles:terms_timeline", args=["willow"])).content.decode()
    assert "<bdi>Garden</bdi>" in page and "Care" not in page


def test_an_outsider_gets_404(world, client):
    client.force_login(world.outsider)
    assert client.get(reverse("circles:terms_timeline", args=["willow"])).status_code == 404
