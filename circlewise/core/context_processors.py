from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The organisation switcher and the unread count for the bell, on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from circlewise.circles.models import Organisation
    from circlewise.notifications.models import Notification

    def organisations() -> list[Organisation]:
        return list(
            Organisation.objects.filter(
                memberships__user=user, memberships__ended_at__isnull=True
            ).order_by("name")
        )

    def unread() -> int:
        return Notification.objects.unread().filter(recipient=user).count()

    return {"nav_organisations": organisations, "nav_unread": unread}
