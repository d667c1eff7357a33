"""Every write to organisations, circles, memberships and roles. Each appends to the ledger."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from circlewise.accounts.models import User, hash_token
from circlewise.core import cache, ledger
from circlewise.core.errors import ServiceError

from . import permissions
from .models import (
    Circle,
    CircleMembership,
    Invitation,
    Organisation,
    OrgMembership,
    Role,
    RoleAssignment,
)

CIRCLE_ROLE_DEFAULTS: dict[str, dict[str, str]] = {
    Role.Kind.LEADER: {
        "aim": "Hold the operational overview of the circle and link it to its parent circle.",
        "responsibilities": "Chosen by the parent circle; carries the parent's aims into the "
        "circle; keeps the work moving between meetings.",
    },
    Role.Kind.DELEGATE: {
        "aim": "Carry the circle's view into the parent circle.",
        "responsibilities": "Chosen by the circle; a full member of the parent circle; "
        "reports back both ways.",
    },
    Role.Kind.FACILITATOR: {
        "aim": "Run meetings so that every voice is heard.",
        "responsibilities": "Prepares and facilitates meetings; holds the rounds; guards the "
        "consent process.",
    },
    Role.Kind.SECRETARY: {
        "aim": "Keep the circle's records and memory.",
        "responsibilities": "Takes and publishes minutes; tracks terms and review dates that "
        "fall due; keeps the backlog.",
    },
}


def _today() -> dt.date:
    return timezone.localdate()


def _members_of(circle: Circle) -> list[int]:
    return list(circle.memberships.current().values_list("user_id", flat=True))


def _org_admins(organisation: Organisation) -> list[int]:
    return list(
        organisation.memberships.current().filter(is_admin=True).values_list("user_id", flat=True)
    )


def _unique_slug(base: str, taken: Iterable[str]) -> str:
    base = slugify(base)[:50] or "circle"
    taken_set = set(taken)
    slug, n = base, 2
    while slug in taken_set:
        slug = f"{base}-{n}"
        n += 1
    return slug


# Organisations -----------------------------------------------------------------------------


@transaction.atomic
def create_organisation(
    *,
    name: str,
    slug: str = "",
    founder: User,
    vision: str = "",
    mission: str = "",
    values: str = "",
) -> Organisation:
    name = name.strip()
    if not name:
        raise ServiceError(_("An organisation needs a name."), field="name")
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ServiceError(_("Choose a short name made of letters and digits."), field="slug")
    if Organisation.objects.filter(slug=slug).exists():
        raise ServiceError(_("That short name is already taken."), field="slug")
    org = Organisation.objects.create(
        name=name, slug=slug, vision=vision, mission=mission, values=values
    )
    OrgMembership.objects.create(organisation=org, user=founder, is_admin=True)
    ledger.append(
        organisation=org, actor=founder, verb="organisation.created", obj=org,
        payload={"name": name, "founder": founder.pk, "founder_name": founder.name},
    )  # fmt: skip
    cache.nav_changed_on_commit([founder.pk])
    return org


@transaction.atomic
def update_organisation(
    *, organisation: Organisation, actor: User, **fields: str | bool
) -> Organisation:
    allowed = {"name", "vision", "mission", "values", "plain_words"}
    changes: dict[str, Any] = {}
    for key, value in fields.items():
        if key not in allowed:
            raise ServiceError(_("Unknown field: %(field)s") % {"field": key})
        if key == "plain_words":
            if not isinstance(value, bool):
                raise ServiceError(_("Choose yes or no."), field=key)
        else:
            value = str(value).strip()
        if key == "name" and not value:
            raise ServiceError(_("An organisation needs a name."), field="name")
        if getattr(organisation, key) != value:
            setattr(organisation, key, value)
            changes[key] = value
    if changes:
        organisation.save(update_fields=list(changes))
        ledger.append(
            organisation=organisation, actor=actor, verb="organisation.updated", obj=organisation,
            payload={"fields": sorted(changes), "name": organisation.name},
        )  # fmt: skip
        if "name" in changes:  # the switcher shows it: every member's navigation moves
            cache.nav_changed_on_commit(
                OrgMembership.objects.current()
                .filter(organisation=organisation)
                .values_list("user_id", flat=True)
            )
    return organisation


@transaction.atomic
def add_org_member(
    *, organisation: Organisation, user: User, actor: User | None, is_admin: bool = False
) -> OrgMembership:
    existing = OrgMembership.objects.current().filter(organisation=organisation, user=user).first()
    if existing is not None:
        return existing
    membership = OrgMembership.objects.create(
        organisation=organisation, user=user, is_admin=is_admin
    )
    ledger.append(
        organisation=organisation, actor=actor, verb="organisation.member_joined", obj=membership,
        payload={"user": user.pk, "user_name": user.name, "is_admin": is_admin},
        notify=_org_admins(organisation),
    )  # fmt: skip
    cache.nav_changed_on_commit([user.pk])
    return membership


@transaction.atomic
def set_org_admin(
    *, organisation: Organisation, user: User, is_admin: bool, actor: User
) -> OrgMembership:
    membership = (
        OrgMembership.objects.current().filter(organisation=organisation, user=user).first()
    )
    if membership is None:
        raise ServiceError(
            _("%(name)s is not a member of this organisation.") % {"name": user.name}
        )
    if not is_admin and membership.is_admin and len(_org_admins(organisation)) <= 1:
        raise ServiceError(_("An organisation needs at least one admin."))
    membership.is_admin = is_admin
    membership.save(update_fields=["is_admin"])
    ledger.append(
        organisation=organisation, actor=actor, verb="organisation.admin_changed", obj=membership,
        payload={"user": user.pk, "user_name": user.name, "is_admin": is_admin},
        notify=[user.pk],
    )  # fmt: skip
    cache.nav_changed_on_commit([user.pk])
    return membership


@transaction.atomic
def remove_org_member(*, organisation: Organisation, user: User, actor: User) -> OrgMembership:
    membership = (
        OrgMembership.objects.current().filter(organisation=organisation, user=user).first()
    )
    if membership is None:
        raise ServiceError(
            _("%(name)s is not a member of this organisation.") % {"name": user.name}
        )
    if membership.is_admin and len(_org_admins(organisation)) <= 1:
        raise ServiceError(_("An organisation needs at least one admin."))
    for cm in (
        CircleMembership.objects.current()
        .filter(circle__organisation=organisation, user=user)
        .select_related("circle")
    ):
        end_membership(circle=cm.circle, user=user, actor=actor)
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    ledger.append(
        organisation=organisation, actor=actor, verb="organisation.member_removed", obj=membership,
        payload={"user": user.pk, "user_name": user.name},
    )  # fmt: skip
    cache.nav_changed_on_commit([user.pk])
    return membership


# Invitations -------------------------------------------------------------------------------


@transaction.atomic
def invite(
    *, organisation: Organisation, email: str, actor: User, make_admin: bool = False
) -> tuple[Invitation, str]:
    """Create an invitation; returns it with the raw token, which is never stored."""
    email = email.strip().lower()
    if not email or "@" not in email:
        raise ServiceError(_("Enter a valid email address."), field="email")
    if (
        OrgMembership.objects.current()
        .filter(organisation=organisation, user__email=email)
        .exists()
    ):
        raise ServiceError(_("%(email)s is already a member.") % {"email": email}, field="email")
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        token_hash=hash_token(raw),
        invited_by=actor,
        make_admin=make_admin,
        expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_DAYS),
    )
    # The email address stays out of the ledger: only who invited, and whether as admin.
    ledger.append(
        organisation=organisation, actor=actor, verb="invitation.sent", obj=invitation,
        payload={"make_admin": make_admin},
    )  # fmt: skip
    return invitation, raw


def find_invitation(raw: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=hash_token(raw))
        .first()
    )


@transaction.atomic
def accept_invitation(*, raw_token: str, user: User) -> OrgMembership:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organisation")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )
    if invitation is None:
        raise ServiceError(_("This invitation link is not valid."), status=404)
    if invitation.accepted_at is not None:
        raise ServiceError(_("This invitation has already been used."), status=410)
    if invitation.revoked_at is not None:
        raise ServiceError(_("This invitation was withdrawn."), status=410)
    if invitation.expires_at <= timezone.now():
        raise ServiceError(_("This invitation has expired. Ask for a new one."), status=410)
    if user.email.lower() != invitation.email.lower():
        raise ServiceError(
            _("This invitation was sent to another email address. Sign in as %(email)s.")
            % {"email": invitation.email},
            status=403,
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return add_org_member(
        organisation=invitation.organisation, user=user, actor=user, is_admin=invitation.make_admin
    )


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, actor: User) -> Invitation:
    if invitation.accepted_at is not None:
        raise ServiceError(_("This invitation has already been used."), status=409)
    if invitation.revoked_at is not None:
        raise ServiceError(_("This invitation was already withdrawn."), status=409)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    ledger.append(
        organisation=invitation.organisation, actor=actor, verb="invitation.revoked",
        obj=invitation, payload={},
    )  # fmt: skip
    return invitation


# Circles -----------------------------------------------------------------------------------


def _check_parent(circle: Circle | None, parent: Circle | None, organisation: Organisation) -> None:
    if parent is None:
        return
    if parent.organisation_id != organisation.pk:
        raise ServiceError(
            _("The parent circle must belong to the same organisation."), field="parent"
        )
    if parent.is_archived:
        raise ServiceError(_("An archived circle cannot be a parent."), field="parent")
    if circle is None or circle.pk is None:
        return
    node: Circle | None = parent
    seen: set[int] = set()
    while node is not None:
        if node.pk == circle.pk:
            raise ServiceError(
                _("%(parent)s is inside %(circle)s, so it cannot also be its parent.")
                % {"parent": parent.name, "circle": circle.name},
                field="parent",
            )
        if node.pk in seen:
            break
        seen.add(node.pk)
        node = node.parent


def _validate_circle_fields(*, name: str, aim: str, kind: str, ends_on: dt.date | None) -> None:
    if not name.strip():
        raise ServiceError(_("A circle needs a name."), field="name")
    if not aim.strip():
        raise ServiceError(_("A circle needs an aim: what it does."), field="aim")
    if kind not in Circle.Kind.values:
        raise ServiceError(_("Unknown kind of circle."), field="kind")
    if ends_on is not None and kind != Circle.Kind.HELPING:
        raise ServiceError(_("Only a helping circle has an end date."), field="ends_on")


@transaction.atomic
def create_circle(
    *,
    organisation: Organisation,
    actor: User | None,
    name: str,
    aim: str,
    kind: str = Circle.Kind.DEPARTMENT,
    parent: Circle | None = None,
    domain: str = "",
    mandate: str = "",
    ends_on: dt.date | None = None,
    visibility: str = Circle.Visibility.OPEN,
    slug: str = "",
    members: Iterable[User] = (),
) -> Circle:
    """Form a circle with its four circle roles and its first `members`, who join it through
    add_member. A private circle is seen by its members alone, so whoever forms one is among
    them: otherwise nobody who could look after it would see it."""
    _validate_circle_fields(name=name, aim=aim, kind=kind, ends_on=ends_on)
    if visibility not in Circle.Visibility.values:
        raise ServiceError(_("Unknown visibility."), field="visibility")
    first_members = list({m.pk: m for m in members}.values())
    if (
        visibility == Circle.Visibility.PRIVATE
        and actor is not None
        and actor.pk not in {m.pk for m in first_members}
    ):
        raise ServiceError(
            _(
                "A private circle is seen only by its members: keep yourself among its first "
                "members, or you could not see it or add anyone to it."
            ),
            field="members",
        )
    _check_parent(None, parent, organisation)
    taken = Circle.objects.filter(organisation=organisation).values_list("slug", flat=True)
    circle = Circle.objects.create(
        organisation=organisation,
        parent=parent,
        name=name.strip(),
        slug=_unique_slug(slug or name, taken),
        kind=kind,
        aim=aim.strip(),
        domain=domain.strip(),
        mandate=mandate.strip(),
        ends_on=ends_on,
        visibility=visibility,
    )
    for kind_value in Role.CIRCLE_ROLES:
        Role.objects.create(
            circle=circle,
            kind=kind_value,
            name=str(Role.Kind(kind_value).label),
            aim=CIRCLE_ROLE_DEFAULTS[kind_value]["aim"],
            responsibilities=CIRCLE_ROLE_DEFAULTS[kind_value]["responsibilities"],
        )
    notify = _members_of(parent) if parent is not None and not circle.is_private else []
    # Feeds are read by everyone who can see the new circle: a private parent stays unnamed.
    parent_name = parent.name if parent is not None and not parent.is_private else None
    ledger.append(
        organisation=organisation, actor=actor, verb="circle.created", obj=circle, circle=circle,
        payload={"name": circle.name, "kind": kind, "parent": parent.pk if parent else None,
                 "parent_name": parent_name, "visibility": visibility},
        notify=notify,
    )  # fmt: skip
    for person in first_members:
        try:
            add_member(circle=circle, user=person, actor=actor)
        except ServiceError as error:
            raise ServiceError(error.text, field="members", status=error.status) from None
    return circle


CIRCLE_EDITABLE = ("name", "aim", "domain", "kind", "mandate", "ends_on", "visibility", "parent")


@transaction.atomic
def update_circle(*, circle: Circle, actor: User, **fields: Any) -> Circle:
    circle = Circle.objects.select_for_update().get(pk=circle.pk)
    if circle.is_archived:
        raise ServiceError(_("An archived circle cannot be changed."), status=409)
    changes: dict[str, Any] = {}
    for key, value in fields.items():
        if key not in CIRCLE_EDITABLE:
            raise ServiceError(_("Unknown field: %(field)s") % {"field": key})
        if isinstance(value, str):
            value = value.strip()
        if getattr(circle, key) != value:
            changes[key] = value
    if not changes:
        return circle
    if circle.has_ended and "ends_on" in changes:
        raise ServiceError(
            _(
                "This helping circle has ended. Extending its mandate is its parent circle's "
                "decision: propose it there."
            ),
            field="ends_on",
            status=409,
        )
    new = {k: changes.get(k, getattr(circle, k)) for k in CIRCLE_EDITABLE}
    _validate_circle_fields(
        name=new["name"], aim=new["aim"], kind=new["kind"], ends_on=new["ends_on"]
    )
    if new["visibility"] not in Circle.Visibility.values:
        raise ServiceError(_("Unknown visibility."), field="visibility")
    if "parent" in changes:
        _check_parent(circle, changes["parent"], circle.organisation)
    # The parent it moves away from no longer lists it.
    left = [circle.parent] if "parent" in changes and circle.parent is not None else []
    for key, value in changes.items():
        setattr(circle, key, value)
    circle.save(update_fields=list(changes))
    payload: dict[str, Any] = {"name": circle.name, "fields": sorted(changes)}
    if "parent" in changes:
        payload["parent"] = circle.parent_id
        payload["parent_name"] = (
            circle.parent.name if circle.parent and not circle.parent.is_private else None
        )
    ledger.append(
        organisation=circle.organisation, actor=actor, verb="circle.updated", obj=circle,
        circle=circle, payload=payload, notify=_members_of(circle), touches=left,
    )  # fmt: skip
    return circle


@transaction.atomic
def archive_circle(*, circle: Circle, actor: User) -> Circle:
    circle = Circle.objects.select_for_update().get(pk=circle.pk)
    if circle.is_archived:
        raise ServiceError(_("This circle is already archived."), status=409)
    if circle.children.filter(archived_at__isnull=True).exists():
        raise ServiceError(_("Archive or move its sub-circles first."), status=409)
    today = _today()
    for assignment in RoleAssignment.objects.current().filter(role__circle=circle):
        assignment.ended_on = today
        assignment.save(update_fields=["ended_on"])
    circle.archived_at = timezone.now()
    circle.save(update_fields=["archived_at"])
    ledger.append(
        organisation=circle.organisation, actor=actor, verb="circle.archived", obj=circle,
        circle=circle, payload={"name": circle.name}, notify=_members_of(circle),
    )  # fmt: skip
    return circle


# Memberships -------------------------------------------------------------------------------


@transaction.atomic
def add_member(
    *, circle: Circle, user: User, actor: User | None, started_on: dt.date | None = None
) -> CircleMembership:
    if circle.is_archived:
        raise ServiceError(_("An archived circle cannot take new members."), status=409)
    if (
        not OrgMembership.objects.current()
        .filter(organisation=circle.organisation, user=user)
        .exists()
    ):
        raise ServiceError(
            _("%(name)s is not a member of this organisation.") % {"name": user.name}, field="user"
        )
    if CircleMembership.objects.current().filter(circle=circle, user=user).exists():
        raise ServiceError(
            _("%(name)s is already a member of %(circle)s.")
            % {"name": user.name, "circle": circle.name},
            field="user",
            status=409,
        )
    try:
        with transaction.atomic():
            membership = CircleMembership.objects.create(
                circle=circle, user=user, started_on=started_on or _today()
            )
    except IntegrityError as exc:
        raise ServiceError(
            _("%(name)s is already a member.") % {"name": user.name}, status=409
        ) from exc
    ledger.append(
        organisation=circle.organisation, actor=actor, verb="circle.member_added", obj=membership,
        circle=circle, payload={"user": user.pk, "user_name": user.name, "circle_name": circle.name},
        notify=[user.pk, *_members_of(circle)],
    )  # fmt: skip
    return membership


# What other apps do, in the same transaction, when someone leaves a circle (decisions: open
# consent rounds stop waiting for them). Each app registers its hook in AppConfig.ready().
MEMBERSHIP_ENDED: list[Callable[[Circle, User, User], None]] = []


@transaction.atomic
def end_membership(
    *, circle: Circle, user: User, actor: User, ended_on: dt.date | None = None
) -> CircleMembership:
    membership = (
        CircleMembership.objects.current()
        .select_for_update()
        .filter(circle=circle, user=user)
        .first()
    )
    if membership is None:
        raise ServiceError(
            _("%(name)s is not a member of %(circle)s.")
            % {"name": user.name, "circle": circle.name},
            status=404,
        )
    ended_on = ended_on or _today()
    for assignment in (
        RoleAssignment.objects.current()
        .filter(role__circle=circle, holder=user)
        .select_related("role")
    ):
        _end_assignment(assignment, actor=actor, ended_on=ended_on, reason="membership_ended")
    membership.ended_on = ended_on
    membership.save(update_fields=["ended_on"])
    ledger.append(
        organisation=circle.organisation, actor=actor, verb="circle.member_removed", obj=membership,
        circle=circle, payload={"user": user.pk, "user_name": user.name, "circle_name": circle.name},
        notify=[user.pk],
    )  # fmt: skip
    for hook in MEMBERSHIP_ENDED:
        hook(circle, user, actor)
    return membership


# Roles and terms ---------------------------------------------------------------------------


@transaction.atomic
def create_role(
    *,
    circle: Circle,
    actor: User,
    name: str,
    aim: str = "",
    domain: str = "",
    responsibilities: str = "",
    default_term_months: int = 12,
) -> Role:
    if circle.is_archived:
        raise ServiceError(_("An archived circle cannot take new roles."), status=409)
    if not name.strip():
        raise ServiceError(_("A role needs a name."), field="name")
    if not 1 <= default_term_months <= 60:
        raise ServiceError(_("A term lasts between 1 and 60 months."), field="default_term_months")
    role = Role.objects.create(
        circle=circle,
        kind=Role.Kind.CUSTOM,
        name=name.strip(),
        aim=aim.strip(),
        domain=domain.strip(),
        responsibilities=responsibilities.strip(),
        default_term_months=default_term_months,
    )
    ledger.append(
        organisation=circle.organisation, actor=actor, verb="role.created", obj=role, circle=circle,
        payload={"role_name": role.name, "circle_name": circle.name},
    )  # fmt: skip
    return role


@transaction.atomic
def update_role(*, role: Role, actor: User, **fields: Any) -> Role:
    allowed = {"name", "aim", "domain", "responsibilities", "qualifications", "default_term_months"}
    changes: dict[str, Any] = {}
    for key, value in fields.items():
        if key not in allowed:
            raise ServiceError(_("Unknown field: %(field)s") % {"field": key})
        if isinstance(value, str):
            value = value.strip()
        if getattr(role, key) != value:
            changes[key] = value
    if "name" in changes and not changes["name"]:
        raise ServiceError(_("A role needs a name."), field="name")
    if "name" in changes and role.is_circle_role:
        raise ServiceError(_("The four circle roles keep their names."), field="name")
    if "default_term_months" in changes and not 1 <= int(changes["default_term_months"]) <= 60:
        raise ServiceError(_("A term lasts between 1 and 60 months."), field="default_term_months")
    if not changes:
        return role
    for key, value in changes.items():
        setattr(role, key, value)
    role.save(update_fields=list(changes))
    ledger.append(
        organisation=role.circle.organisation, actor=actor, verb="role.updated", obj=role,
        circle=role.circle, payload={"role_name": role.name, "fields": sorted(changes)},
    )  # fmt: skip
    return role


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError("unreachable")


def link_problems_for_assignment(
    role: Role, holder: User, circle: Circle, *, reader: User | None = None
) -> list[str]:
    """What would break the sociocratic invariants if `holder` took `role`, in words for
    `reader`: a private parent circle they may not see is not named."""
    problems: list[str] = []
    if role.kind in (Role.Kind.LEADER, Role.Kind.DELEGATE):
        other = Role.Kind.DELEGATE if role.kind == Role.Kind.LEADER else Role.Kind.LEADER
        if (
            RoleAssignment.objects.current()
            .filter(role__circle=circle, role__kind=other, holder=holder)
            .exists()
        ):
            problems.append(
                _(
                    "%(name)s is this circle's %(other)s; the leader and the delegate must be "
                    "two different people."
                )
                % {"name": holder.name, "other": Role.Kind(other).label.lower()}
            )
        parent = circle.parent
        if (
            parent is not None
            and not CircleMembership.objects.current().filter(circle=parent, user=holder).exists()
        ):
            if reader is not None and not permissions.can_view_circle_now(reader, parent):
                problems.append(
                    _(
                        "%(name)s is not a member of the parent circle, which is private. The "
                        "leader and the delegate link the two circles, so they belong to both: "
                        "its members can add them first."
                    )
                    % {"name": holder.name}
                )
                return problems
            problems.append(
                _(
                    "%(name)s is not a member of the parent circle, %(parent)s. The leader and the "
                    "delegate link the two circles, so they belong to both: add them to "
                    "%(parent)s first."
                )
                % {"name": holder.name, "parent": parent.name}
            )
    return problems


@transaction.atomic
def assign_role(
    *,
    role: Role,
    holder: User,
    actor: User,
    term_start: dt.date | None = None,
    term_end: dt.date | None = None,
) -> RoleAssignment:
    role = (
        Role.objects.select_for_update(of=("self",))
        .select_related("circle__organisation", "circle__parent")
        .get(pk=role.pk)
    )
    circle = role.circle
    if circle.is_archived or role.archived_at is not None:
        raise ServiceError(_("This role can no longer be filled."), status=409)
    if (
        not OrgMembership.objects.current()
        .filter(organisation=circle.organisation, user=holder)
        .exists()
    ):
        raise ServiceError(
            _("%(name)s is not a member of this organisation.") % {"name": holder.name},
            field="holder",
        )
    term_start = term_start or _today()
    term_end = term_end or add_months(term_start, role.default_term_months)
    if term_end <= term_start:
        raise ServiceError(_("The term must end after it starts."), field="term_end")
    problems = link_problems_for_assignment(role, holder, circle, reader=actor)
    if problems:
        raise ServiceError(" ".join(problems), field="holder")
    if not CircleMembership.objects.current().filter(circle=circle, user=holder).exists():
        add_member(circle=circle, user=holder, actor=actor, started_on=min(term_start, _today()))
    # A new term for the same person renews theirs, in any role: one current term each. A circle
    # role also has one holder at a time, so the new term ends anyone else's.
    previous_terms = RoleAssignment.objects.current().filter(role=role).select_related("holder")
    if not role.is_circle_role:
        previous_terms = previous_terms.filter(holder=holder)
    renewed: RoleAssignment | None = None
    for previous in previous_terms:
        reason = "renewed" if previous.holder_id == holder.pk else "replaced"
        _end_assignment(previous, actor=actor, ended_on=min(term_start, _today()), reason=reason)
        if reason == "renewed":
            renewed = previous
    assignment = RoleAssignment.objects.create(
        role=role, holder=holder, term_start=term_start, term_end=term_end
    )
    ledger.append(
        organisation=circle.organisation, actor=actor, verb="role.assigned", obj=assignment,
        circle=circle,
        payload={"role": role.pk, "role_name": role.name, "role_kind": role.kind,
                 "holder": holder.pk, "holder_name": holder.name, "circle_name": circle.name,
                 "term_start": term_start.isoformat(), "term_end": term_end.isoformat(),
                 "renews": renewed.pk if renewed is not None else None},
        notify=[holder.pk, *_members_of(circle)],
    )  # fmt: skip
    return assignment


# What other apps do, in the same transaction, when a term ends, with its reason ("renewed",
# "replaced", "ended", "stepped_down", "membership_ended"). Decisions: a renewal or a new holder settles the
# term's "term ending" backlog item. Each app registers its hook in AppConfig.ready().
TERM_ENDED: list[Callable[[RoleAssignment, User, str], None]] = []


def _end_assignment(
    assignment: RoleAssignment, *, actor: User, ended_on: dt.date, reason: str, note: str = ""
) -> RoleAssignment:
    # A term that ran out ended on its own last day, whenever someone acted on it: the role's
    # history shows each term as it was. (An expired term still counts until then; the ledger
    # records when the act happened.)
    assignment.ended_on = min(ended_on, assignment.term_end)
    assignment.save(update_fields=["ended_on"])
    role = assignment.role
    ledger.append(
        organisation=role.circle.organisation, actor=actor, verb="role.ended", obj=assignment,
        circle=role.circle,
        payload={"role": role.pk, "role_name": role.name, "holder": assignment.holder_id,
                 "holder_name": assignment.holder.name, "reason": reason,
                 "ended_on": assignment.ended_on.isoformat(), **({"note": note} if note else {})},
        notify=[assignment.holder_id],
    )  # fmt: skip
    for hook in TERM_ENDED:
        hook(assignment, actor, reason)
    return assignment


@transaction.atomic
def end_assignment(
    *, assignment: RoleAssignment, actor: User, reason: str = "ended", note: str = ""
) -> RoleAssignment:
    assignment = (
        RoleAssignment.objects.select_for_update()
        .select_related("role__circle__organisation", "holder")
        .get(pk=assignment.pk)
    )
    if assignment.ended_on is not None:
        raise ServiceError(_("This term has already ended."), status=409)
    return _end_assignment(assignment, actor=actor, ended_on=_today(), reason=reason, note=note)
