"""The API's shapes for organisations, circles, memberships, roles and terms.

Output schemas read model instances (ninja resolves attributes and `resolve_*` methods); input
schemas list exactly what a client may send. Patch inputs are read with `exclude_unset`, so a field
left out is left alone, and sending null for a field that cannot be empty is a validation error.
"""

import datetime as dt
from typing import Any, ClassVar, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ValidationInfo, field_validator

from circlewise.core.api_auth import viewer_of
from circlewise.core.inputs import Text

from .models import Circle, CircleMembership, Organisation, Role, RoleAssignment
from .permissions import can_admin_organisation

CircleKind = Literal["mission", "general", "department", "helping"]
CircleVisibility = Literal["open", "private"]


class PatchIn(Schema):
    """A partial update: fields left out are left alone; null only where `nullable` says."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError(_("This field cannot be null: leave it out to keep it as it is."))
        return value


class PersonOut(Schema):
    id: int
    name: str
    pronouns: str


# Organisations -----------------------------------------------------------------------------


class OrganisationOut(Schema):
    id: int
    slug: str
    name: str
    vision: str
    mission: str
    values: str
    plain_words: bool = Field(
        description="Whether its pages and emails use plain words instead of sociocratic terms."
    )
    created_at: dt.datetime
    is_admin: bool = Field(description="Whether you are an admin of this organisation.")

    @staticmethod
    def resolve_is_admin(obj: Organisation, context: Any) -> bool:
        request = context["request"] if context else None
        return can_admin_organisation(viewer_of(request), obj)


class OrganisationPatchIn(PatchIn):
    name: str | None = Field(None, min_length=1, max_length=120)
    vision: Text | None = None
    mission: Text | None = None
    values: Text | None = None
    plain_words: bool | None = None


class OrgMemberOut(Schema):
    user: PersonOut
    is_admin: bool
    started_at: dt.datetime


class InvitationIn(Schema):
    email: str = Field(..., max_length=254, description="Who to invite.")
    make_admin: bool = False


class InvitationOut(Schema):
    id: int
    email: str
    make_admin: bool
    created_at: dt.datetime
    expires_at: dt.datetime
    accepted_at: dt.datetime | None
    revoked_at: dt.datetime | None


class InvitationCreatedOut(InvitationOut):
    accept_url: str = Field(
        description="The link to send to the person invited. Shown only this once."
    )


# Circles -----------------------------------------------------------------------------------


class CircleOut(Schema):
    id: int
    organisation: str = Field(description="The organisation's short name (slug).")
    slug: str
    name: str
    kind: CircleKind
    visibility: CircleVisibility
    parent_id: int | None
    aim: str
    domain: str
    mandate: str
    ends_on: dt.date | None
    created_at: dt.datetime
    archived_at: dt.datetime | None
    is_archived: bool
    ended_at: dt.datetime | None = Field(
        description="When a helping circle ended (its end date passed): it then takes no new "
        "proposals, rounds or backlog items until its parent circle extends its mandate."
    )

    @staticmethod
    def resolve_organisation(obj: Circle) -> str:
        return obj.organisation.slug


class CircleCreateIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    aim: Text = Field(..., min_length=1, description="What the circle does.")
    kind: CircleKind = "department"
    parent_id: int | None = None
    domain: Text = Field("", description="What the circle decides. Markdown is allowed.")
    mandate: Text = Field("", description="For a helping circle: what it was set up to do.")
    ends_on: dt.date | None = Field(None, description="For a helping circle: when it ends.")
    visibility: CircleVisibility = "open"
    slug: str = Field("", max_length=60, description="Made from the name when left out.")
    member_ids: list[int] | None = Field(
        None,
        description="Its first members (people of the organisation), who join as it is formed; "
        "you alone when left out. A private circle must count you among them.",
    )


class CirclePatchIn(PatchIn):
    nullable = frozenset({"ends_on", "parent_id"})

    name: str | None = Field(None, min_length=1, max_length=120)
    aim: Text | None = Field(None, min_length=1)
    domain: Text | None = None
    kind: CircleKind | None = None
    mandate: Text | None = None
    ends_on: dt.date | None = None
    visibility: CircleVisibility | None = None
    parent_id: int | None = Field(None, description="null moves the circle to the top.")


class CircleMemberIn(Schema):
    user_id: int


class CircleMemberOut(Schema):
    user: PersonOut
    started_on: dt.date
    ended_on: dt.date | None


BREAKS_LINKS = (
    "The double links this broke, in words (a circle you may not see is not named): the person "
    "was the leader or the delegate of a circle, and that circle or its parent has lost them."
)


def _breaks_links(obj: Any) -> list[str]:
    found: list[str] = getattr(obj, "breaks_links", [])
    return found


class CircleMembershipEndedOut(CircleMemberOut):
    """The membership that ended, and what that broke (set by circles.api)."""

    breaks_links: list[str] = Field(description=BREAKS_LINKS)

    @staticmethod
    def resolve_breaks_links(obj: CircleMembership) -> list[str]:
        return _breaks_links(obj)


# Roles and terms ---------------------------------------------------------------------------


class AssignmentOut(Schema):
    id: int
    role_id: int
    role_name: str
    circle_id: int
    circle_name: str
    holder: PersonOut
    term_start: dt.date
    term_end: dt.date
    ended_on: dt.date | None
    status: Literal["current", "ending", "expired", "ended"]
    days_left: int = Field(description="Days until the term ends; negative once it has.")

    @staticmethod
    def resolve_role_name(obj: RoleAssignment) -> str:
        return obj.role.name

    @staticmethod
    def resolve_circle_id(obj: RoleAssignment) -> int:
        return obj.role.circle_id

    @staticmethod
    def resolve_circle_name(obj: RoleAssignment) -> str:
        return obj.role.circle.name

    @staticmethod
    def resolve_status(obj: RoleAssignment) -> str:
        return str(obj.status().value)

    @staticmethod
    def resolve_days_left(obj: RoleAssignment) -> int:
        return obj.days_left()


class AssignmentEndedOut(AssignmentOut):
    """The term that ended, and what that broke (set by circles.api)."""

    breaks_links: list[str] = Field(description=BREAKS_LINKS)

    @staticmethod
    def resolve_breaks_links(obj: RoleAssignment) -> list[str]:
        return _breaks_links(obj)


def current_assignments(role: Role) -> list[RoleAssignment]:
    """A role's current holders: prefetched as `current_assignments` where the list is long."""
    prefetched: list[RoleAssignment] | None = getattr(role, "current_assignments", None)
    if prefetched is not None:
        return prefetched
    return list(
        role.assignments.current().select_related("holder", "role__circle").order_by("term_start")
    )


