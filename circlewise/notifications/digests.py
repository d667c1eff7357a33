"""Digests: one email a day or a week per person and organisation, instead of many.

In this order: what needs the person now (rounds to answer, objections to confirm, steps to take,
each with its end), what their circles decided, policies of their circles due for review, terms
of their circles ending; then the other news they chose to hear of in this digest. Nothing is sent
when nothing happened: no need, no decision and no news since the last digest (policies and terms
due alone are a state, not news).

`send_digests(frequency)` runs from the task worker (daily and weekly schedules in
notifications/tasks.py). Each digest is a `Digest` row made before the email is written: a second
run for the same period finds it and sends nothing twice; one whose sending failed is tried again
by the next run of that period. Everything in it is read for its reader, through the same rules
as their pages: their own circles' things, nothing of a private circle they are not in.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass, field
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any, cast

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from circlewise.accounts.models import User
from circlewise.core import plainwords
from circlewise.core.links import absolute_url, path_to
from circlewise.core.models import LedgerEvent

from .emails import language_of
from .models import Digest, Frequency, Notification, kind_of
from .selectors import email_frequencies, said_to

logger = logging.getLogger(__name__)

DUE_DAYS = 30  # policies and terms due within this many days are listed
NEWS_LIMIT = 20  # the news lines of one digest; more are counted, not listed
PERIOD = {Frequency.DAILY: dt.timedelta(days=1), Frequency.WEEKLY: dt.timedelta(days=7)}
DECIDED_VERBS = ("proposal.decided", "proposal.exited")


@dataclass
class Line:
    text: str
    url: str = ""
    when: dt.date | dt.datetime | None = None  # a deadline, a review date, a term's end
    overdue: bool = False


@dataclass
class Contents:
    needs: list[Line] = field(default_factory=list)
    decided: list[Line] = field(default_factory=list)
    reviews: list[Line] = field(default_factory=list)
    terms: list[Line] = field(default_factory=list)
    news: list[Line] = field(default_factory=list)
    more_news: int = 0

    @property
    def happened(self) -> bool:
        """Whether there is anything to send: a need, a decision, or news."""
        return bool(self.needs or self.decided or self.news)


@dataclass
class Run:
    people: int = 0
    sent: int = 0
    empty: int = 0
    failed: int = 0


def period_of(frequency: Frequency, now: dt.datetime) -> dt.date:
    """Which digest a run at `now` makes: today's, or this week's (its Monday)."""
    today = timezone.localdate(now)
    if frequency == Frequency.WEEKLY:
        return today - dt.timedelta(days=today.weekday())
    return today


def send_digests(*, frequency: str, now: dt.datetime | None = None) -> Run:
    """Send the `frequency` digest of this period to everyone who has one coming."""
    from circlewise.circles.models import OrgMembership

    chosen = Frequency(frequency)
    if chosen not in PERIOD:
        raise ValueError(f"no digest is sent {frequency}")
    now = now or timezone.now()
    run = Run()
    memberships = (
        OrgMembership.objects.current()
        .select_related("user", "organisation")
        .order_by("organisation_id", "user_id")
    )
    for membership in memberships.iterator(chunk_size=500):
        run.people += 1
        outcome = send_digest(
            user=membership.user, organisation=membership.organisation, frequency=chosen, now=now
        )
        if outcome == "sent":
            run.sent += 1
        elif outcome == "empty":
            run.empty += 1
        elif outcome == "failed":
            run.failed += 1
    return run


def send_digest(*, user: User, organisation: Any, frequency: Frequency, now: dt.datetime) -> str:
    """One person's digest from one organisation for this period: "sent", "empty" (nothing
    happened), "done" (made already) or "failed" (tried again by the next run)."""
    period = period_of(frequency, now)
    digest = Digest.objects.filter(
        user=user, organisation=organisation, frequency=frequency, period=period
    ).first()
    if digest is not None and (digest.sent_at is not None or digest.empty):
        return "done"
    if digest is None:
        last = (
            Digest.objects.filter(user=user, organisation=organisation, frequency=frequency)
            .exclude(sent_at=None, empty=False)
            .order_by("-period")
            .values_list("created_at", flat=True)
            .first()
        )
        since = max(last or now - PERIOD[frequency], now - PERIOD[frequency] * 2)
        try:
            with transaction.atomic():
                digest = Digest.objects.create(
                    user=user, organisation=organisation, frequency=frequency, period=period,
                    since=since,
                )  # fmt: skip
        except IntegrityError:  # another run made it just now: it sends it
            return "done"
    message = digest_email(digest, now=now)
    if message is None:
        Digest.objects.filter(pk=digest.pk).update(empty=True)
        return "empty"
    try:
        message.send()
    except Exception:
        logger.exception("Sending the digest %s failed; the next run tries again.", digest.pk)
        return "failed"
    Digest.objects.filter(pk=digest.pk).update(
        sent_at=timezone.now(), message_id=str(message.extra_headers.get("Message-ID", ""))[:255]
    )
    return "sent"


def digest_email(digest: Digest, *, now: dt.datetime) -> EmailMultiAlternatives | None:
    """The digest as an email to its person, in their language and time zone; None when nothing
    happened."""
    user, organisation = digest.user, digest.organisation
    language = plainwords.language_for(organisation, language_of(user))
    with translation.override(language), timezone.override(_zone(user)):
        contents = contents_of(user, organisation, Frequency(digest.frequency), digest.since, now)
        if not contents.happened:
            return None
        subject = (
            _("Your day in %(org)s") if digest.frequency == Frequency.DAILY
            else _("Your week in %(org)s")
        ) % {"org": organisation.name}  # fmt: skip
        if contents.needs:
            count = len(contents.needs)
            subject += " · " + ngettext(
                "%(count)d thing needs you", "%(count)d things need you", count
            ) % {"count": count}
        context = {
            "subject": subject,
            "recipient": user,
            "organisation": organisation,
            "contents": contents,
            "frequency": _("in a daily digest")
            if digest.frequency == Frequency.DAILY
            else _("in a weekly digest"),
            "language": translation.get_language(),
            "home_url": absolute_url(path_to("circles:org_home", organisation.slug), None),
            "settings_url": absolute_url(
                path_to("notifications:email_preferences", organisation.slug), None
            ),
        }
        text = render_to_string("notifications/email/digest.txt", context)
        html = render_to_string("notifications/email/digest.html", context)
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or None
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=formataddr((f"{organisation.name} · {name or 'Circlewise'}", address)),
        to=[formataddr((user.name, user.email))],
        headers={
            "Message-ID": make_msgid("digest", domain=domain),
            # RFC 2369: where to change or stop digests (every kind has its own one-click
            # unsubscribe in the emails sent at once).
            "List-Unsubscribe": f"<{context['settings_url']}>",
            "Auto-Submitted": "auto-generated",
            "X-Circlewise-Kind": f"digest-{digest.frequency}",
            "Content-Language": str(context["language"]),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def contents_of(
    user: User, organisation: Any, frequency: Frequency, since: dt.datetime, now: dt.datetime
) -> Contents:
    """What the person's digest holds, read for them (their circles only), in a fixed number of
    queries however much there is."""
    from circlewise.circles import permissions as circle_permissions
    from circlewise.circles.models import RoleAssignment
    from circlewise.decisions.models import Policy
    from circlewise.decisions.views.needs_me import needs_of

    contents = Contents()
    circle_permissions.prime_permissions(user, organisation)
    mine = circle_permissions.circle_ids_of(user, organisation)
    found = needs_of(user, organisation)
    slug = organisation.slug
    for r in found["rounds"]:
        contents.needs.append(Line(
            _("Consent or object: %(title)s") % {"title": r.title},
            absolute_url(path_to("decisions:proposal_detail", slug, r.proposal_id) + "#answer", None),
            r.closes_at, r.proposal.step_overdue,
        ))  # fmt: skip
    for o in found["objections_to_confirm"]:
        contents.needs.append(Line(
            _("Confirm that your objection was heard: %(title)s") % {"title": o.title},
            absolute_url(path_to("decisions:objection_detail", slug, o.pk), None),
        ))  # fmt: skip
    for p in found["proposals"]:
        ends = p.step_ends_at if p.state in ("clarifying", "reacting") else None
        contents.needs.append(Line(
            f"{p.title}: {p.need.sentence}", absolute_url(p.need.href, None), ends, p.step_overdue,
        ))  # fmt: skip
    contents.needs += _review_needs(user, organisation)
    contents.needs += _selection_needs(user, organisation)

    decided = LedgerEvent.objects.filter(
        organisation=organisation, verb__in=DECIDED_VERBS, circle_id__in=sorted(mine),
        occurred_at__gt=since, occurred_at__lte=now,
    ).select_related("actor", "circle__organisation", "organisation").order_by("sequence")  # fmt: skip
    decided_ids = set()
    for event in decided:
        said = said_to(user, event)
        decided_ids.add(event.pk)
        contents.decided.append(Line(said.text, absolute_url(said.url, None) if said.url else ""))

    today = timezone.localdate(now)
    horizon = today + dt.timedelta(days=DUE_DAYS)
    for policy in Policy.objects.filter(
        circle_id__in=sorted(mine), retired_at__isnull=True, superseded_by__isnull=True,
        review_on__lte=horizon,
    ).order_by("review_on", "pk")[:10]:  # fmt: skip
        contents.reviews.append(Line(
            policy.title, absolute_url(path_to("decisions:policy_detail", slug, policy.pk), None),
            policy.review_on, bool(policy.review_on and policy.review_on < today),
        ))  # fmt: skip
    terms = (
        RoleAssignment.objects.current()
        .filter(role__circle_id__in=sorted(mine), term_end__lte=horizon)
        .select_related("role__circle", "holder")
        .order_by("term_end", "pk")[:10]
    )
    for term in terms:
        contents.terms.append(Line(
            _("%(role)s in %(circle)s: %(name)s") % {
                "role": term.role.name, "circle": term.role.circle.name, "name": term.holder.name,
            },
            absolute_url(path_to("circles:role_detail", slug, term.role.circle.slug, term.role_id), None),
            term.term_end, term.term_end < today,
        ))  # fmt: skip

    wanted = {k for k, f in email_frequencies(user, organisation.pk).items() if f == frequency}
    notifications = (
        Notification.objects.filter(
            recipient=user, event__organisation=organisation,
            created_at__gt=since, created_at__lte=now,
        )
        .exclude(event_id__in=sorted(decided_ids))
        .select_related("event__actor", "event__circle__organisation", "event__organisation")
        .order_by("-id")
    )  # fmt: skip
    for n in notifications[: NEWS_LIMIT * 3]:
        if kind_of(n.event.verb) not in wanted:
            continue
        if len(contents.news) == NEWS_LIMIT:
            contents.more_news += 1
            continue
        said = said_to(user, n.event)
        contents.news.append(Line(said.text, absolute_url(said.url, None) if said.url else ""))
    return contents


def _review_needs(user: User, organisation: Any) -> list[Line]:
    """What the role reviews the person takes part in ask of them, as "what needs me" lists it
    (reviews.selectors.needs_of): feedback in a round open now, a plan to answer, a step."""
    from circlewise.reviews.models import Round
    from circlewise.reviews.selectors import needs_of

    asked = needs_of(user, organisation)
    lines = []

    def line(text: str, review: Any, anchor: str) -> Line:
        url = path_to("reviews:review_detail", organisation.slug, review.pk) + anchor
        return Line(text, absolute_url(url, None))

    for review in asked.feedback:
        lines.append(line(_("Your feedback on “%(round)s” in %(name)s’s review as %(role)s") % {
            "round": Round(review.step).label, "name": review.focus.name, "role": review.role.name,
        }, review, ""))  # fmt: skip
    for review in asked.plans:
        lines.append(line(_("Consent or object: the improvement plan in %(name)s’s review as "
                            "%(role)s") % {"name": review.focus.name, "role": review.role.name},
                          review, "#plan"))  # fmt: skip
    for review in cast(list[Any], asked.steps):  # each with its `need`
        lines.append(line(_("%(name)s’s review as %(role)s: %(step)s") % {
            "name": review.focus.name, "role": review.role.name, "step": review.need.sentence,
        }, review, review.need.anchor))  # fmt: skip
    return lines


def _selection_needs(user: User, organisation: Any) -> list[Line]:
    """The selections whose open step waits for the person, as "what needs me" lists them."""
    from circlewise.selections.selectors import waiting_on

    return [
        Line(
            _("The selection for %(role)s in %(circle)s: %(step)s")
            % {"role": s.role.name, "circle": s.circle.name, "step": s.get_step_display()},
            absolute_url(path_to("selections:selection_detail", organisation.slug, s.pk), None),
            s.step_ends_at,
        )
        for s in waiting_on(user, organisation)
    ]


def _zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
