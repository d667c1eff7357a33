"""axe-core on the main pages, on a desktop and on a phone: no serious or critical violations."""

import pytest

from .conftest import DESKTOP, PHONE, axe_violations, describe_violations, screenshot

pytestmark = pytest.mark.browser


# (name, who looks, where): chiara has notifications from the demo's changes (ada made them).
def _meeting(site, slug: str) -> int:
    """The circle's first meeting in the demo."""
    import sqlite3

    with sqlite3.connect(site.db_path) as db:
        row = db.execute(
            "SELECT m.id FROM meetings_meeting m JOIN circles_circle c ON c.id = m.circle_id "
            "WHERE c.slug = ? AND m.status = 'planned' ORDER BY m.starts_at LIMIT 1",
            (slug,),
        ).fetchone()
    return int(row[0])


def _held(site) -> int:
    """The meeting Community Life held in the demo."""
    import sqlite3

    with sqlite3.connect(site.db_path) as db:
        row = db.execute("SELECT id FROM meetings_meeting WHERE status = 'held' LIMIT 1").fetchone()
    return int(row[0])


def _review(site, step: str) -> int:
    """The demo's role review at this step (completed: Chiara's; went_well: Kai's)."""
    import sqlite3

    with sqlite3.connect(site.db_path) as db:
        row = db.execute("SELECT id FROM reviews_review WHERE step = ?", (step,)).fetchone()
    return int(row[0])


def _selection(site, role: str) -> int:
    """The demo's selection for this role (Seed Librarian: completed; Welcome Host: open)."""
    import sqlite3

    with sqlite3.connect(site.db_path) as db:
        row = db.execute(
            "SELECT s.id FROM selections_selection s JOIN circles_role r ON r.id = s.role_id "
            "WHERE r.name = ? ORDER BY s.id LIMIT 1",
            (role,),
        ).fetchone()
    return int(row[0])


PAGES = [
    ("sign-in", None, lambda site: f"{site.url}/accounts/login/"),
    ("org-home", "ada", lambda site: site.org_url()),
    ("org-chart", "ada", lambda site: site.org_url("chart/")),
    ("circle-list", "ada", lambda site: site.org_url("circles/")),
    ("circle", "ada", lambda site: site.circle_url("Land & Gardens")),
    ("role-assign", "ada", lambda site: site.assign_url("Land & Gardens", "Secretary")),
    ("terms", "ada", lambda site: site.org_url("terms/")),
    ("notifications", "chiara", lambda site: f"{site.url}/notifications/"),
    ("meeting", "kai", lambda site: site.org_url(f"meetings/{_meeting(site, 'land-gardens')}/")),
    (
        "meeting-room",
        "kai",
        lambda site: site.org_url(f"meetings/{_meeting(site, 'land-gardens')}/room/"),
    ),
    # a meeting Community Life held: how the speaking was shared; its minutes; their search
    ("meeting-held", "zoe", lambda site: site.org_url(f"meetings/{_held(site)}/")),
    ("minutes", "zoe", lambda site: site.org_url(f"meetings/{_held(site)}/minutes/")),
    ("minutes-search", "zoe", lambda site: site.org_url("minutes/search/?q=opening")),
    ("terms-timeline", "ada", lambda site: site.org_url("terms/timeline/")),
    # role reviews: a completed one read by its focus person; one under way, for its reviewer
    ("review", "chiara", lambda site: site.org_url(f"reviews/{_review(site, 'completed')}/")),
    ("review-open", "kai", lambda site: site.org_url(f"reviews/{_review(site, 'went_well')}/")),
    ("my-reviews", "kai", lambda site: site.org_url("reviews/")),
    # selections: a completed one with its grid; one under way, for a member yet to nominate
    (
        "selection",
        "kai",
        lambda site: site.org_url(f"selections/{_selection(site, 'Seed Librarian')}/"),
    ),
    (
        "selection-open",
        "zoe",
        lambda site: site.org_url(f"selections/{_selection(site, 'Welcome Host')}/"),
    ),
    ("selections", "kai", lambda site: site.org_url("selections/")),
    (
        "selection-start",
        "kai",
        lambda site: site.circle_url(
            "Land & Gardens",
            f"roles/{site.roles[(site.circles['Land & Gardens'], 'Orchard Steward')]}/selection/",
        ),
    ),
]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
@pytest.mark.parametrize(("name", "who", "where"), PAGES, ids=[p[0] for p in PAGES])
def test_the_page_has_no_serious_accessibility_violations(
    axe_source, open_page, site, name, who, where, viewport
):
    # given the page, as someone who may see it
    page = open_page(who, viewport=viewport)
    response = page.goto(where(site))
    assert response is not None and response.status == 200, (
        f"{name} answered {response and response.status}"
    )

    # when axe-core checks it
    violations = axe_violations(page, axe_source)

    # then nothing serious or critical is found
    screenshot(page, f"axe-{name}-{viewport['width']}")
    assert not violations, (
        f"{name} at {viewport['width']}x{viewport['height']}:\n" + describe_violations(violations)
    )


@pytest.mark.parametrize(
    ("name", "who", "where"),
    [p for p in PAGES if p[0] in ("sign-in", "org-home", "circle", "role-assign")],
    ids=["sign-in", "org-home", "circle", "role-assign"],
)
def test_the_dark_theme_has_no_serious_accessibility_violations(
    axe_source, open_page, site, name, who, where
):
    # given the page in the dark theme (prefers-color-scheme: dark), on a phone
    page = open_page(who, viewport=PHONE, color_scheme="dark")
    response = page.goto(where(site))
    assert response is not None and response.status == 200

    # when axe-core checks it (contrast above all)
    violations = axe_violations(page, axe_source)

    # then nothing serious or critical is found
    screenshot(page, f"axe-dark-{name}-390")
    assert not violations, f"{name} in the dark theme:\n" + describe_violations(violations)
