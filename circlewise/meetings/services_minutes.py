"""A meeting's minutes: drafted from the meeting when it closes, written up by its secretary (or
whoever keeps its agenda), approved, then kept as they are. Approving them appends their SHA-256
to the ledger (the text itself stays out of it), and the circle's members are told."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.core import ledger
from circlewise.core.errors import ServiceError

from . import permissions
from .models import ActionItem, AgendaItem, Attendance, Meeting, Minutes, Round
from .services import member_ids

LIMIT = 50_000


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
            lines += [
                "   - "
                + _("%(kind)s round: %(turns)s turns") % {
                    "kind": round_.get_kind_display(), "turns": round_.turns.count()
                }
            ]  # fmt: skip
        lines += _proposal_lines(item)
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


@transaction.atomic
def edit_minutes(*, meeting: Meeting, actor: User, text: str) -> Minutes:
    meeting = Meeting.objects.select_related("circle__organisation").get(pk=meeting.pk)
    permissions.require_run_room(actor, meeting)
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
    minutes.text = text + "\n"
    minutes.edited_by = actor
    minutes.save(update_fields=["text", "edited_by"])
    ledger.append(
        organisation=meeting.circle.organisation, actor=actor, verb="minutes.edited",
        obj=minutes, circle=meeting.circle,
        payload={"meeting": meeting.pk, "circle_name": meeting.circle.name,
                 "starts_at": meeting.starts_at.isoformat(), "title": meeting.title},
    )  # fmt: skip
    return minutes


@transaction.atomic
def approve_minutes(*, meeting: Meeting, actor: User) -> Minutes:
    """Approve the minutes (at the end of the meeting, or after): they are kept as they are, their
    hash goes to the ledger, and the circle's members are told."""
    meeting = Meeting.objects.select_related("circle__organisation").get(pk=meeting.pk)
    permissions.require_run_room(actor, meeting)
    minutes = _locked(meeting)
    if minutes.is_approved:
        raise ServiceError(_("These minutes are approved already."), status=409)
    minutes.status = Minutes.Status.APPROVED
    minutes.approved_by = actor
    minutes.approved_at = timezone.now()
    minutes.save(update_fields=["status", "approved_by", "approved_at"])
    ledger.append(
        organisation=meeting.circle.organisation, actor=actor, verb="minutes.approved",
        obj=minutes, circle=meeting.circle, notify=member_ids(meeting.circle),
        payload={"meeting": meeting.pk, "circle_name": meeting.circle.name,
                 "starts_at": meeting.starts_at.isoformat(), "title": meeting.title,
                 "sha256": hashlib.sha256(minutes.text.encode()).hexdigest()},
    )  # fmt: skip
    return minutes
