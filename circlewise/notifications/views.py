"""A person's notifications. Each points at a ledger event, whose sentence core.feed.describe
writes. Only the recipient sees or marks a notification; for anyone else it is missing (404).

And how they hear of them by email: their choices per organisation, and the unsubscribe link of
every email, which works without signing in (RFC 8058: a mail program POSTs to it, without a
session or a CSRF token; the signed token in the URL is the permission)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from circlewise.accounts.models import User
from circlewise.circles.models import Organisation
from circlewise.core.feed import bdi
from circlewise.core.inputs import page_number
from circlewise.core.views import attempt, is_htmx, person

from . import permissions, services
from .emails import read_unsubscribe_token
from .forms import EmailPreferencesForm
from .models import Notification
from .selectors import email_frequencies, notifications_of, said_to, unread_count

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


@dataclass(frozen=True)
class Group:
    """Notifications about the same thing that came one after another (three answers in one
    round, several messages in one thread): shown as one row, the newest first, the others
    under it."""

    first: Item
    rest: tuple[Item, ...] = ()

    @property
    def others(self) -> SafeString:
        names = []
        for item in self.rest:
            actor = item.notification.event.actor
            name = actor.name if actor is not None else ""
            if name and name not in names:
                names.append(name)
        count = len(self.rest)
        if not names:
            text = ngettext("and %(count)d more about it", "and %(count)d more about it", count)
            return format_html("{}", text % {"count": count})
        template = ngettext(
            "and %(count)d more about it, from %(names)s",
            "and %(count)d more about it, from %(names)s",
            count,
        )
        isolated = mark_safe(", ".join(bdi(name) for name in names))  # noqa: S308 - escaped
        return mark_safe(conditional_escape(template) % {"count": count, "names": isolated})  # noqa: S308


def grouped(items: list[Item]) -> list[Group]:
    """Consecutive items about the same thing (the same kind of event leading to the same
    place), as groups."""
    groups: list[list[Item]] = []
    for item in items:
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and item.target
            and item.target == last.target
            and item.notification.event.verb == last.notification.event.verb
        ):
            groups[-1].append(item)
        else:
            groups.append([item])
    return [Group(g[0], tuple(g[1:])) for g in groups]


def _item(user: User, notification: Notification) -> Item:
    said = said_to(user, notification.event)
    return Item(notification, said.html, said.url)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    page = Paginator(notifications_of(user), PAGE_SIZE).get_page(
        page_number(request.GET.get("page"))
    )
    items = [_item(user, n) for n in page.object_list]
    context = {
        "page": page,
        "items": items,
        "groups": grouped(items),
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


# Email preferences ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def email_preferences(request: HttpRequest, org: str) -> HttpResponse:
    """How the person hears of each kind of notification from one organisation by email.
    Personal: saving it appends nothing to the organisation's ledger (services)."""
    user = person(request)
    organisation = permissions.get_email_organisation_for(user, org)
    saved = False
    status = 200
    if request.method == "POST":
        form = EmailPreferencesForm(request.POST)
        if form.is_valid():
            with attempt(form) as done:
                services.set_email_preferences(
                    user=user, organisation=organisation, choices=form.cleaned_data
                )
            if done.ok and not is_htmx(request):
                messages.success(request, _("Your email choices are saved."))
                return redirect("notifications:email_preferences", org=organisation.slug)
            saved = done.ok
        if not saved:
            status = 200 if is_htmx(request) else 400
    else:
        form = EmailPreferencesForm(initial=email_frequencies(user, organisation.pk))
    others = (
        Organisation.objects.filter(memberships__user=user, memberships__ended_at__isnull=True)
        .exclude(pk=organisation.pk)
        .order_by("name")
    )
    context = {"organisation": organisation, "form": form, "saved": saved, "others": others}
    template = "notifications/email_preferences.html"
    if is_htmx(request):
        template += "#choices"
    return render(request, template, context, status=status)


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what the link stops, and a button to confirm. POST (the button, or a mail program's
    one-click request): that kind of email, off. A link not signed by this site is refused
    (400) and changes nothing; one whose person no longer belongs there is missing (404)."""
    found = read_unsubscribe_token(token)
    if found is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    user = User.objects.filter(pk=found.user_id, is_active=True).first()
    organisation = Organisation.objects.filter(pk=found.organisation_id).first()
    if (
        user is None
        or organisation is None
        or not permissions.can_manage_email_preferences(user, organisation)
    ):
        return render(request, "notifications/unsubscribe.html", {"missing": True}, status=404)
    context = {"organisation": organisation, "kind": found.kind, "token": token, "done": False}
    if request.method == "POST":
        services.unsubscribe(user=user, organisation=organisation, kind=found.kind)
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)
