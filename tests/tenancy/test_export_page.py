"""An org admin exports the organization's data from a page: a job with progress, then a
download. One export at a time; nobody else may start or download one."""

import io
import zipfile

import pytest

from tenancy.context import tenant_scope
from tenancy.exports import OrganizationExport
from tenancy.models import Role

pytestmark = pytest.mark.django_db


def _exports(organization):
    with tenant_scope(organization):
        return list(OrganizationExport.objects.all())


@pytest.fixture
def inline_tasks(settings):
    settings.TASKS_INLINE = True


def test_the_admin_starts_an_export_and_downloads_the_archive(
    org_a, owner, client_as, inline_tasks, django_capture_on_commit_callbacks
):
    client = client_as(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/o/alpha/settings/export/start/", {"confirm": "yes"})
    assert response.status_code == 302
    [export] = _exports(org_a)
    assert export.status == "succeeded" and export.result["tables"] > 10

    page = client.get("/o/alpha/settings/export/").content.decode()
    assert "Done" in page and 'data-testid="export-download"' in page
    download = client.get(f"/o/alpha/settings/export/{export.pk}/download/")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "manifest.json" in archive.namelist()


def test_an_export_needs_the_confirmation_box(org_a, owner, client_as, inline_tasks):
    client_as(owner).post("/o/alpha/settings/export/start/", {})
    assert _exports(org_a) == []


def test_a_second_export_waits_for_the_first(org_a, owner, client_as, settings):
    settings.TASKS_INLINE = False
    client = client_as(owner)
    client.post("/o/alpha/settings/export/start/", {"confirm": "yes"})
    response = client.post("/o/alpha/settings/export/start/", {"confirm": "yes"}, follow=True)
    assert "already being prepared" in response.content.decode()
    assert len(_exports(org_a)) == 1
    page = client.get("/o/alpha/settings/export/").content.decode()
    assert 'http-equiv="refresh"' in page  # the page follows the running job


def test_only_org_admins_export(org_a, member, make_member, client_as, inline_tasks):
    manager = make_member(org_a, Role.PROCUREMENT_MANAGER)
    for user in (member, manager):
        assert client_as(user).get("/o/alpha/settings/export/").status_code == 403
        response = client_as(user).post("/o/alpha/settings/export/start/", {"confirm": "yes"})
        assert response.status_code == 403
    assert _exports(org_a) == []


def test_a_failed_export_says_so_on_the_page(
    org_a, owner, client_as, inline_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    import tenancy.portability as portability

    def broken(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(portability, "organization_export", broken)
    with django_capture_on_commit_callbacks(execute=True):
        client_as(owner).post("/o/alpha/settings/export/start/", {"confirm": "yes"})
    [export] = _exports(org_a)
    assert export.status == "failed"
    assert export.error == (
        "The export could not be written. The details are logged for support. Try again."
    )
    assert (
        "could not be written" in client_as(owner).get("/o/alpha/settings/export/").content.decode()
    )


def test_the_export_job_stamps_its_start_and_its_end_with_the_clock_it_is_given(
    org_a, owner, settings, tmp_path
):
    from datetime import UTC, datetime

    from tenancy.portability import organization_export_request, organization_export_run

    settings.MEDIA_ROOT = tmp_path
    started, finished = (
        datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2030, 1, 2, 3, 9, tzinfo=UTC),
    )
    moments = iter([started, finished])
    with tenant_scope(org_a):
        export = organization_export_request(organization=org_a, actor=owner, now=started)
        export = organization_export_run(export_id=export.pk, clock=lambda: next(moments))
        assert (export.started_at, export.finished_at) == (started, finished)
        assert export.file.name.endswith("alpha-20300102T030405.partnerline.zip")
        with zipfile.ZipFile(export.file.open()) as archive:
            manifest = archive.read("manifest.json").decode()
    assert '"exported_at": "2030-01-02T03:04:05+00:00"' in manifest
