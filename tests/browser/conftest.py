"""Browser tests: Playwright drives Debian's Chromium (no browser download here) against a live server,
axe-core checks each page for WCAG 2.2 A/AA violations, and any Content-Security-Policy violation fails the test."""

import os
import shutil
from pathlib import Path

import pytest

from ..identity_provider import provider_for, switch_on

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
AXE_JS = (Path(__file__).parent / "axe.min.js").read_text()
# Chromium's own background calls fail on this closed network; these flags keep it quiet and quick.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def _playwright_browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls our tests make around it are
    # ordinary synchronous calls, so Django's async-safety guard does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def csp_violations():
    """The Content-Security-Policy violations Chromium reports in a test; a test that leaves any here fails."""
    violations: list[str] = []
    yield violations
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def new_page(_playwright_browser, live_server, csp_violations):
    """Opens a page in a fresh browser context (keyword arguments as for Browser.new_context). Chromium logs every
    CSP violation as a console error, so listening to the console catches them on every page the test visits."""
    contexts = []

    def _new_page(**options):
        context = _playwright_browser.new_context(base_url=live_server.url, locale="en-GB", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: _record_csp_violation(message, page, csp_violations))
        return page

    yield _new_page
    # Closing is a round trip to the browser, so console messages it sent before are heard first.
    for context in contexts:
        context.close()


def _record_csp_violation(message, page, violations: list[str]):
    if message.type == "error" and "Content Security Policy" in message.text:
        violations.append(f"{page.url}: {message.text}")


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def sign_in(page):
    def _sign_in(email: str, password: str = "correct-horse-battery"):
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    return _sign_in


@pytest.fixture
def fill_date(page):
    """Types a date into the NHS.UK date input whose legend is `legend`: fill_date("Due date", date(2027, 3, 31))."""

    def _fill(legend: str, day):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))

    return _fill


# What page.evaluate raises when the page it runs in is replaced under it: a click starts a navigation and returns,
# and the old document can be torn down while axe walks it.
NAVIGATED_AWAY = ("Execution context was destroyed", "reading 'documentElement'", "axe is not defined")


@pytest.fixture
def axe_violations(page):
    """Runs axe-core on the current page for WCAG 2.0/2.1/2.2 A and AA rules; returns the violations. If a navigation
    a click started replaces the page while axe runs, it waits for the new page to load and runs again there."""
    from playwright.sync_api import Error

    def _run():
        for attempt in range(3):
            page.wait_for_load_state("load")
            try:
                # Not add_script_tag: that inserts an inline <script>, which the page's CSP rightly blocks.
                # Playwright's evaluate runs over the DevTools protocol, which CSP does not govern.
                page.evaluate(AXE_JS)
                result = page.evaluate(
                    """async () => await axe.run(document, {runOnly: {type: 'tag',
                        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']}})"""
                )
                break
            except Error as error:
                if attempt == 2 or not any(sign in error.message for sign in NAVIGATED_AWAY):
                    raise
        return [
            f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
        ]

    return _run


@pytest.fixture
def meeting_today(db):
    """A forum meeting today with one agenda item, "Discharge letters", and the forum's representative
    rep@example.nhs.uk (Dr Rhea Representative, a group member)."""
    from django.utils import timezone

    from members.models import GroupRole

    from ..factories import (
        AgendaItemFactory,
        ForumFactory,
        GroupRoleFactory,
        MeetingFactory,
        RepresentativeFactory,
        UserFactory,
    )

    rep = UserFactory(email="rep@example.nhs.uk", full_name="Dr Rhea Representative")
    GroupRoleFactory(user=rep, role=GroupRole.Role.MEMBER)
    forum = ForumFactory(name="Acute trust interface group")
    RepresentativeFactory(forum=forum, user=rep)
    meeting = MeetingFactory(forum=forum, held_on=timezone.localdate(), created_by=rep)
    AgendaItemFactory(meeting=meeting, title="Discharge letters", position=1)
    return meeting


@pytest.fixture(scope="session")
def live_identity_provider(live_server):
    """A real OpenID Connect provider standing in for NHSmail, sending people back to the live server."""
    yield from provider_for(live_server.url)


@pytest.fixture
def nhsmail(settings, live_identity_provider):
    """NHSmail sign-in switched on against the test provider, for the browser."""
    return switch_on(settings, live_identity_provider)
