"""A meeting's minutes: drafted from the meeting when it closes, written up by its secretary (or
whoever keeps its agenda), approved, then kept as they are. Approving them appends their SHA-256
to the ledger (the text itself stays out of it), and the circle's members are told and emailed
the text.

They are approved in one of three ways (DOMAIN.md, "Meetings and rounds"): at the end of the
meeting, by lazy consent, or at the next meeting. Lazy consent: the secretary sends them to the
circle's members with a period (`send_for_consent`); any member may object, saying why
(`object_to_minutes`), which takes them back to draft; when the period ends with no objection,
`approve_by_lazy_consent` (run by tasks.py) approves them as the circle's act, nobody's."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from circlewise.accounts.models import User
from circlewise.core import ledger
from circlewise.core.errors import ServiceError

from . import permissions
from .models import ActionItem, AgendaItem, Attendance, Meeting, Minutes, MinutesObjection, Round
from .services import member_ids

LIMIT = 50_000
REASON_LIMIT = 2000
# The period of lazy consent, in days: the default, and what is accepted.
CONSENT_DAYS, SHORTEST_CONSENT, LONGEST_CONSENT = 7, 1, 30


def draft_text(meeting: Meeting) -> str:
    """The minutes as the meeting itself gives them, in Markdown, for the secretary to write up."""
    when = formats.date_format(timezone.localtime(meeting.starts_at), "j F Y, H:i")
    title = meeting.title or _("Meeting of %(circle)s") % {"circle": meeting.circle.name}
    present = [
        a.user.name
        for a in Attendance.objects.filter(meeting=meeting, present=True).select_related("user")
    ]
    lines = [f"# {title}", "", f"{when}" + (f" · {meeting.place}" if meeting.place else ""), ""]
    lines += [f"## {_('Present')}", "", ", ".join(present) or _("Nobody was recorded."), ""]
    if meeting.facilitator or meeting.secretary:
        roles = []
        if meeting.facilitator:
            roles.append(_("Facilitator: %(name)s") % {"name": meeting.facilitator.name})
        if meeting.secretary:
            roles.append(_("Secretary: %(name)s") % {"name": meeting.secretary.name})
        lines += [" · ".join(roles), ""]
    items = AgendaItem.objects.filter(meeting=meeting, status=AgendaItem.Status.ON_AGENDA).order_by(
        "position", "pk"
    )
    lines += [f"## {_('Agenda')}", ""]
    for number, item in enumerate(items, start=1):
        lines += [f"{number}. **{item.title}** ({item.get_outcome_display().lower()})"]
        for round_ in Round.objects.filter(meeting=meeting, item=item).order_by("started_at"):
            turns = round_.turns.count()
            lines += [
                "   - "
                + ngettext("%(kind)s round: %(turns)s turn", "%(kind)s round: %(turns)s turns", turns)
                % {"kind": round_.get_kind_display(), "turns": turns}
            ]  # fmt: skip
        lines += _proposal_lines(item)
        lines += _selection_lines(item)
        lines += ["   - " + _("Notes:")]
        lines += [f"     {line}".rstrip() for line in item.notes.splitlines()]
        lines += [""]
    if not items:
        lines += [_("No items."), ""]
    given = ActionItem.objects.filter(meeting=meeting).select_related("owner")
    lines += [f"## {_('Action items')}", ""]
    for action in given:
        due = formats.date_format(action.due_on, "j M Y") if action.due_on else _("no date")
        lines += [f"- {action.title} ({action.owner.name}, {due})"]
    if not given:
        lines += [_("None given.")]
    return "\n".join(lines).strip() + "\n"


def _selection_lines(item: AgendaItem) -> list[str]:
    """For an item that carries a selection: the nominations and the change round once they are
    revealed (never before), each proposal with its objections, and the outcome."""
    from circlewise.selections.models import Answer, Candidate, Nomination

    selection = item.selection
    if selection is None:
        return []
    lines: list[str] = []
    if selection.is_revealed:
        for n in Nomination.objects.filter(selection=selection).select_related(
            "nominator", "nominee"
        ):
            if n.round == Nomination.Round.CHANGE and n.kept:
                continue
            template = (
                _("%(who)s nominated %(name)s: %(reason)s")
                if n.round == Nomination.Round.NOMINATION
                else _("In the change round %(who)s changed to %(name)s: %(reason)s")
            )
            lines += ["   - " + template % {
                "who": n.nominator.name, "name": n.nominee.name, "reason": " ".join(n.reason.split()),
            }]  # fmt: skip
    for candidate in Candidate.objects.filter(selection=selection).select_related("nominee"):
        lines += ["   - " + _("Proposed: %(name)s for %(months)d months (version %(version)d).") % {
            "name": candidate.nominee.name, "months": candidate.term_months,
            "version": candidate.version,
        }]  # fmt: skip
        for answer in Answer.objects.filter(candidate=candidate, consents=False).select_related(
            "person"
        ):
            lines += ["     - " + _("Objection by %(name)s: %(reason)s") % {
                "name": answer.person.name, "reason": " ".join(answer.reason.split()),
            }]  # fmt: skip
    if selection.outcome_id is not None:
        outcome = selection.outcome
        assert outcome is not None
        lines += ["   - " + _("Selected by consent: %(name)s as %(role)s, until %(end)s.") % {
            "name": outcome.holder.name, "role": selection.role.name,
            "end": formats.date_format(outcome.term_end, "j M Y"),
        }]  # fmt: skip
    return lines


def _proposal_lines(item: AgendaItem) -> list[str]:
    """For an item that carries a proposal: the decision verbatim (its version's text), or the
    step the proposal is at, and each objection with how it was stated back and integrated."""
    from circlewise.decisions.models import Decision, Objection

    from .selectors_consent import proposal_of

    proposal = proposal_of(item)
    if proposal is None:
        return []
    lines: list[str] = []
    decision = (
        Decision.objects.filter(proposal=proposal, reopened_at__isnull=True)
        .select_related("version")
        .first()
    )
    if decision is not None:
        lines += [
            "   - "
            + _("Decided by consent: “%(title)s”, version %(version)d:")
            % {"title": decision.version.title, "version": decision.version.number},
            "",
        ]
        lines += [f"     > {line}".rstrip() for line in decision.version.text.splitlines()]
        lines += [""]
    else:
        lines += [
            "   - "
            + _("Proposal “%(title)s”: %(state)s")
            % {"title": proposal.current_version.title, "state": proposal.get_state_display()}
        ]
    for objection in Objection.objects.filter(proposal=proposal).select_related("objector"):
        line = _("Objection by %(name)s to version %(version)d: %(reason)s") % {
            "name": objection.objector.name,
            "version": objection.version_number,
            "reason": " ".join(objection.reason.split()),
        }
        if objection.stated_back:
            line += " " + _("Stated back: %(text)s") % {
                "text": " ".join(objection.stated_back.split())
            }
        if objection.integrated_in_version:
            line += " " + _("Integrated in version %(version)d: %(how)s") % {
                "version": objection.integrated_in_version,
                "how": " ".join(objection.integration.split()) or _("no note"),
            }
        elif objection.status != Objection.Status.OPEN:
            line += f" ({objection.get_status_display().lower()})"
        lines += ["   - " + line]
    return lines


def ensure_draft(meeting: Meeting) -> Minutes:
    """The meeting's minutes, drafted now if there are none yet (called when it closes)."""
    found = Minutes.objects.filter(meeting=meeting).first()
    if found is not None:
        return found
    return Minutes.objects.create(meeting=meeting, text=draft_text(meeting))


def _locked(meeting: Meeting) -> Minutes:
    minutes = Minutes.objects.select_for_update(of=("self",)).filter(meeting=meeting).first()
    if minutes is None:
        raise ServiceError(
            _("This meeting has no minutes yet: they are drafted when it closes."), status=409
        )
    return minutes


def _about(meeting: Meeting) -> dict[str, Any]:
    """What every minutes event says of its meeting (names as they are now)."""
    return {
        "meeting": meeting.pk,
        "circle_name": meeting.circle.name,
        "starts_at": meeting.starts_at.isoformat(),
        "title": meeting.title,
    }


def _sha256(minutes: Minutes) -> str:
    return hashlib.sha256(minutes.text.encode()).hexdigest()


def _meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_related("circle__organisation").get(pk=meeting.pk)


@transaction.atomic
def edit_minutes(*, meeting: Meeting, actor: User, text: str) -> Minutes:
    """Write up the draft. Minutes out for consent that are changed go back to draft: the members
    consent to a text, so a new one is sent to them again (a new period)."""
    meeting = _meeting(meeting)
    permissions.require_keep_minutes(actor, meeting)
    minutes = _locked(meeting)
    if minutes.is_approved:
        raise ServiceError(_("These minutes are approved: they no longer change."), status=409)
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("The minutes cannot be empty."), field="text")
    if len(text) > LIMIT:
        raise ServiceError(_("Minutes can be at most 50,000 characters long."), field="text")
    if text == minutes.text.strip():
        return minutes
    withdrawn = minutes.is_out_for_consent
    minutes.text = text + "\n"
    minutes.edited_by = actor
    minutes.status = Minutes.Status.DRAFT
    minutes.save(update_fields=["text", "edited_by", "status"])
    ledger.append(
        organisation=meeting.circle.organisation, actor=actor, verb="minutes.edited",
        obj=minutes, circle=meeting.circle,
        payload={**_about(meeting), "withdrawn_from_consent": withdrawn},
    )  # fmt: skip
    return minutes


