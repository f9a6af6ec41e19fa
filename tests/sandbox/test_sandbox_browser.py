"""The sandbox in a real headless browser (Debian's Chromium, driven by Playwright): the
incident story played as a new user would, by typing and clicking. Screenshots of the main
screens are kept in tests/artefacts/ (the README's pictures in docs/ are copies).

Skipped with a reason where Chromium is missing, except where SITREP_REQUIRE_BROWSER=1
(as in .ci/run, which installs it): there a missing browser fails the run."""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.sandbox.conftest import RunningSandbox

ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"
expect.set_options(timeout=30_000)  # the bot answers after real HTTP round trips


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "Chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("SITREP_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def shot(page: Page, name: str) -> None:
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTEFACTS / f"sandbox-{name}.png")


def send(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name=re.compile("^Message"))
    box.fill(text)
    box.press("Enter")


def test_an_incident_is_played_through_in_the_browser(sandbox: RunningSandbox, page: Page) -> None:
    page.goto(sandbox.url)
    expect(page.get_by_role("note")).to_contain_text("Nothing here reaches Slack")

    send(page, "/incident declare sev2 Checkout API returning 500s")
    expect(page.locator("#live")).to_contain_text("INC-2026-")
    room = page.get_by_role("navigation").get_by_role("link", name=re.compile("inc-.*checkout"))
    expect(room).to_be_visible()
    room.click()

    live = page.locator("#live")
    expect(live).to_contain_text("Checkout API returning 500s")
    send(page, "Rolled back v42, error rate falling")
    expect(live).to_contain_text("Rolled back v42, error rate falling")
    shot(page, "incident-channel")

    page.get_by_role("button", name="Mitigated", exact=True).first.click()
    expect(live).to_contain_text(re.compile("mitigated", re.IGNORECASE))

    send(page, "/incident resolve permanent Rolled back the bad deploy")
    expect(live).to_contain_text(re.compile("resolved", re.IGNORECASE))

    send(page, "/incident postmortem")
    canvas = page.locator("#live").get_by_role("link", name=re.compile("📝"))
    expect(canvas.first).to_be_visible()
    canvas.first.click()
    expect(page.locator("article.canvas")).to_contain_text("Checkout API returning 500s")
    shot(page, "postmortem-canvas")

    # The announcement was posted where everyone sees declarations.
    page.goto(sandbox.url + "?channel=C_INCIDENTS")
    expect(page.locator("#live")).to_contain_text("Checkout API returning 500s")


def test_the_declare_form_opens_as_a_modal_and_its_submission_opens_the_channel(
    sandbox: RunningSandbox, page: Page
) -> None:
    page.goto(sandbox.url + "?user=U_BOB")
    send(page, "/incident declare")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    shot(page, "declare-form")
    dialog.get_by_label(re.compile("^Title")).fill("Search results are empty")
    dialog.get_by_label(re.compile("^Severity")).select_option(value="sev3")
    dialog.get_by_role("button", name=re.compile("Declare")).click()
    expect(dialog).to_have_count(0)
    room = page.get_by_role("navigation").get_by_role("link", name=re.compile("search-results"))
    expect(room).to_be_visible()


def test_the_home_tab_shows_the_persons_incidents_and_action_items(
    sandbox: RunningSandbox, page: Page
) -> None:
    page.goto(sandbox.url + "?user=U_CAROL")
    send(page, "/incident declare sev3 Slow image uploads")
    expect(page.locator("#live")).to_contain_text("INC-2026-")
    page.get_by_role("navigation").get_by_role("link", name=re.compile("Home")).click()
    home = page.locator("#live section.home")
    expect(home).to_contain_text("Slow image uploads")
    expect(home).to_contain_text("/incident declare sev2 <title>")
    expect(home).to_contain_text("🚨")  # Slack's :rotating_light:, as Slack shows it
    expect(page.get_by_role("heading", level=1)).to_have_text("Sitrep: Home")
    shot(page, "home-tab")


def test_the_stats_chart_is_shown_as_an_image(sandbox: RunningSandbox, page: Page) -> None:
    page.goto(sandbox.url)
    send(page, "/incident declare sev2 Payments failing")
    expect(page.locator("#live")).to_contain_text("INC-2026-")
    send(page, "/incident stats 30d")
    chart = page.locator("#live img[src^='/sandbox/files/']")
    expect(chart.first).to_be_visible()
    # Loaded and decoded by the browser: a real PNG served by the page, not a broken image.
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 100", arg=chart.first.element_handle()
    )
    expect(chart.first).to_have_attribute("alt", re.compile(r"\w"))
    shot(page, "stats-chart")


def test_the_demo_data_button_loads_past_incidents(sandbox: RunningSandbox, page: Page) -> None:
    page.goto(sandbox.url)
    page.get_by_role("button", name="Load demo data").click()
    # Loading plays some thirty incidents through the bot: it takes a while.
    expect(page).to_have_url(re.compile("channel=C_INCIDENTS"), timeout=180_000)
    live = page.locator("#live")
    expect(live).to_contain_text("Checkout API returning 500s")
    expect(live).to_contain_text("Orders database replica lag")
    send(page, "/incident search certificate")
    expect(live).to_contain_text("Login failures after SSO certificate rotation")
    shot(page, "demo-search")
