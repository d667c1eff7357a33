"""What a meeting's services tell the screens in its room, after commit (core.events).

Two messages go to the room's group: `room.changed`, with the room's new version, after anything
the room shows has changed (each screen is then sent the room as it is); and `room.members`, when
who may take part in it or run it may have changed (a member left the circle, the facilitator or
secretary changed): each screen asks its permission again and is closed if it has none.

One goes to a person's own group, every room screen they have open whatever the room:
`account.deactivated`, when their account is deactivated (each of those screens is closed).
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models import F, Q

from circlewise.accounts.models import User
from circlewise.circles.models import Circle
from circlewise.core.events import broadcast_on_commit
from circlewise.decisions.models import Proposal

from .models import Meeting


def group_of(meeting_id: int) -> str:
    """The channel group of a meeting's room."""
    return f"meeting-{meeting_id}"


def person_group_of(user_id: int) -> str:
    """The channel group of every room screen one person has open, in any meeting."""
    return f"meeting-person-{user_id}"


def room_changed(meeting: Meeting) -> None:
    """Move the room's version and tell every screen in it, after commit."""
    Meeting.objects.filter(pk=meeting.pk).update(room_version=F("room_version") + 1)
    meeting.refresh_from_db(fields=["room_version"])
    broadcast_on_commit(
        group_of(meeting.pk), {"type": "room.changed", "version": meeting.room_version}
    )


def members_changed(meeting_id: int, *, user: int | None = None) -> None:
    """Tell the room's screens to check again who may be in it: `user`'s screens, or everyone's."""
    broadcast_on_commit(group_of(meeting_id), {"type": "room.members", "user": user})


def member_left_circle(circle: Circle, user: User, actor: User) -> None:
    """Drop someone who left a circle from its rooms that are open now (registered with
    circles.services.MEMBERSHIP_ENDED; runs in the transaction that ends the membership)."""
    live = Meeting.objects.filter(circle=circle, status=Meeting.Status.LIVE)
    for pk in live.values_list("pk", flat=True):
        members_changed(pk, user=user.pk)


def account_deactivated(user: User, actor: User) -> None:
    """Close every room screen of a deactivated account, and show the live rooms they were in
    without them (registered with accounts.services.ACCOUNT_DEACTIVATED; runs in the transaction
    that deactivates the account, and tells the screens once it commits: their screens first)."""
    broadcast_on_commit(person_group_of(user.pk), {"type": "account.deactivated"})
    live = Meeting.objects.filter(
        status=Meeting.Status.LIVE, attendance__user=user, attendance__present=True
    ).order_by("pk")
    for meeting in live:
        room_changed(meeting)


def proposal_changed(proposal: Proposal) -> None:
    """A proposal changed (decisions.services.PROPOSAL_CHANGED, in the change's transaction): an
    answer or an objection given on the proposal's page, say, while a room has its item on the
    table. Those rooms move on once the change commits, unless the room itself moved in the
    same transaction (a change made in the room tells its screens already)."""
    carried = Q(current_item__backlog_item__proposal_id=proposal.pk) | Q(
        current_item__backlog_item__thread__led_to=proposal.pk
    )
    rooms = (
        Meeting.objects.filter(circle_id=proposal.circle_id, status=Meeting.Status.LIVE)
        .filter(carried)
        .values_list("pk", "room_version")
        .distinct()
    )
    for pk, version in rooms:
        transaction.on_commit(partial(_moved_on, pk, version), robust=True)


def _moved_on(meeting_id: int, version: int) -> None:
    if Meeting.objects.filter(pk=meeting_id, room_version=version).update(
        room_version=F("room_version") + 1
    ):
        broadcast_on_commit(group_of(meeting_id), {"type": "room.changed", "version": version + 1})