@transaction.atomic
def approve_minutes(*, meeting: Meeting, actor: User) -> Minutes:
    """Approve the minutes (at the end of the meeting, at the next one, or while they are out for
    consent): they are kept as they are, their hash goes to the ledger, and the circle's members
    are told and emailed them."""
    meeting = _meeting(meeting)
    permissions.require_keep_minutes(actor, meeting)
    minutes = _locked(meeting)
    if minutes.is_approved:
        raise ServiceError(_("These minutes are approved already."), status=409)
    return _approve(meeting, minutes, actor=actor)


def _approve(meeting: Meeting, minutes: Minutes, *, actor: User | None) -> Minutes:
    now = timezone.now()
    minutes.status = Minutes.Status.APPROVED
    minutes.approved_by = actor
    minutes.approved_at = now
    minutes.approved_by_consent = actor is None
    minutes.save(update_fields=["status", "approved_by", "approved_at", "approved_by_consent"])
    ledger.append(
        organisation=meeting.circle.organisation, actor=actor, verb="minutes.approved",
        obj=minutes, circle=meeting.circle, notify=member_ids(meeting.circle), occurred_at=now,
        payload={**_about(meeting), "sha256": _sha256(minutes), "by_consent": actor is None,
                 "consent_until": (minutes.consent_until.isoformat()
                                   if actor is None and minutes.consent_until else None)},
    )  # fmt: skip
    return minutes