class RoleOut(Schema):
    id: int
    circle_id: int
    kind: Literal["leader", "delegate", "facilitator", "secretary", "custom"]
    name: str
    aim: str
    domain: str
    responsibilities: str
    default_term_months: int
    is_circle_role: bool
    holders: list[AssignmentOut] = Field(description="The current holders and their terms.")

    @staticmethod
    def resolve_holders(obj: Role) -> list[RoleAssignment]:
        return current_assignments(obj)


class RoleDetailOut(RoleOut):
    history: list[AssignmentOut] = Field(description="Every term of this role, newest first.")

    @staticmethod
    def resolve_history(obj: Role) -> list[RoleAssignment]:
        return list(
            obj.assignments.select_related("holder", "role__circle").order_by("-term_start", "-id")
        )


class CircleDetailOut(CircleOut):
    """Read from a circle the API has given a `detail` dict (see circles.api._circle_detail)."""

    roles: list[RoleOut]
    link_warnings: list[str] = Field(
        description="Problems with the double link: the leader and delegate being one person, "
        "or not belonging to the parent circle."
    )
    can_edit: bool = Field(description="Whether you may change this circle.")
    can_archive: bool = Field(description="Whether you may archive this circle.")

    @staticmethod
    def resolve_roles(obj: Circle) -> list[Role]:
        roles: list[Role] = obj.detail["roles"]  # type: ignore[attr-defined]
        return roles

    @staticmethod
    def resolve_link_warnings(obj: Circle) -> list[str]:
        warnings: list[str] = obj.detail["link_warnings"]  # type: ignore[attr-defined]
        return warnings

    @staticmethod
    def resolve_can_edit(obj: Circle) -> bool:
        return bool(obj.detail["can_edit"])  # type: ignore[attr-defined]

    @staticmethod
    def resolve_can_archive(obj: Circle) -> bool:
        return bool(obj.detail["can_archive"])  # type: ignore[attr-defined]


class RoleCreateIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    aim: Text = ""
    domain: Text = ""
    responsibilities: Text = ""
    default_term_months: int = Field(12, ge=1, le=60)


class RolePatchIn(PatchIn):
    name: str | None = Field(None, min_length=1, max_length=120)
    aim: Text | None = None
    domain: Text | None = None
    responsibilities: Text | None = None
    default_term_months: int | None = Field(None, ge=1, le=60)


class AssignmentIn(Schema):
    holder_id: int
    term_start: dt.date | None = Field(None, description="Today when left out.")
    term_end: dt.date | None = Field(
        None, description="The role's default term after the start when left out."
    )
