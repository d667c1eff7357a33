"""An organisation's plain words setting through the API (core.plainwords)."""

from __future__ import annotations

import pytest

from circlewise.circles import services as circles
from circlewise.core.errors import ServiceError


def test_the_api_changes_plain_words_and_refuses_a_non_boolean(world, api):
    answer = api.patch(f"/organisations/{world.org.slug}", {"plain_words": True}, as_=world.admin)
    assert answer.status == 200 and answer.body["plain_words"] is True
    wrong = api.patch(f"/organisations/{world.org.slug}", {"plain_words": "maybe"}, as_=world.admin)
    assert wrong.status in (400, 422)
    world.org.refresh_from_db()
    assert world.org.plain_words is True
    with pytest.raises(ServiceError):  # the service refuses what is not yes or no
        circles.update_organisation(organisation=world.org, actor=world.admin, plain_words="no")