def _days(days: object) -> int:
    if isinstance(days, bool) or not isinstance(days, int):
        days = -1
    if not SHORTEST_CONSENT <= days <= LONGEST_CONSENT:
        raise ServiceError(
            _("Give the time to object in whole days, from %(least)d to %(most)d.")
            % {"least": SHORTEST_CONSENT, "most": LONGEST_CONSENT},
            field="days",
        )
    return days


@transaction.atomic
def send_for_consent(*, meeting: Meeting, actor: User, days: int = CONSENT_DAYS) -> Minutes:
    """Send the minutes to the circle's members for lazy consent: they are told, and emailed the
    text; unless one of them objects within `days` days, they are approved when the period ends."""
    meeting = _meeting(meeting)
    permissions.require_keep_minutes(actor, meeting)
    days = _days(days)
    minutes = _locked(meeting)
    if minutes.is_approved:
        raise ServiceError(_("These minutes are approved already."), status=409)
    if minutes.is_out_for_consent:
        assert minutes.consent_until is not None
        raise ServiceError(
            _("These minutes are out for consent already, until %(date)s.")
            % {
                "date": formats.date_format(timezone.localtime(minutes.consent_until), "j F Y, H:i")
            },
            status=409,
        )
    now = timezone.now()
    minutes.status = Minutes.Status.CONSENT
    minutes.consent_round += 1
    minutes.consent_asked_at = now
    minutes.consent_asked_by = actor
    minutes.consent_until = now + dt.timedelta(days=days)
    minutes.save(
        update_fields=["status", "consent_round", "consent_asked_at", "consent_asked_by",
                       "consent_until"]
    )  # fmt: skip
    ledger.append(
        organisation=meeting.circle.organisation, actor=actor, verb="minutes.sent_for_consent",
        obj=minutes, circle=meeting.circle, notify=member_ids(meeting.circle), occurred_at=now,
        payload={**_about(meeting), "sha256": _sha256(minutes), "days": days,
                 "round": minutes.consent_round,
                 "consent_until": minutes.consent_until.isoformat()},
    )  # fmt: skip
    return minutes


