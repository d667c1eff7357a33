"""`core.links.path_to`: the path `reverse()` gives, remembered per script prefix."""

from __future__ import annotations

from django.urls import reverse, set_script_prefix

from circlewise.core.links import path_to


def test_path_to_is_reverse_and_follows_the_script_prefix() -> None:
    assert path_to("circles:person_detail", "acme", 7) == reverse(
        "circles:person_detail", args=["acme", 7]
    )
    assert path_to("circles:person_detail", "acme", 8).endswith("/8/")
    try:
        set_script_prefix("/circlewise/")
        moved = path_to("circles:person_detail", "acme", 7)
        assert moved.startswith("/circlewise/o/acme/")
        assert moved == reverse("circles:person_detail", args=["acme", 7])
    finally:
        set_script_prefix("/")
    assert not path_to("circles:person_detail", "acme", 7).startswith("/circlewise/")
