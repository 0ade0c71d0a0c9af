"""In the browser: a manager uploads an EDI message, follows it to the document page with its
findings and lines; the pages fit a 1280 px screen and a 390 px phone without sideways scrolling.

The browser runs in a thread of its own: Playwright's sync API allows one instance per thread,
and the session-wide one of tests/e2e may already hold the main thread.
"""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tenancy.models import Role
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, pick
from tests.integrations import samples
from tests.partnerships.factories import PartnershipFactory
from tests.tenancy.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _in_browser(base_url: str, steps):
    """Run `steps(page)` in headless Chromium, in a thread of its own; return what it returns."""

    def run():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(
                    base_url=base_url, viewport={"width": 1280, "height": 900}
                )
                context.set_default_timeout(15_000)
                return steps(context.new_page())
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _overflow(page) -> int:
    return page.evaluate(
        "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )


def test_a_manager_uploads_a_message_and_reads_its_findings_on_a_desktop_and_a_phone(
    live_server, org_a, make_member, settings, tmp_path
):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package")
    settings.TASKS_INLINE = True  # no worker beside the live server
    manager = make_member(org_a, Role.PROCUREMENT_MANAGER, email="mia@alpha.test")
    partnership = PartnershipFactory(organization=org_a, name="Drive-train alliance", owner=manager)
    message = tmp_path / "po-1001.edi"
    message.write_bytes(samples.edifact(unt_count=7))

    def steps(page):
        page.goto("/accounts/login/")
        page.fill("input[name=username]", manager.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto("/o/alpha/integrations/upload/")
        pick(page, "Partnership", "drive", "Drive-train alliance")
        page.set_input_files("input[name=file]", str(message))
        page.get_by_role("button", name="Upload and read").click()
        page.wait_for_selector("[data-testid=findings]")
        seen = {
            "status": page.get_by_test_id("document-status").inner_text(),
            "findings": page.get_by_test_id("findings").inner_text(),
            "lines": page.get_by_test_id("lines").inner_text(),
            "overflow": {},
        }
        detail = page.url
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            for url in (
                detail,
                "/o/alpha/integrations/",
                f"/o/alpha/partnerships/{partnership.pk}/integrations/",
                "/o/alpha/integrations/upload/",
            ):
                page.goto(url)
                seen["overflow"][(width, url)] = _overflow(page)
        page.goto("/o/alpha/integrations/?has_errors=1")
        seen["with_errors"] = page.get_by_test_id("edi-documents").inner_text()
        return seen

    seen = _in_browser(live_server.url, steps)
    assert "Accepted" in seen["status"]
    assert "Segment count does not match" in seen["findings"]
    assert "Torque sensor" in seen["lines"]
    assert {key: px for key, px in seen["overflow"].items() if px > 0} == {}
    assert "PO-1001" in seen["with_errors"]
