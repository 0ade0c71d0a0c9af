"""In the browser: a manager uploads an EDI message, follows it to the document page with its
findings and lines; the pages fit a 1280 px screen and a 390 px phone without sideways scrolling."""

import pytest

from tenancy.models import Role
from tests.e2e.conftest import browser, login, page  # noqa: F401 - fixtures of the browser tests
from tests.integrations import samples
from tests.partnerships.factories import PartnershipFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _overflow(page) -> int:  # noqa: F811
    return page.evaluate(
        "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )


def test_a_manager_uploads_a_message_and_reads_its_findings_on_a_desktop_and_a_phone(
    page,  # noqa: F811
    login,  # noqa: F811
    org_a,
    make_member,
    settings,
    tmp_path,
):
    settings.INTEGRATIONS_TASKS_INLINE = True  # no worker beside the live server
    manager = make_member(org_a, Role.PROCUREMENT_MANAGER, email="mia@alpha.test")
    partnership = PartnershipFactory(organization=org_a, name="Drive-train alliance", owner=manager)
    message = tmp_path / "po-1001.edi"
    message.write_bytes(samples.edifact(unt_count=7))
    login(page, manager)
    page.goto("/o/alpha/integrations/upload/")
    page.select_option("select[name=partnership]", str(partnership.pk))
    page.set_input_files("input[name=file]", str(message))
    page.get_by_role("button", name="Upload and read").click()
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("[data-testid=findings]")
    assert "Accepted" in page.get_by_test_id("document-status").inner_text()
    assert "Segment count does not match" in page.get_by_test_id("findings").inner_text()
    assert "Torque sensor" in page.get_by_test_id("lines").inner_text()
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
            assert _overflow(page) <= 0, f"{url} scrolls sideways at {width} px"
    page.goto("/o/alpha/integrations/?has_errors=1")
    assert "PO-1001" in page.get_by_test_id("edi-documents").inner_text()
