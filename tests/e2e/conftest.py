"""Browser tests: Playwright driving Debian's chromium (never a downloaded browser)."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("GRAPPE_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
                item.add_marker(
                    pytest.mark.skip(
                        reason=f"browser test: Debian's chromium not found at {CHROMIUM} (apt-get install chromium)"
                    )
                )


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Browser tests keep the real default language (French)."""
    settings.LANGUAGE_CODE = "fr"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # A French visitor: the browser asks for French, as most of the cluster's users' do.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url, locale="fr-FR")
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture
def english(browser, live_server):
    """``english()`` opens a page in a new English-speaking browser context."""

    def open_page():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url, locale="en-GB")
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
        return page

    return open_page


@pytest.fixture
def shot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        return SCREENSHOTS / f"{name}.png"

    return take
