"""The demo organisation: Riverbend Ecovillage, built through the same services as everything else."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from circlewise.accounts.models import User

from . import services
from .models import Circle, Organisation

DEMO_PASSWORD = "circlewise-demo"  # printed on purpose: it is the demo
DEMO_SLUG = "riverbend"

PEOPLE = [
    # (name, pronouns, email local part, time zone)
    ("Ada Okafor", "she/her", "ada", "Europe/London"),
    ("Ben Hartley", "he/him", "ben", "Europe/London"),
    ("Chiara Rossi", "she/her", "chiara", "Europe/Rome"),
    ("Dev Patel", "he/him", "dev", "Europe/London"),
    ("Elif Demir", "she/her", "elif", "Europe/Istanbul"),
    ("Finn Murphy", "he/him", "finn", "Europe/Dublin"),
    ("Grace Liu", "she/her", "grace", "Europe/London"),
    ("Hugo Martin", "he/him", "hugo", "Europe/Paris"),
    ("Ines Alves", "she/her", "ines", "Europe/Lisbon"),
    ("Jonas Berg", "he/him", "jonas", "Europe/Oslo"),
    ("Kai Nakamura", "they/them", "kai", "Europe/London"),
    ("Lena Fischer", "she/her", "lena", "Europe/Berlin"),
    ("Mateo García", "he/him", "mateo", "Europe/Madrid"),
    ("Nora Walsh", "she/her", "nora", "Europe/Dublin"),
    ("Omar Haddad", "he/him", "omar", "Europe/London"),
    ("Priya Shah", "she/her", "priya", "Europe/London"),
    ("Quinn Taylor", "they/them", "quinn", "Europe/London"),
    ("Rosa Jiménez", "she/her", "rosa", "Europe/Madrid"),
    ("Sam Owusu", "he/him", "sam", "Africa/Accra"),
    ("Tara Singh", "she/her", "tara", "Asia/Kolkata"),
    ("Uma Kowalski", "she/her", "uma", "Europe/Warsaw"),
    ("Viktor Novak", "he/him", "viktor", "Europe/Prague"),
    ("Wren Ellis", "they/them", "wren", "Europe/London"),
    ("Yusuf Kaya", "he/him", "yusuf", "Europe/Istanbul"),
    ("Zoe Brennan", "she/her", "zoe", "Europe/Dublin"),
]


def email_for(local: str) -> str:
    return f"{local}@riverbend.example"


def _person(local: str) -> User:
    return User.objects.get(email=email_for(local))


def demo_exists() -> bool:
    return Organisation.objects.filter(slug=DEMO_SLUG).exists()


@transaction.atomic
def load() -> Organisation:
    """Create the demo organisation. Call only when it does not exist yet."""
    today = timezone.localdate()
    days = dt.timedelta

    password_hash = make_password(DEMO_PASSWORD)  # hashed once: the demo loads in a second
    User.objects.bulk_create(
        User(
            email=email_for(local),
            password=password_hash,
            name=name,
            pronouns=pronouns,
            timezone=tz,
        )
        for name, pronouns, local, tz in PEOPLE
    )
    ada = _person("ada")
    org = services.create_organisation(
        name="Riverbend Ecovillage",
        slug=DEMO_SLUG,
        founder=ada,
        vision="A village where people, land and water thrive together for generations.",
        mission="We live lightly on forty acres by the river: growing food, building with "
        "what the land gives, and deciding together.",
        values="Care for the land. Care for each other. Fair shares. Every voice heard.",
    )
    for _name, _pronouns, local, _tz in PEOPLE[1:]:
        services.add_org_member(
            organisation=org, user=_person(local), actor=ada, is_admin=local == "ben"
        )

    def circle(
        name: str, aim: str, domain: str, kind: str, parent: Circle | None, **kw: object
    ) -> Circle:
        return services.create_circle(
            organisation=org,
            actor=kw.pop("actor", ada),  # type: ignore[arg-type]
            name=name,
            aim=aim,
            domain=domain,
            kind=kind,
            parent=parent,
            **kw,  # type: ignore[arg-type]
        )

    mission = circle(
        "Mission Circle",
        "Hold Riverbend's long-term purpose and guard its legal and financial health.",
        "- The vision, mission and values\n- Land ownership and the legal entity\n"
        "- Long-term finance: loans, reserves, large investments",
        Circle.Kind.MISSION,
        None,
    )
    general = circle(
        "General Circle",
        "Coordinate the department circles and decide who decides.",
        "- Creating, changing and dissolving circles\n- Domains between circles\n"
        "- The yearly budget across departments",
        Circle.Kind.GENERAL,
        mission,
    )
    land = circle(
        "Land & Gardens",
        "Grow food for the village and care for the soil, orchards and woodland.",
        "- Planting plans and the seed budget\n- Orchards, polytunnels and woodland\n"
        "- Tools and the tool shed",
        Circle.Kind.DEPARTMENT,
        general,
    )
    buildings = circle(
        "Buildings & Energy",
        "Keep our homes and common buildings safe, warm and low-carbon.",
        "- Maintenance and repairs\n- Energy systems: solar, heat pumps, the wood store\n"
        "- Water and wastewater",
        Circle.Kind.DEPARTMENT,
        general,
    )
    community = circle(
        "Community Life",
        "Help people live well together: meals, celebrations, welcome and care.",
        "- Common meals and the common house\n- Welcoming visitors and new members\n"
        "- Celebrations and the calendar",
        Circle.Kind.DEPARTMENT,
        general,
    )
    finance = circle(
        "Finance",
        "Keep the village's money clear, fair and on time.",
        "- Monthly contributions and bookkeeping\n- Payments within the consented budget\n"
        "- Insurance",
        Circle.Kind.DEPARTMENT,
        general,
        visibility=Circle.Visibility.PRIVATE,
        # Private: formed by Ben, its first member; Ada, the other admin, is not in it.
        actor=_person("ben"),
        members=[_person("ben")],
    )
    solar = circle(
        "Solar Roof Project",
        "Put solar panels on the common house roof before the spring.",
        "- Choosing the installer within the agreed budget\n- The installation schedule",
        Circle.Kind.HELPING,
        buildings,
        mandate="Get three quotes, choose an installer, oversee the installation, and report to "
        "Buildings & Energy.",
        ends_on=today + days(120),
    )

    members = {
        mission: ["ada", "ben", "chiara", "dev", "elif"],
        general: ["ada", "ben", "chiara", "dev", "elif", "finn", "grace", "hugo", "ines", "jonas"],
        land: ["chiara", "finn", "kai", "lena", "mateo", "nora", "omar"],
        buildings: ["dev", "grace", "priya", "quinn", "rosa", "sam"],
        community: ["elif", "hugo", "tara", "uma", "viktor", "wren", "zoe"],
        finance: ["ben", "ines", "jonas", "yusuf"],
        solar: ["priya", "sam", "quinn"],
    }
    for c, locals_ in members.items():
        for local in locals_:
            if c.memberships.current().filter(user=_person(local)).exists():
                continue  # a first member, who joined as the circle was formed
            services.add_member(
                circle=c, user=_person(local), actor=ada, started_on=today - days(400)
            )

    # (circle, role, holder, term start offset in days, term length in days)
    roles = [
        (mission, "leader", "ada", -200, 365),
        (mission, "delegate", "ben", -300, 365),  # ends in 65 days
        (mission, "facilitator", "chiara", -340, 365),  # ends in 25 days
        (mission, "secretary", "elif", -100, 365),
        (general, "leader", "chiara", -150, 365),
        (general, "delegate", "dev", -60, 365),
        (general, "facilitator", "grace", -355, 365),  # ends in 10 days
        (general, "secretary", "hugo", -380, 365),  # expired 15 days ago
        (land, "leader", "chiara", -90, 365),
        (land, "delegate", "finn", -30, 365),
        (land, "facilitator", "kai", -200, 365),
        (land, "secretary", "lena", -120, 365),
        (buildings, "leader", "dev", -45, 365),
        (buildings, "delegate", "grace", -250, 365),
        (buildings, "facilitator", "priya", -345, 365),  # ends in 20 days
        (buildings, "secretary", "quinn", -10, 365),
        (community, "leader", "elif", -180, 365),
        (community, "delegate", "hugo", -90, 365),
        (community, "facilitator", "wren", -60, 365),
        (community, "secretary", "tara", -20, 365),
        (finance, "leader", "ben", -210, 365),
        (finance, "delegate", "ines", -40, 365),
        (finance, "facilitator", "jonas", -70, 365),
        (finance, "secretary", "yusuf", -350, 365),  # ends in 15 days
        (solar, "leader", "priya", -30, 150),
        (solar, "delegate", "sam", -30, 150),
        (solar, "facilitator", "quinn", -30, 150),
        (solar, "secretary", "sam", -30, 150),
    ]
    for c, kind, local, start, length in roles:
        role = c.roles.get(kind=kind)
        term_start = today + days(start)
        services.assign_role(
            role=role,
            holder=_person(local),
            actor=ada,
            term_start=term_start,
            term_end=term_start + days(length),
        )
    steward = services.create_role(
        circle=land,
        actor=ada,
        name="Orchard Steward",
        aim="Keep the orchards healthy and productive.",
        domain="Pruning, grafting and the orchard calendar.",
        responsibilities="Plans the pruning days; keeps the tree register; trains volunteers.",
        default_term_months=24,
    )
    services.assign_role(role=steward, holder=_person("omar"), actor=ada,
                         term_start=today - days(100), term_end=today + days(630))  # fmt: skip
    host = services.create_role(
        circle=community,
        actor=ada,
        name="Welcome Host",
        aim="Make visitors and new members feel at home.",
        responsibilities="Answers enquiries; runs the monthly open day; pairs newcomers with a buddy.",
        default_term_months=6,
    )
    services.assign_role(role=host, holder=_person("zoe"), actor=ada,
                         term_start=today - days(170), term_end=today + days(12))  # fmt: skip
    return org


def sign_ins() -> list[tuple[str, str]]:
    return [
        (email_for("ada"), "organisation admin; leads the Mission Circle"),
        (email_for("chiara"), "leads the General Circle and Land & Gardens"),
        (email_for("kai"), "facilitates Land & Gardens"),
        (email_for("zoe"), "a member of Community Life"),
    ]
