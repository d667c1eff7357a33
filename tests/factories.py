"""Test data, built through the services wherever the building is itself behaviour."""

from __future__ import annotations

import datetime as dt
import itertools

from circlewise.accounts.models import User
from circlewise.circles import services
from circlewise.circles.models import Circle, Organisation, Role, RoleAssignment

_counter = itertools.count(1)


def make_user(
    name: str | None = None,
    *,
    email: str | None = None,
    password: str = "correct horse battery",
    **extra: object,
) -> User:
    n = next(_counter)
    name = name or f"Person {n}"
    email = email or f"{name.lower().replace(' ', '.')}.{n}@example.org"
    return User.objects.create_user(email=email, password=password, name=name, **extra)


def make_org(
    name: str = "Willow Ecovillage", *, founder: User | None = None, slug: str = ""
) -> Organisation:
    founder = founder or make_user("Founder")
    return services.create_organisation(
        name=name, slug=slug or f"org-{next(_counter)}", founder=founder
    )


def admin_of(org: Organisation) -> User:
    return org.memberships.filter(is_admin=True, ended_at__isnull=True).first().user  # type: ignore[union-attr]


def join(org: Organisation, user: User | None = None, **kwargs: object) -> User:
    user = user or make_user(**kwargs)  # type: ignore[arg-type]
    services.add_org_member(organisation=org, user=user, actor=admin_of(org))
    return user


def make_circle(
    org: Organisation, name: str = "Garden", *, parent: Circle | None = None, **kwargs: object
) -> Circle:
    """A circle formed by the organisation's admin; a private one with the admin as its first
    member, as the service requires (end that membership to leave the admin outside it)."""
    admin = admin_of(org)
    if kwargs.get("visibility") == Circle.Visibility.PRIVATE:
        kwargs.setdefault("members", [admin])
    return services.create_circle(
        organisation=org,
        actor=admin,
        name=name,
        aim=f"{name} does its work.",
        parent=parent,
        **kwargs,  # type: ignore[arg-type]
    )


def add(circle: Circle, *users: User) -> None:
    for user in users:
        services.add_member(circle=circle, user=user, actor=admin_of(circle.organisation))


def give_role(
    circle: Circle,
    kind: str,
    holder: User,
    *,
    term_start: dt.date | None = None,
    term_end: dt.date | None = None,
) -> RoleAssignment:
    role = circle.roles.get(kind=kind)
    return services.assign_role(
        role=role,
        holder=holder,
        actor=admin_of(circle.organisation),
        term_start=term_start,
        term_end=term_end,
    )


def role(circle: Circle, kind: str = Role.Kind.FACILITATOR) -> Role:
    return circle.roles.get(kind=kind)
