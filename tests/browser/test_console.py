"""The pages under the real Content-Security-Policy: no script errors, nothing the policy blocks
(an inline script or style attribute would be refused and logged by the browser)."""

import pytest

pytestmark = pytest.mark.browser

PAGES = [
    ("org-home", lambda site: site.org_url()),
    ("org-chart", lambda site: site.org_url("chart/")),
    ("circle-list", lambda site: site.org_url("circles/")),
    ("circle", lambda site: site.circle_url("Community Life")),
    ("role-assign", lambda site: site.assign_url("Community Life", "Secretary")),
    ("terms", lambda site: site.org_url("terms/")),
    ("notifications", lambda site: f"{site.url}/notifications/"),
]


def test_the_main_pages_run_without_errors_under_the_csp(open_page, site):
    # given ada's browser, which enforces the site's CSP
    page = open_page("ada", bypass_csp=False)
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"{page.url}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))

    # when she opens each main page
    for name, where in PAGES:
        response = page.goto(where(site))
        assert response is not None and response.status == 200, f"{name}: {response.status}"
        page.wait_for_load_state("load")

    # then the browser logged no error and blocked nothing
    assert not problems, "\n".join(problems)
