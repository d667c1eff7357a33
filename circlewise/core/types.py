"""Types that several apps' signatures share."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from circlewise.accounts.models import User

# Whoever a rule or a selector is asked about: a signed-in person or an anonymous visitor
# (`request.user`). Rules answer for both; only a `User` may act.
type Viewer = User | AnonymousUser
