"""Every API operation, with a way to build a request for it in the `world`, and who may use it.

`request(world, circle)` returns (method, path, body); `circle` is the circle the request is about
(Garden, which is open, or Care, which is private) for operations that address one.

Access:
- "personal": the caller's own things (me, tokens, notifications);
- "org_member": any member of the organisation; "org_admin": its admins;
- "circle_creator": admins, or a steward of the parent circle;
- "circle_visible": anyone who may see the circle; "circle_steward": who may change it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from circlewise.accounts import services as account_services
from circlewise.circles import services
from circlewise.circles.models import Circle
from circlewise.core.models import LedgerEvent
from circlewise.notifications.models import Notification
from circlewise.notifications.services import deliver
from tests import factories as f
from tests.conftest import World

Request = tuple[str, str, Any]


@dataclass(frozen=True)
class Op:
    operation_id: str
    access: str
    build: Callable[[World, Circle], Request]

    @property
    def is_write(self) -> bool:
        return self.method_for_docs != "GET"

    @property
    def method_for_docs(self) -> str:
        return METHODS[self.operation_id]

    def __str__(self) -> str:
        return self.operation_id


def _token_id(w: World, c: Circle) -> int:
    token, _ = account_services.create_token(user=w.member, name="someone's", scope="read")
    return token.pk


def _notification_id(w: World, c: Circle) -> int:
    """One of the admin's notifications (delivery waits for a commit that tests never make)."""
    event = LedgerEvent.objects.filter(organisation=w.org).order_by("-sequence").first()
    assert event is not None
    deliver(event_id=event.pk, recipient_ids=[w.admin.pk])
    return Notification.objects.get(recipient=w.admin, event=event).pk


def _invitation_id(w: World, c: Circle) -> int:
    invitation, _ = services.invite(organisation=w.org, email="new@example.org", actor=w.admin)
    return invitation.pk


def _secretary_assignment(w: World, c: Circle) -> int:
    return f.give_role(c, "secretary", w.circle_member).pk


def _role(c: Circle, kind: str = "secretary") -> int:
    return c.roles.get(kind=kind).pk


ORG = "/organisations/{slug}"

OPS: tuple[Op, ...] = (
    # The caller's own account
    Op("getMe", "personal", lambda w, c: ("GET", "/me", None)),
    Op("listTokens", "personal", lambda w, c: ("GET", "/tokens", None)),
    Op("createToken", "personal", lambda w, c: ("POST", "/tokens", {"name": "script"})),
    Op("revokeToken", "personal", lambda w, c: ("DELETE", f"/tokens/{_token_id(w, c)}", None)),
    Op("getCalendar", "personal", lambda w, c: ("GET", "/me/calendar", None)),
    Op("renewCalendar", "personal", lambda w, c: ("POST", "/me/calendar", None)),
    Op("stopCalendar", "personal", lambda w, c: ("DELETE", "/me/calendar", None)),
    Op("listNotifications", "personal", lambda w, c: ("GET", "/notifications", None)),
    Op(
        "markNotificationRead",
        "personal",
        lambda w, c: ("POST", f"/notifications/{_notification_id(w, c)}/read", None),
    ),
    Op(
        "markAllNotificationsRead",
        "personal",
        lambda w, c: ("POST", "/notifications/read-all", None),
    ),
    Op("listOrganisations", "personal", lambda w, c: ("GET", "/organisations", None)),
    Op(
        "getEmailPreferences",
        "org_member",
        lambda w, c: ("GET", f"/organisations/{w.org.slug}/email-preferences", None),
    ),
    Op(
        "setEmailPreferences",
        "org_member",
        lambda w, c: (
            "PUT",
            f"/organisations/{w.org.slug}/email-preferences",
            {"preferences": {"circle": "weekly"}},
        ),
    ),
    # One organisation
    Op("getOrganisation", "org_member", lambda w, c: ("GET", f"/organisations/{w.org.slug}", None)),
    Op(
        "updateOrganisation",
        "org_admin",
        lambda w, c: ("PATCH", f"/organisations/{w.org.slug}", {"vision": "Grow together."}),
    ),
    Op(
        "listOrganisationMembers",
        "org_member",
        lambda w, c: ("GET", f"/organisations/{w.org.slug}/members", None),
    ),
    Op(
        "createInvitation",
        "org_admin",
        lambda w, c: (
            "POST",
            f"/organisations/{w.org.slug}/invitations",
            {"email": "n@example.org"},
        ),
    ),
    Op(
        "revokeInvitation",
        "org_admin",
        lambda w, c: (
            "DELETE",
            f"/organisations/{w.org.slug}/invitations/{_invitation_id(w, c)}",
            None,
        ),
    ),
    Op(
        "listCircles",
        "org_member",
        lambda w, c: ("GET", f"/organisations/{w.org.slug}/circles", None),
    ),
    Op(
        "createCircle",
        "circle_creator",
        lambda w, c: (
            "POST",
            f"/organisations/{w.org.slug}/circles",
            {"name": "Compost", "aim": "Turns waste into soil.", "parent_id": w.garden.pk},
        ),
    ),
    Op("listTerms", "org_member", lambda w, c: ("GET", f"/organisations/{w.org.slug}/terms", None)),
    Op(
        "getOrganisationFeed",
        "org_member",
        lambda w, c: ("GET", f"/organisations/{w.org.slug}/feed", None),
    ),
    Op("getLedger", "org_admin", lambda w, c: ("GET", f"/organisations/{w.org.slug}/ledger", None)),
    Op(
        "verifyLedger",
        "org_admin",
        lambda w, c: ("POST", f"/organisations/{w.org.slug}/ledger/verify", None),
    ),
    Op(
        "exportLedger",
        "org_admin",
        lambda w, c: ("GET", f"/organisations/{w.org.slug}/ledger/export", None),
    ),
    Op(
        "exportOrganisationFeed",
        "org_member",
        lambda w, c: ("GET", f"/organisations/{w.org.slug}/feed/export", None),
    ),
    # One circle
    Op("getCircle", "circle_visible", lambda w, c: ("GET", f"/circles/{c.pk}", None)),
    Op(
        "updateCircle",
        "circle_steward",
        lambda w, c: ("PATCH", f"/circles/{c.pk}", {"aim": "A clearer aim."}),
    ),
    Op("archiveCircle", "circle_steward", lambda w, c: ("POST", f"/circles/{c.pk}/archive", None)),
    Op("getCircleFeed", "circle_visible", lambda w, c: ("GET", f"/circles/{c.pk}/feed", None)),
    Op(
        "listCircleMembers",
        "circle_visible",
        lambda w, c: ("GET", f"/circles/{c.pk}/members", None),
    ),
    Op(
        "addCircleMember",
        "circle_steward",
        lambda w, c: ("POST", f"/circles/{c.pk}/members", {"user_id": w.member.pk}),
    ),
    Op(
        "endCircleMembership",
        "circle_steward",
        lambda w, c: ("DELETE", f"/circles/{c.pk}/members/{w.circle_member.pk}", None),
    ),
    Op("listRoles", "circle_visible", lambda w, c: ("GET", f"/circles/{c.pk}/roles", None)),
    Op(
        "createRole",
        "circle_steward",
        lambda w, c: ("POST", f"/circles/{c.pk}/roles", {"name": "Seed keeper"}),
    ),
    Op("getRole", "circle_visible", lambda w, c: ("GET", f"/roles/{_role(c)}", None)),
    Op(
        "updateRole",
        "circle_steward",
        lambda w, c: ("PATCH", f"/roles/{_role(c)}", {"aim": "Keeps the records."}),
    ),
    Op(
        "assignRole",
        "circle_steward",
        lambda w, c: (
            "POST",
            f"/roles/{_role(c)}/assignments",
            {"holder_id": w.circle_member.pk},
        ),
    ),
    Op(
        "endAssignment",
        "circle_steward",
        lambda w, c: ("POST", f"/assignments/{_secretary_assignment(w, c)}/end", None),
    ),
)

