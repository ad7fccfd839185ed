"""axe-core finds no serious or critical violation on any page that the cast reaches by links
from the home page, in English and in Arabic; and no page is wider than a phone's screen."""

from collections import Counter
from urllib.parse import urldefrag, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.urls import Resolver404, resolve
from django.utils import translation
from playwright.sync_api import Browser, Page, expect

from tests.conftest import PASSWORD
from tracking import services
from tracking.models import Report, Submission

pytestmark = pytest.mark.browser

# The anonymous visitor, then every role of the named cast (the provider early: the pages it
# shares with others are checked only a few times in all, and only it reaches its forms).
ROLES = [None, "unodc-provider", "tjk-focal", "tjk-coordinator", "tjk-viewer", "secretariat"]
# Files, fragments and logout rather than pages; and Django's admin, which is not ours.
NOT_PAGES = {
    "tracking:evidence_download",
    "tracking:report_download",
    "tracking:actions_csv",
    "tracking:actions_xlsx",
    "tracking:workbook_download",
    "tracking:reports_fragment",
    "declarations:import_fragment",
    "public:data_csv",
    "public:data_json",
    "public:evidence_download",
    "logout",
}
# The pages of one route share their markup and differ by their records and by what the role
# may do: the first two of each route for each role, and three in all, are enough.
PER_ROUTE_AND_ROLE = 2
PER_ROUTE = 3
# Phone-sized: wide tables scroll here, and a scroll region must be reachable by keyboard.
VIEWPORT = {"width": 375, "height": 800}
SERIOUS = {"serious", "critical"}

axe = Axe()


def _route(url: str, origin: str) -> str | None:
    """The route name of a page of ours worth checking, or None."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    try:
        name = resolve(parts.path).view_name
    except Resolver404:
        return None
    if name in NOT_PAGES or name.startswith("admin:"):
        return None
    return name


def _log_in(page: Page, origin: str, username: str) -> None:
    page.goto(origin + "/accounts/login/")
    with translation.override(page.locator("html").get_attribute("lang")):
        labels = {name: str(field.label) for name, field in AuthenticationForm().fields.items()}
    page.get_by_label(labels["username"]).fill(username)
    page.get_by_label(labels["password"]).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_label(labels["password"]).press("Enter")


def _violations(page: Page, who: str) -> list[str]:
    """axe-core's serious and critical findings on the page, one line per element."""
    found = []
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in SERIOUS:
            found += [
                f"{violation['impact']} {violation['id']} on {page.url} as {who}: "
                f"{' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}"
                for node in violation["nodes"]
            ]
    return found


def _too_wide(page: Page, who: str) -> list[str]:
    """WCAG's reflow: only a table's own scroll region may be wider than the screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= VIEWPORT["width"]:
        return []
    return [f"reflow on {page.url} as {who}: the page is {width} px wide on a phone"]


def _crawl(page: Page, origin: str, who: str, checked: Counter) -> tuple[list[str], list[str]]:
    """Checks every page reachable by links from home; returns the pages and the violations."""
    queue, seen, mine = [origin + "/"], set(), Counter()
    pages, violations = [], []
    while queue:
        url = queue.pop(0)
        route = _route(url, origin)
        if url in seen or route is None:
            continue
        seen.add(url)
        home = len(seen) == 1  # every role's crawl starts there, whatever the caps
        if not home and (mine[route] >= PER_ROUTE_AND_ROLE or checked[route] >= PER_ROUTE):
            continue
        response = page.goto(url)
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        mine[route] += 1
        checked[route] += 1
        pages.append(page.url)
        violations += _violations(page, who) + _too_wide(page, who)
        links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        queue += [urldefrag(link).url for link in links]
    return pages, violations


@pytest.fixture
def reports(records, declaration, cycle, tjk_focal, secretariat) -> None:
    """A finished and a failed report, so that the reports page lists both kinds; and 2026
    published, with Kazakhstan's submission approved, so that the public pages are crawled."""
    for user, state in [(tjk_focal, Report.State.SUCCEEDED), (secretariat, Report.State.FAILED)]:
        Report.objects.create(
            requested_by=user, declaration=declaration, cycle=cycle, format="xlsx", state=state
        )
    kazakh = Submission.objects.get(participant__code="KAZ", cycle=cycle)
    kazakh.state = Submission.State.APPROVED
    kazakh.save()
    services.cycle_publish(cycle=cycle, user=secretariat, licence="CC BY 4.0", licence_url="")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_no_page_reached_by_links_has_a_serious_accessibility_violation(
    browser: Browser,
    live_server,
    records,
    reports,
    tjk_coordinator,
    tjk_viewer,
    provider,
    language,
):
    origin, checked = live_server.url, Counter()
    # Until the app offers the language, its pages are in English.
    spoken = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    pages, violations = [], []
    for username in ROLES:
        # One context per role, in the language its browser asks for. bypass_csp: axe-core's
        # script is evaluated in pages whose policy allows only the app's own scripts.
        context = browser.new_context(locale=language, viewport=VIEWPORT, bypass_csp=True)
        page = context.new_page()
        if username:
            _log_in(page, origin, username)
        found_pages, found = _crawl(page, origin, username or "anonymous", checked)
        expect(page.locator("html")).to_have_attribute("lang", spoken)
        pages += found_pages
        violations += found
        context.close()

    # The crawl reached the pages of every role: the login page, the forms, the matrix.
    assert any("/accounts/login/" in url for url in pages)
    assert any("/paragraphs/" in url and url.endswith("/assessment/") for url in pages)
    assert any(url.endswith("/tracking/matrix/") for url in pages)
    assert any("/tracking/assistance/offers/new/" in url for url in pages)
    assert any("/public/" in url and "/participants/KAZ/" in url for url in pages)
    assert len(pages) >= 50, pages
    assert not violations, f"{len(violations)} violations on {len(pages)} pages:\n" + "\n".join(
        violations
    )
