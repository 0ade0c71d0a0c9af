"""The audit log viewer (filters, CSV export, chain status) and the organization's settings."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tenancy.audit import audit_record
from tenancy.context import tenant_scope
from tenancy.db.base import owner_mode
from tenancy.models import AuditEvent, Organization

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def events(org_a, owner, member):
    with tenant_scope(org_a):
        return [
            audit_record(action="contracts.agreement.approved", actor=owner, changes={"n": 1}),
            audit_record(action="partnerships.partner.created", actor=member, changes={"n": 2}),
        ]


def test_an_admin_filters_the_log_by_user_and_action(owner, member, events, client_as):
    client = client_as(owner)
    page = client.get("/o/alpha/settings/audit/", {"user": member.email})
    assert [e.action for e in page.context["page"]] == ["partnerships.partner.created"]
    page = client.get("/o/alpha/settings/audit/", {"action": "agreement.approved"})
    assert [e.action for e in page.context["page"]] == ["contracts.agreement.approved"]
    assert "chain intact" in page.content.decode()


def test_the_log_exports_as_csv_with_the_same_filters(owner, events, client_as):
    response = client_as(owner).get("/o/alpha/settings/audit/export.csv", {"action": "partner"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["action"] for r in rows] == ["partnerships.partner.created"]


def test_a_broken_chain_is_shown_as_broken(owner, org_a, events, client_as):
    # An attacker with superuser rights bypasses the trigger and edits the first event.
    with owner_mode(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE tenancy_auditevent SET action = 'tampered' WHERE id = %s", [events[0].pk]
        )
        cursor.execute("SET LOCAL session_replication_role = origin")
    with tenant_scope(org_a):
        audit_record(action="tests.after.tampering")  # a new event: the cached status is stale
    page = client_as(owner).get("/o/alpha/settings/audit/").content.decode()
    assert "chain broken" in page


def test_the_log_shows_actions_and_changes_in_words_never_their_codes(org_a, owner, client_as):
    with tenant_scope(org_a):
        audit_record(
            action="contracts.clause.redline",
            actor=owner,
            changes={
                "decision": ["pending", "redline"],
                "parameters": [{"cap_multiple": "0.5"}, {"cap_multiple": "2"}],
                "owner": [None, {"id": 7, "label": "Dana Buyer"}],
                "red_lines_waived": True,
            },
        )
        audit_record(action="governance.change_request.approved", actor=owner)
    page = client_as(owner).get("/o/alpha/settings/audit/").content.decode()
    assert ">Redline proposed<" in page and ">Change request approved<" in page
    assert "Parameters: cap multiple: 0.5 → cap multiple: 2" in page
    assert "Owner: — → Dana Buyer" in page and "Red lines waived: yes" in page
    assert "{&#x27;" not in page and "[&#x27;" not in page  # no Python text


def test_an_action_reads_from_its_code_unless_its_module_words_it():
    from tenancy.audit import action_label, changes_text

    assert action_label("contracts.clause.redline_agreed") == "Redline agreed by the partner"
    assert action_label("tenancy.api_key.revoked") == "Api key revoked"
    assert action_label("exit_planning.trigger.fired") == "Trigger fired"
    assert action_label("login") == "Login"
    assert changes_text({"notice_period_days": [None, 90], "note": ""}) == [
        ("Notice period days", "— → 90"),
        ("Note", "—"),
    ]
    # A pair is [before, after] (the trail's convention); a longer list is listed.
    assert changes_text({"tags": ["a", "b", "c"], "flag": False}) == [
        ("Tags", "a, b, c"),
        ("Flag", "no"),
    ]
    # An amount recorded as text gets its separators; integers (a year, a count) do not.
    assert changes_text({"payout": ["5040.00", "-12500.5"], "year": 2030, "ref": "1234"}) == [
        ("Payout", "5,040.00 → -12,500.5"),
        ("Year", "2030"),
        ("Ref", "1234"),
    ]


def test_the_audit_log_is_for_org_admins_only(member, client_as):
    assert client_as(member).get("/o/alpha/settings/audit/").status_code == 403
    assert client_as(member).get("/o/alpha/settings/audit/export.csv").status_code == 403


def test_the_log_page_needs_a_fixed_number_of_queries(
    owner, org_a, client_as, django_assert_max_num_queries
):
    with tenant_scope(org_a):
        for i in range(30):
            audit_record(action=f"tests.step{i}", actor=owner)
    client = client_as(owner)
    client.get("/o/alpha/settings/audit/")  # warm the chain-status cache
    with django_assert_max_num_queries(14):
        assert client.get("/o/alpha/settings/audit/").status_code == 200


def test_an_admin_changes_name_currency_time_zone_and_logo(owner, org_a, client_as):
    response = client_as(owner).post(
        "/o/alpha/settings/organization/",
        {
            "name": "Alpha Industries plc",
            "default_currency": "gbp",
            "time_zone": "Europe/London",
            "logo": SimpleUploadedFile("logo.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    organization = Organization.objects.get(pk=org_a.pk)
    assert (organization.name, organization.default_currency, organization.time_zone) == (
        "Alpha Industries plc",
        "GBP",
        "Europe/London",
    )
    assert organization.logo.name.endswith(".png")
    with tenant_scope(org_a):
        event = AuditEvent.objects.get(action="tenancy.organization.settings_changed")
    assert event.changes["default_currency"] == ["EUR", "GBP"]


def test_a_logo_that_is_not_an_image_is_a_field_error(owner, client_as):
    response = client_as(owner).post(
        "/o/alpha/settings/organization/",
        {
            "name": "Alpha",
            "default_currency": "EUR",
            "time_zone": "UTC",
            "logo": SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", "image/png"),
        },
    )
    assert response.status_code == 200
    assert "logo" in response.context["form"].errors


def test_an_unknown_time_zone_is_a_field_error(owner, client_as):
    response = client_as(owner).post(
        "/o/alpha/settings/organization/",
        {"name": "Alpha", "default_currency": "EUR", "time_zone": "Mars/Olympus"},
    )
    assert "time_zone" in response.context["form"].errors


def test_the_logo_appears_in_pdfs_as_an_inline_image(owner, org_a, client_as):
    from django.template import Context, Template

    client_as(owner).post(
        "/o/alpha/settings/organization/",
        {
            "name": "Alpha",
            "default_currency": "EUR",
            "time_zone": "UTC",
            "logo": SimpleUploadedFile("logo.png", PNG, content_type="image/png"),
        },
    )
    organization = Organization.objects.get(pk=org_a.pk)
    html = Template("{% load organization_logo %}{% organization_logo org %}").render(
        Context({"org": organization})
    )
    assert 'src="data:image/png;base64,' in html
    assert (
        Template("{% load organization_logo %}{% organization_logo org %}").render(
            Context({"org": org_a})
        )
        == ""
    )


def test_the_csv_export_neutralises_spreadsheet_formulas(owner, org_a, client_as):
    with tenant_scope(org_a):
        audit_record(action="tests.csv", actor_label="=cmd|' /C calc'!A0", changes={"n": 1})
    response = client_as(owner).get("/o/alpha/settings/audit/export.csv", {"action": "tests.csv"})
    row = next(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert row["actor_label"] == "'=cmd|' /C calc'!A0"
    assert row["changes"] == '{"n": 1}'  # JSON, not Python's repr


def test_the_csv_export_says_what_happened_in_words_beside_the_codes(owner, org_a, client_as):
    with tenant_scope(org_a):
        audit_record(
            action="governance.change_request.approved",
            changes={"status": ["submitted", "approved"], "reason": "Budget agreed"},
        )
    response = client_as(owner).get(
        "/o/alpha/settings/audit/export.csv", {"action": "change_request.approved"}
    )
    row = next(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert row["action"] == "governance.change_request.approved"
    assert row["what_happened"] == "Change request approved"
    assert row["changes_in_words"] == "Reason: Budget agreed; Status: submitted → approved"