METHODS = {
    "getMe": "GET",
    "listTokens": "GET",
    "createToken": "POST",
    "revokeToken": "DELETE",
    "getCalendar": "GET",
    "renewCalendar": "POST",
    "stopCalendar": "DELETE",
    "listNotifications": "GET",
    "markNotificationRead": "POST",
    "markAllNotificationsRead": "POST",
    "listOrganisations": "GET",
    "getEmailPreferences": "GET",
    "setEmailPreferences": "PUT",
    "getOrganisation": "GET",
    "updateOrganisation": "PATCH",
    "listOrganisationMembers": "GET",
    "createInvitation": "POST",
    "revokeInvitation": "DELETE",
    "listCircles": "GET",
    "createCircle": "POST",
    "listTerms": "GET",
    "getOrganisationFeed": "GET",
    "getLedger": "GET",
    "verifyLedger": "POST",
    "exportLedger": "GET",
    "exportOrganisationFeed": "GET",
    "getCircle": "GET",
    "updateCircle": "PATCH",
    "archiveCircle": "POST",
    "getCircleFeed": "GET",
    "listCircleMembers": "GET",
    "addCircleMember": "POST",
    "endCircleMembership": "DELETE",
    "listRoles": "GET",
    "createRole": "POST",
    "getRole": "GET",
    "updateRole": "PATCH",
    "assignRole": "POST",
    "endAssignment": "POST",
}

# The consent process's operations, in their own table (tests/api/operations_decisions.py).
from .operations_decisions import DECISION_METHODS, DECISION_OPS  # noqa: E402

OPS += DECISION_OPS  # type: ignore[assignment]
METHODS.update(DECISION_METHODS)

# The discussions' operations (tests/discussions/api_operations.py).
from tests.discussions.api_operations import DISCUSSION_METHODS, DISCUSSION_OPS  # noqa: E402

OPS += DISCUSSION_OPS  # type: ignore[assignment]
METHODS.update(DISCUSSION_METHODS)

# The meetings' operations (tests/meetings/api_operations.py).
from tests.meetings.api_operations import MEETING_METHODS, MEETING_OPS  # noqa: E402

OPS += MEETING_OPS  # type: ignore[assignment]
METHODS.update(MEETING_METHODS)

# The reviews' operations (tests/reviews/api_operations.py).
from tests.reviews.api_operations import REVIEW_METHODS, REVIEW_OPS  # noqa: E402

OPS += REVIEW_OPS  # type: ignore[assignment]
METHODS.update(REVIEW_METHODS)

# The selections' operations (tests/selections/api_operations.py).
from tests.selections.api_operations import SELECTION_METHODS, SELECTION_OPS  # noqa: E402

OPS += SELECTION_OPS  # type: ignore[assignment]
METHODS.update(SELECTION_METHODS)

WRITES = tuple(op for op in OPS if op.is_write)
CIRCLE_OPS = tuple(
    op for op in OPS if op.access.startswith("circle_") and op.access != "circle_creator"
)
ORG_OPS = tuple(op for op in OPS if op.access != "personal")
