"""Browser flows in headless Chromium (Debian's `chromium`), driven by Playwright.

The Django live server runs in a thread of the test process, so tests use `transactional_db`
(the browser must see committed data). Playwright's sync API runs an event loop in this thread;
Django's async-safety check is relaxed for these tests only.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.tenancy.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(live_server):
    """Sign `user` in through the real login form."""

    def sign_in(page, user, password=PASSWORD):
        page.goto("/accounts/login/")
        page.fill("input[name=username]", user.email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")

    return sign_in


def pick(scope, label: str, search: str, option: str) -> None:
    """Choose the option containing `option` in a searchable picker (tenancy/widgets.py) as a
    user does: type into its search box, wait for the matches, select one."""
    select = scope.get_by_label(label)
    select_id = select.get_attribute("id")
    scope.locator(f'input[data-search-select="{select_id}"]').fill(search)
    match = select.locator("option", has_text=option).first
    match.wait_for(state="attached")
    select.select_option(value=match.get_attribute("value"))
