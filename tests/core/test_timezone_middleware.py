"""TimezoneMiddleware shows times in the viewer's time zone and leaves `request.user` as Django
made it (the lazy wrapper): it reads the request, it does not rewrite it."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from tests.conftest import World


def test_the_request_keeps_djangos_lazy_user(client: Client, world: World) -> None:
    # given a signed-in person with a time zone of their own
    world.member.timezone = "Pacific/Auckland"
    world.member.save(update_fields=["timezone"])
    client.force_login(world.member)
    # when they open a page
    response = client.get(reverse("profile"))
    # then the page is theirs, and the request still holds the lazy wrapper around them
    assert response.status_code == 200
    user = response.wsgi_request.user
    assert isinstance(user, SimpleLazyObject)
    assert user.pk == world.member.pk
