"""Pages cached on the ledger version carry an ETag from it: a revisit at the same version is a
304, and anything that changes what the page shows, or who may see it, changes the ETag."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.test import Client
from django.urls import reverse

from circlewise.circles import services as circles

CACHED_PAGES = [
    ("circles:circle_list", ()),
    ("circles:org_chart", ()),
    ("circles:terms", ()),
    ("circles:org_feed", ()),
    ("circles:circle_feed", ("garden",)),
    ("circles:circle_detail", ("garden",)),
]


def _client(user: object, org: str = "willow") -> Client:
    """Signed in, with the CSRF cookie a browser holds after its first page (a first visit
    without one gets the page and the cookie, and no ETag)."""
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    client.get(reverse("circles:circle_list", args=[org]))
    assert "csrftoken" in client.cookies
    return client


@pytest.mark.parametrize(("name", "args"), CACHED_PAGES)
def test_a_revisit_at_the_same_version_is_a_304(world, name: str, args: tuple[str, ...]) -> None:
    client = _client(world.circle_member)
    url = reverse(name, args=["willow", *args])
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag


def test_a_change_in_the_organisation_sends_the_page_again(world) -> None:
    client = _client(world.circle_member)
    url = reverse("circles:circle_detail", args=["willow", "garden"])
    etag = client.get(url).headers["ETag"]
    circles.update_circle(circle=world.garden, actor=world.admin, aim="Grow more beans")
    changed = client.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert "Grow more beans" in changed.content.decode()
    assert changed.headers["ETag"] != etag


def test_another_viewer_with_the_same_etag_gets_the_page_not_a_304(world) -> None:
    url = reverse("circles:circle_detail", args=["willow", "garden"])
    etag = _client(world.circle_member).get(url).headers["ETag"]
    other = _client(world.member).get(url, headers={"if-none-match": etag})
    assert other.status_code == 200
    assert other.headers["ETag"] != etag


def test_whoever_may_not_see_a_page_gets_404_whatever_etag_they_send(world) -> None:
    url = reverse("circles:circle_detail", args=["willow", "care"])
    client = _client(world.circle_member)
    etag = client.get(url).headers["ETag"]
    assert _client(world.member).get(url, headers={"if-none-match": etag}).status_code == 404
    assert (
        _client(world.outsider, "elsewhere").get(url, headers={"if-none-match": etag}).status_code
        == 404
    )
    # Leaving the private circle moves the ledger: the old ETag no longer answers.
    circles.end_membership(circle=world.care, user=world.circle_member, actor=world.circle_member)
    assert client.get(url, headers={"if-none-match": etag}).status_code == 404


def test_a_new_csrf_secret_sends_the_page_again(world) -> None:
    # A page sent again must hold a token that still works with the viewer's CSRF cookie.
    client = _client(world.circle_member)
    url = reverse("circles:circle_list", args=["willow"])
    etag = client.get(url).headers["ETag"]
    client.cookies.pop("csrftoken")
    fresh = client.get(url, headers={"if-none-match": etag})
    assert fresh.status_code == 200
    assert "csrftoken" in fresh.cookies


def test_a_page_with_a_message_to_show_has_no_etag(world, rf) -> None:
    from circlewise.core.perf.pages import ledger_etag

    client = _client(world.circle_member)
    url = reverse("circles:circle_list", args=["willow"])
    client.get(url)
    request = rf.get(url)
    request.user = world.circle_member
    request.META["CSRF_COOKIE"] = "x" * 32
    request.session = client.session
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    assert ledger_etag(request, "willow") is not None
    messages.success(request, "Saved.")
    assert ledger_etag(request, "willow") is None
