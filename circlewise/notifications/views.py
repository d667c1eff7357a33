"""A person's notifications. Each points at a ledger event, whose sentence core.feed.describe
writes. Only the recipient sees or marks a notification; for anyone else it is missing (404)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circlewise.accounts.models import User
from circlewise.core.inputs import page_number
from circlewise.core.views import is_htmx, person

from . import permissions, services
from .models import Notification
from .selectors import notifications_of, said_to, unread_count

PAGE_SIZE = 25


@dataclass(frozen=True)
class Item:
    """A notification ready to show: its sentence and where it leads, if anywhere."""

    notification: Notification
    text: SafeString  # the sentence: its names escaped and isolated
    target: str  # the object it is about, if the person may still see it

    @property
    def is_unread(self) -> bool:
        return self.notification.read_at is None


def _item(user: User, notification: Notification) -> Item:
    said = said_to(user, notification.event)
    return Item(notification, said.html, said.url)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    page = Paginator(notifications_of(user), PAGE_SIZE).get_page(
        page_number(request.GET.get("page"))
    )
    context = {
        "page": page,
        "items": [_item(user, n) for n in page.object_list],
        "unread_count": unread_count(user),
    }
    return render(request, "notifications/notification_list.html", context)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_read(user=person(request))
    if count:
        messages.success(request, _("All your notifications are marked as read."))
    return redirect("notifications:list")


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one read, then go where it leads; `stay` returns to the list (htmx: the row only)."""
    user = person(request)
    notification = permissions.get_notification_for(user, notification_id)
    services.mark_read(user=user, notification_ids=[notification.pk])
    notification.refresh_from_db(fields=["read_at"])
    item = _item(user, notification)
    if is_htmx(request):
        # The row, focused again (its button is gone), and the page's unread count out of band.
        context = {
            "item": item,
            "swapped": True,
            "unread_count": unread_count(user),
        }
        row = render_to_string("notifications/notification_list.html#item", context, request)
        summary = render_to_string("notifications/notification_list.html#summary", context, request)
        return HttpResponse(row + summary)
    if request.POST.get("stay") or not item.target:
        page = request.POST.get("page", "")
        suffix = f"?page={page}" if page.isdigit() else ""
        return redirect(reverse("notifications:list") + suffix)
    return redirect(item.target)