@transaction.atomic
def object_to_minutes(*, meeting: Meeting, user: User, reason: str) -> MinutesObjection:
    """A member objects to the minutes out for consent, saying what is wrong or missing: they go
    back to draft, and whoever keeps them is told. (The reason stays on its row, out of the
    ledger, like the minutes' text.)"""
    meeting = _meeting(meeting)
    permissions.require_object_to_minutes(user, meeting)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Say what is wrong or missing in the minutes."), field="reason")
    if len(reason) > REASON_LIMIT:
        raise ServiceError(_("An objection can be at most 2,000 characters long."), field="reason")
    minutes = _locked(meeting)
    if minutes.is_approved:
        raise ServiceError(_("These minutes are approved: they no longer change."), status=409)
    if not minutes.is_out_for_consent:
        raise ServiceError(
            _("These minutes are not out for consent: the secretary is writing them up."),
            status=409,
        )
    assert minutes.consent_until is not None
    now = timezone.now()
    if now >= minutes.consent_until:
        raise ServiceError(
            _("The time to object ended on %(date)s.")
            % {
                "date": formats.date_format(timezone.localtime(minutes.consent_until), "j F Y, H:i")
            },
            status=409,
        )
    objection = MinutesObjection.objects.create(
        minutes=minutes, consent_round=minutes.consent_round, user=user, reason=reason,
        created_at=now,
    )  # fmt: skip
    minutes.status = Minutes.Status.DRAFT
    minutes.save(update_fields=["status"])
    keepers = {
        pk
        for pk in (meeting.secretary_id, meeting.facilitator_id, minutes.consent_asked_by_id)
        if pk is not None
    }
    ledger.append(
        organisation=meeting.circle.organisation, actor=user, verb="minutes.objected",
        obj=minutes, circle=meeting.circle, notify=sorted(keepers), occurred_at=now,
        payload={**_about(meeting), "objection": objection.pk, "round": minutes.consent_round,
                 "user": user.pk, "user_name": user.name},
    )  # fmt: skip
    return objection


def approve_by_lazy_consent(*, now: dt.datetime | None = None) -> int:
    """Approve the minutes whose period of lazy consent has ended with no objection, each in its
    own transaction (one that fails leaves the others approved). The circle's act, nobody's:
    the ledger event has no actor. Returns how many were approved; a second run approves none."""
    now = now or timezone.now()
    approved = 0
    for minutes_id in list(Minutes.objects.consent_ended(now).values_list("pk", flat=True)):
        with transaction.atomic():
            minutes = (
                Minutes.objects.select_for_update(of=("self",))
                .select_related("meeting__circle__organisation")
                .filter(pk=minutes_id)
                .first()
            )
            if (
                minutes is None
                or not minutes.is_out_for_consent
                or minutes.consent_until is None
                or minutes.consent_until > now
            ):
                continue
            _approve(minutes.meeting, minutes, actor=None)
            approved += 1
    return approved
