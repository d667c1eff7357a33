from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The organisation switcher and the unread count for the bell, on every page.

    Both come from the cache under the person's navigation version (`cache.nav_version`), which
    the services move on commit whenever either changes; loaded once, and only if the page asks.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from circlewise.circles.models import Organisation
    from circlewise.core import cache
    from circlewise.notifications.models import Notification

    loaded: list[tuple[list[Organisation], int]] = []

    def compute() -> tuple[list[Organisation], int]:
        orgs = list(
            Organisation.objects.filter(
                memberships__user=user, memberships__ended_at__isnull=True
            ).order_by("name")
        )
        return orgs, Notification.objects.unread().filter(recipient=user).count()

    def load() -> tuple[list[Organisation], int]:
        if not loaded:
            # The person's id and join time name them exactly, even in a database restored
            # behind a cache that outlived it.
            joined = user.date_joined.timestamp() if user.date_joined else 0
            loaded.append(
                cache.value(
                    f"nav:{user.pk}:{joined}", version=cache.nav_version(user.pk), compute=compute
                )
            )
        return loaded[0]

    def organisations() -> list[Organisation]:
        return list(load()[0])

    def unread() -> int:
        return load()[1]

    return {"nav_organisations": organisations, "nav_unread": unread}
