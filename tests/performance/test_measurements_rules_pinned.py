"""Measurement rules pinned against the mutants that survived `make mutation` (docs/mutation.md):
which months take a figure, which values are plausible and how a typed value is read, every
refusal in the user's words, what a recorded, reviewed, corrected or deleted figure stores, its
audit event and notification, which scorecards are recomputed, and the rows of a file import
(through its job) and of an API push (their lines, duplicates and all-or-nothing rule)."""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from partnerships.models import Partnership
from performance import services
from performance.models import Measurement, Scorecard
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError
from tenancy.models import AuditEvent, Notification, Role
from tests.partnerships.factories import PartnershipFactory
from tests.performance.factories import TODAY, KpiFactory, MeasurementFactory
from tests.performance.importing import created, import_file, row_errors

pytestmark = pytest.mark.django_db

MARCH = date(2025, 3, 1)


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _record(actor, kpi, value, month=MARCH, **kwargs):
    return services.measurement_record(
        actor=actor,
        kpi=kpi,
        period_start=month,
        value=value,
        today=TODAY,
        now=timezone.now(),
        **kwargs,
    )


def _refusal(call) -> dict:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


def _push(actor, partnership, rows, today=TODAY):
    return services.measurements_push(
        actor=actor, partnership=partnership, rows=rows, today=today, now=timezone.now()
    )


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _stored(measurement):
    row = Measurement.objects.get(pk=measurement.pk)
    return {
        "organization": row.organization.slug,
        "partnership": row.partnership_id,
        "kpi": row.kpi_id,
        "period_start": row.period_start,
        "value": row.value,
        "note": row.note,
        "submitted_by": row.submitted_by,
        "reviewed_by": row.reviewed_by,
        "source": row.source,
        "status": row.status,
    }


# --- Which months take a figure -----------------------------------------------------------------


def test_the_current_month_takes_a_figure_and_the_next_is_refused_in_the_users_words(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        refused = _refusal(
            lambda: _record(manager, scenario["otd"], Decimal("97"), month=date(2027, 7, 1))
        )
        assert refused == {
            "period_start": [
                "2027-07 is in the future: figures are recorded once the month has begun."
            ]
        }
        now = _record(manager, scenario["otd"], Decimal("97"), month=date(2027, 6, 1))
        assert now.period_start == date(2027, 6, 1)


def test_a_figure_given_for_a_day_is_recorded_for_its_month(org_a, manager, scenario):
    with tenant_scope(org_a):
        measurement = _record(manager, scenario["otd"], Decimal("97"), month=date(2025, 3, 17))
        assert Measurement.objects.get(pk=measurement.pk).period_start == MARCH
        assert Scorecard.objects.filter(period_start=MARCH).exists()


def test_a_quarterly_kpi_takes_a_figure_only_on_a_quarters_first_month(org_a, manager, scenario):
    with tenant_scope(org_a):
        kpi = KpiFactory(
            organization=org_a, partnership=scenario["partnership"], frequency="quarterly"
        )
        refused = _refusal(lambda: _record(manager, kpi, Decimal("95"), month=date(2025, 2, 1)))
        assert refused == {"period_start": ["This KPI is quarterly: pick a quarter's first month."]}
        for month in (1, 4, 7, 10):
            _record(manager, kpi, Decimal("95"), month=date(2025, month, 1))
        assert Measurement.objects.filter(kpi=kpi).count() == 4


def test_a_formula_kpi_takes_no_typed_figure(org_a, manager, scenario):
    with tenant_scope(org_a):
        kpi = services.kpi_create(
            actor=manager,
            partnership=scenario["partnership"],
            code="otd_twice",
            name="Twice",
            perspective="operational",
            target=Decimal("1"),
            red_threshold=Decimal("0"),
            formula="otd_pct * 2",
        )
        refused = _refusal(lambda: _record(manager, kpi, Decimal("5")))
        assert refused == {"kpi": ["otd_twice is computed by its formula."]}
        assert not Measurement.objects.exists()


def test_a_second_figure_for_the_same_month_is_refused(org_a, manager, scenario):
    with tenant_scope(org_a):
        _record(manager, scenario["otd"], Decimal("97"))
        refused = _refusal(lambda: _record(manager, scenario["otd"], Decimal("96")))
        assert refused == {"period_start": ["otd_pct already has a value for 2025-03."]}
        # The same month of another KPI is free.
        _record(manager, scenario["defects"], Decimal("120"))
        assert Measurement.objects.count() == 2


# --- Plausible values and how a value is read ---------------------------------------------------


def test_a_percentage_takes_0_to_100_and_refuses_beyond_with_the_limit(org_a, manager, scenario):
    otd = scenario["otd"]
    with tenant_scope(org_a):
        assert _refusal(lambda: _record(manager, otd, Decimal("-0.0001"))) == {
            "value": ["-0.0001 is below the smallest plausible value 0 of otd_pct"]
        }
        assert _refusal(lambda: _record(manager, otd, Decimal("100.0001"))) == {
            "value": ["100.0001 is above the largest plausible value 100 of otd_pct"]
        }
        assert _record(manager, otd, Decimal("0")).value == Decimal("0")
        assert _record(manager, otd, Decimal("100"), month=date(2025, 4, 1)).value == 100


def test_a_kpi_without_bounds_refuses_a_value_of_fifteen_digits(org_a, manager, scenario):
    defects = scenario["defects"]  # ppm: no plausible range
    with tenant_scope(org_a):
        for value in ("100000000000000", "-100000000000000"):
            assert _refusal(lambda value=value: _record(manager, defects, Decimal(value))) == {
                "value": [f"{value}.0000 is out of range"]
            }
        biggest = Decimal("99999999999999.9999")
        assert _record(manager, defects, biggest).value == biggest
        smallest = _record(manager, defects, -biggest, month=date(2025, 4, 1))
        assert smallest.value == -biggest


def test_a_kpis_own_range_is_used_instead_of_the_percentage(org_a, manager, scenario):
    with tenant_scope(org_a):
        kpi = KpiFactory(
            organization=org_a,
            partnership=scenario["partnership"],
            code="yield_pct",
            valid_min=Decimal("50"),
            valid_max=Decimal("150"),
        )
        assert _refusal(lambda: _record(manager, kpi, Decimal("49"))) == {
            "value": ["49.0000 is below the smallest plausible value 50 of yield_pct"]
        }
        assert _refusal(lambda: _record(manager, kpi, Decimal("151"))) == {
            "value": ["151.0000 is above the largest plausible value 150 of yield_pct"]
        }
        assert _record(manager, kpi, Decimal("120")).value == Decimal("120")


def test_a_typed_value_is_read_as_a_number_rounded_to_four_places(org_a, manager, scenario):
    defects = scenario["defects"]
    with tenant_scope(org_a):
        typed = {
            1: " 1 234.5 ",  # spaces are thousands separators
            2: 7,  # an integer
            3: 0.1,  # a spreadsheet's float, as typed (not 0.1000000000000000055…)
            4: "2.00005",  # rounded half to even at four places
            5: Decimal("3.14159"),
        }
        for month, value in typed.items():
            _record(manager, defects, value, month=date(2025, month, 1))
        stored = dict(Measurement.objects.values_list("period_start__month", "value"))
        assert stored == {
            1: Decimal("1234.5"),
            2: Decimal("7"),
            3: Decimal("0.1"),
            4: Decimal("2.0000"),
            5: Decimal("3.1416"),
        }
        event = _events("performance.measurement.recorded")[0]
        assert event.changes["value"] == "1234.5000"


def test_a_value_that_is_no_number_is_refused_with_what_was_typed(org_a, manager, scenario):
    defects = scenario["defects"]
    with tenant_scope(org_a):
        cases = {
            "": "value is empty",
            "   ": "value is empty",
            None: "value is empty",
            "lots": "value “lots” is not a number",
            True: "value “True” is not a number",
            "NaN": "value “NaN” is not a finite number",
            "Infinity": "value “Infinity” is not a finite number",
        }
        for value, message in cases.items():
            assert _refusal(lambda value=value: _record(manager, defects, value)) == {
                "value": [message]
            }, value
        assert not Measurement.objects.exists()


# --- Recording ----------------------------------------------------------------------------------


def test_a_members_figure_is_stored_approved_audited_and_scored(org_a, manager, scenario):
    with tenant_scope(org_a):
        measurement = _record(manager, scenario["otd"], Decimal("94"), note="strike week")
        assert _stored(measurement) == {
            "organization": "alpha",
            "partnership": scenario["partnership"].pk,
            "kpi": scenario["otd"].pk,
            "period_start": MARCH,
            "value": Decimal("94"),
            "note": "strike week",
            "submitted_by": manager,
            "reviewed_by": None,
            "source": "manual",
            "status": "approved",
        }
        [event] = _events("performance.measurement.recorded")
        assert event.actor == manager
        assert (event.object_type, event.object_id) == (
            "performance.measurement",
            str(measurement.pk),
        )
        assert event.changes == {"kpi": "otd_pct", "period": "2025-03-01", "value": "94.0000"}
        assert not _events("performance.measurement.submitted")
        assert Scorecard.objects.get(period_start=MARCH).total == Decimal("50.00")
        assert not Notification.objects.exists()


def test_a_figure_of_another_module_keeps_its_source(org_a, manager, scenario):
    with tenant_scope(org_a):
        fed = _record(manager, scenario["otd"], Decimal("97"), source="integration")
        pending = _record(
            manager,
            scenario["defects"],
            Decimal("97"),
            pending=True,
            source="integration",
        )
        assert Measurement.objects.get(pk=fed.pk).source == "integration"
        assert Measurement.objects.get(pk=pending.pk).source == "integration"


def test_a_partners_figure_waits_for_approval_and_tells_the_kpi_owner(
    org_a, manager, scenario, make_member
):
    kpi_owner = make_member(org_a, email="kpi.owner@alpha.test")
    with tenant_scope(org_a):
        kpi = KpiFactory(
            organization=org_a,
            partnership=scenario["partnership"],
            code="fill_rate",
            unit="%",
            owner=kpi_owner,
        )
        measurement = _record(manager, kpi, Decimal("96.5"), pending=True, note="from the portal")
        stored = _stored(measurement)
        assert (stored["status"], stored["source"], stored["note"]) == (
            "pending",
            "partner",
            "from the portal",
        )
        assert stored["submitted_by"] == manager
        [event] = _events("performance.measurement.submitted")
        assert event.actor == manager
        assert event.object_id == str(measurement.pk)
        assert event.changes == {"kpi": "fill_rate", "period": "2025-03-01", "value": "96.5000"}
        assert not _events("performance.measurement.recorded")
        [notification] = Notification.objects.all()
        assert notification.recipient == kpi_owner
        assert notification.title == "Alder drive-train: fill_rate 2025-03 submitted for approval"
        assert notification.body == "The partner reported 96.5000 %."
        assert notification.url == reverse(
            "partnership-performance", args=["alpha", scenario["partnership"].pk]
        )
        assert notification.dedupe_key == f"measurement-submitted:{measurement.pk}"
        # Not counted before it is approved: no scorecard for the month.
        assert not Scorecard.objects.exists()


def test_a_partners_figure_of_a_kpi_without_owner_goes_to_the_partnership_owner(
    org_a, manager, scenario
):
    with tenant_scope(org_a):
        _record(manager, scenario["defects"], Decimal("200"), pending=True)
        [notification] = Notification.objects.all()
        assert notification.recipient == manager == scenario["partnership"].owner
        assert notification.body == "The partner reported 200.0000 ppm."


def test_a_partners_figure_nobody_owns_goes_to_the_admins(org_a, manager, scenario, make_member):
    admin = make_member(org_a, Role.ORG_ADMIN, email="admin@alpha.test")
    with tenant_scope(org_a):
        Partnership.objects.filter(pk=scenario["partnership"].pk).update(owner=None)
        kpi = KpiFactory(
            organization=org_a,
            partnership=Partnership.objects.get(pk=scenario["partnership"].pk),
            code="fill_rate",
            unit="%",
            owner=None,
        )
        _record(manager, kpi, Decimal("96.5"), pending=True)
        [notification] = Notification.objects.all()
    assert notification.recipient == admin


# --- Review -------------------------------------------------------------------------------------


def test_approving_a_partners_figure_records_who_audits_and_scores_it(
    org_a, manager, scenario, make_member
):
    reviewer = make_member(org_a, email="reviewer@alpha.test")
    with tenant_scope(org_a):
        pending = _record(manager, scenario["otd"], Decimal("94"), pending=True)
        reviewed = services.measurement_review(
            measurement=pending, actor=reviewer, approve=True, now=timezone.now()
        )
        assert reviewed.status == "approved"
        stored = _stored(pending)
        assert (stored["status"], stored["reviewed_by"], stored["submitted_by"]) == (
            "approved",
            reviewer,
            manager,
        )
        [event] = _events("performance.measurement.approved")
        assert (event.actor, event.object_id) == (reviewer, str(pending.pk))
        assert Scorecard.objects.get(period_start=MARCH).total == Decimal("50.00")


def test_rejecting_a_partners_figure_keeps_it_out_of_the_scorecards(
    org_a, manager, scenario, make_member
):
    reviewer = make_member(org_a, email="reviewer@alpha.test")
    with tenant_scope(org_a):
        pending = _record(manager, scenario["otd"], Decimal("94"), pending=True)
        services.measurement_review(
            measurement=pending, actor=reviewer, approve=False, now=timezone.now()
        )
        stored = _stored(pending)
        assert (stored["status"], stored["reviewed_by"]) == ("rejected", reviewer)
        [event] = _events("performance.measurement.rejected")
        assert (event.actor, event.object_id) == (reviewer, str(pending.pk))
        assert not _events("performance.measurement.approved")
        assert not Scorecard.objects.exists()
        with pytest.raises(ConflictError) as refused:
            services.measurement_review(
                measurement=pending, actor=reviewer, approve=True, now=timezone.now()
            )
        assert str(refused.value) == "This figure is already rejected."


def test_a_members_figure_needs_no_review(org_a, manager, scenario):
    with tenant_scope(org_a):
        recorded = _record(manager, scenario["otd"], Decimal("94"))
        with pytest.raises(ConflictError) as refused:
            services.measurement_review(
                measurement=recorded, actor=manager, approve=True, now=timezone.now()
            )
        assert str(refused.value) == "This figure is already approved."
        assert _stored(recorded)["reviewed_by"] is None
        assert not _events("performance.measurement.approved")


# --- Correcting ---------------------------------------------------------------------------------


def test_a_correction_stores_the_value_audits_old_and_new_and_rescores_later_months(
    org_a, manager, scenario, make_member
):
    corrector = make_member(org_a, email="corrector@alpha.test")
    with tenant_scope(org_a):
        measurement = _record(manager, scenario["otd"], Decimal("94"), note="first count")
        _record(manager, scenario["otd"], Decimal("98"), month=date(2025, 4, 1))
        april_before = Scorecard.objects.get(period_start=date(2025, 4, 1)).rolling_score
        services.measurement_correct(
            measurement=measurement,
            actor=corrector,
            value="98",
            reason="  The carrier resent the report.  ",
            now=timezone.now(),
        )
        stored = _stored(measurement)
        assert (stored["value"], stored["note"]) == (Decimal("98"), "first count")
        [event] = _events("performance.measurement.corrected")
        assert (event.actor, event.object_id) == (corrector, str(measurement.pk))
        assert event.changes == {
            "value": ["94.0000", "98.0000"],
            "reason": "The carrier resent the report.",
        }
        assert Scorecard.objects.get(period_start=MARCH).total == Decimal("100.00")
        assert Scorecard.objects.get(period_start=date(2025, 4, 1)).rolling_score != april_before


def test_a_correction_with_a_note_replaces_the_note_and_the_reason_is_cut(org_a, manager, scenario):
    with tenant_scope(org_a):
        measurement = _record(manager, scenario["otd"], Decimal("94"), note="first count")
        services.measurement_correct(
            measurement=measurement,
            actor=manager,
            value=Decimal("95.123456"),
            reason="x" * 600,
            note="recounted",
            now=timezone.now(),
        )
        stored = _stored(measurement)
        assert (stored["value"], stored["note"]) == (Decimal("95.1235"), "recounted")
        [event] = _events("performance.measurement.corrected")
        assert event.changes == {"value": ["94.0000", "95.1235"], "reason": "x" * 500}


def test_a_correction_refuses_what_a_new_figure_refuses(org_a, manager, scenario):
    with tenant_scope(org_a):
        measurement = _record(manager, scenario["otd"], Decimal("94"))
        for value, message in {
            "abc": "value “abc” is not a number",
            "": "value is empty",
            "-1": "-1.0000 is below the smallest plausible value 0 of otd_pct",
        }.items():
            refused = _refusal(
                lambda value=value: services.measurement_correct(
                    measurement=measurement,
                    actor=manager,
                    value=value,
                    reason="x",
                    now=timezone.now(),
                )
            )
            assert refused == {"value": [message]}
        assert _stored(measurement)["value"] == Decimal("94")
        assert not _events("performance.measurement.corrected")


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_a_correction_without_a_reason_is_refused_on_the_field(org_a, manager, scenario, reason):
    with tenant_scope(org_a):
        measurement = _record(manager, scenario["otd"], Decimal("94"))
        refused = _refusal(
            lambda: services.measurement_correct(
                measurement=measurement,
                actor=manager,
                value=Decimal("95"),
                reason=reason,
                now=timezone.now(),
            )
        )
        assert refused == {"reason": ["Say why this figure is corrected."]}
        assert _stored(measurement)["value"] == Decimal("94")
        assert not _events("performance.measurement.corrected")


def test_a_rejected_figure_is_not_corrected(org_a, manager, scenario):
    with tenant_scope(org_a):
        pending = _record(manager, scenario["otd"], Decimal("94"), pending=True)
        services.measurement_review(
            measurement=pending, actor=manager, approve=False, now=timezone.now()
        )
        with pytest.raises(ConflictError) as refused:
            services.measurement_correct(
                measurement=pending,
                actor=manager,
                value=Decimal("95"),
                reason="x",
                now=timezone.now(),
            )
        assert str(refused.value) == (
            "A rejected figure is not corrected: record the right value instead."
        )
        assert _stored(pending)["value"] == Decimal("94")


def test_correcting_a_pending_figure_does_not_count_it_yet(org_a, manager, scenario):
    with tenant_scope(org_a):
        pending = _record(manager, scenario["otd"], Decimal("94"), pending=True)
        services.measurement_correct(
            measurement=pending,
            actor=manager,
            value=Decimal("96"),
            reason="typo",
            now=timezone.now(),
        )
        assert _stored(pending)["value"] == Decimal("96")
        assert len(_events("performance.measurement.corrected")) == 1
        assert not Scorecard.objects.exists()


# --- Deleting -----------------------------------------------------------------------------------


def test_deleting_a_figure_needs_a_reason_in_the_users_words(org_a, manager, scenario):
    with tenant_scope(org_a):
        measurement = _record(manager, scenario["otd"], Decimal("94"))
        for reason in ("", "   "):
            refused = _refusal(
                lambda reason=reason: services.measurement_delete(
                    measurement=measurement, actor=manager, reason=reason, now=timezone.now()
                )
            )
            assert refused == {"reason": ["Say why this figure is deleted."]}
        assert Measurement.objects.filter(pk=measurement.pk).exists()
        assert not _events("performance.measurement.deleted")


def test_deleting_a_figure_audits_what_it_was_and_rescores_its_month(
    org_a, manager, scenario, make_member
):
    deleter = make_member(org_a, email="deleter@alpha.test")
    with tenant_scope(org_a):
        _record(manager, scenario["otd"], Decimal("94"))
        defects = _record(manager, scenario["defects"], Decimal("450"))
        pk = defects.pk
        services.measurement_delete(
            measurement=defects, actor=deleter, reason=" " + "r" * 600, now=timezone.now()
        )
        assert not Measurement.objects.filter(pk=pk).exists()
        [event] = _events("performance.measurement.deleted")
        assert (event.actor, event.object_type, event.object_id) == (
            deleter,
            "performance.measurement",
            str(pk),
        )
        assert event.changes == {
            "kpi": "defects_ppm",
            "period": "2025-03-01",
            "value": "450.0000",
            "reason": "r" * 500,
        }
        card = Scorecard.objects.get(period_start=MARCH)
        assert card.total == Decimal("50.00")  # on-time delivery alone
        assert [row["code"] for row in card.breakdown if row["value"] is not None] == ["otd_pct"]


def test_deleting_a_pending_figure_leaves_the_scorecards_alone(org_a, manager, scenario):
    with tenant_scope(org_a):
        pending = _record(manager, scenario["otd"], Decimal("94"), pending=True)
        services.measurement_delete(
            measurement=pending, actor=manager, reason="sent twice", now=timezone.now()
        )
        assert not Measurement.objects.exists()
        assert not Scorecard.objects.exists()
        assert len(_events("performance.measurement.deleted")) == 1


# --- The file import --------------------------------------------------------------------------
# Through the import job (services/imports.py), the only file import: the page and the API use it.
# Its upload, stages, progress and audit events are pinned in test_imports_rules_pinned.py; here,
# what each row of a file is checked for, as the shared `check_row` says.


def test_a_checked_file_writes_nothing_and_a_confirmed_one_writes_every_row(
    org_a, manager, scenario, make_member, media
):
    importer = make_member(org_a, email="importer@alpha.test")
    content = (
        b"KPI_Code , Period ,VALUE,Note\n"
        b"  otd_pct  ,2025-01,94,first\n"
        b"defects_ppm,2025-01-01,100\n"
        b",,,\n"
    )
    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        checked = import_file(importer, partnership, content, confirm=False)
        assert checked.result["ok"] and checked.result["errors"] == [] and created(checked) == 0
        assert [
            (r["line"], r["kpi_code"], r["period"], r["value"], r["note"])
            for r in checked.result["sample"]
        ] == [(2, "otd_pct", "2025-01", "94", "first"), (3, "defects_ppm", "2025-01", "100", "")]
        assert not Measurement.objects.exists()

        imported = import_file(importer, partnership, content)
        assert imported.stage == "import" and created(imported) == 2
        rows = Measurement.objects.order_by("kpi__code")
        assert [
            (m.kpi.code, m.period_start, m.value, m.note, m.source, m.status, m.submitted_by)
            for m in rows
        ] == [
            ("defects_ppm", date(2025, 1, 1), Decimal("100"), "", "import", "approved", importer),
            ("otd_pct", date(2025, 1, 1), Decimal("94"), "first", "import", "approved", importer),
        ]
        assert {m.partnership_id for m in rows} == {partnership.pk}
        assert {m.organization_id for m in rows} == {org_a.pk}
        assert Scorecard.objects.get(period_start=date(2025, 1, 1)).total == Decimal("62.50")


def test_every_row_of_an_import_is_checked_and_reported_by_its_line(
    org_a, manager, scenario, media
):
    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        KpiFactory(organization=org_a, code="other_pct")  # another partnership's KPI
        KpiFactory(
            organization=org_a, partnership=partnership, code="quarterly", frequency="quarterly"
        )
        KpiFactory(organization=org_a, partnership=partnership, code="ratio", formula="otd_pct*2")
        content = (
            b"kpi_code,period,value,note\n"
            b",2025-01,5\n"  # 2
            b"other_pct,2025-01,5\n"  # 3
            b"ratio,2025-01,5\n"  # 4
            b"quarterly,2025-02,5\n"  # 5
            b"quarterly,2025-04,5\n"  # 6: a quarter's first month
            b"otd_pct,2025-01,150,a,b\n"  # 7: five cells for four columns
            b"otd_pct,2027-07,97\n"  # 8: next month
            b"otd_pct,2027-06,97\n"  # 9: this month
            b"otd_pct,June,97\n"  # 10
            b"otd_pct,2025-05,\n"  # 11
            b"defects_ppm,2025-05,100000000000000\n"  # 12
        )
        job = import_file(manager, partnership, content)
        assert not job.result["ok"] and job.stage == "check" and created(job) == 0
        assert row_errors(job) == [
            (2, "kpi_code is empty"),
            (3, "unknown KPI code “other_pct” for Alder drive-train"),
            (4, "ratio is computed by a formula and cannot be imported"),
            (5, "quarterly is quarterly: the period must start a quarter"),
            (7, "malformed row: 5 cells for 4 columns"),
            (8, "2027-07 is in the future: figures are recorded once the month has begun."),
            (10, "period “June” is not a month (expected YYYY-MM)"),
            (11, "value is empty"),
            (12, "100000000000000.0000 is out of range"),
        ]
        assert not Measurement.objects.exists()


def test_a_row_error_after_blank_lines_names_the_rows_own_line(org_a, manager, scenario, media):
    content = b"kpi_code,period,value\notd_pct,2025-01,97\n\n,,\notd_pct,2025-13,96\n"
    with tenant_scope(org_a):
        job = import_file(manager, scenario["partnership"], content)
        assert row_errors(job) == [(5, "period “2025-13” has no month 13")]


def test_an_imported_note_is_cut_at_500_characters(org_a, manager, scenario, media):
    content = f"kpi_code,period,value,note\notd_pct,2025-01,94,{'n' * 600}\n".encode()
    with tenant_scope(org_a):
        assert created(import_file(manager, scenario["partnership"], content)) == 1
        assert Measurement.objects.get().note == "n" * 500


def test_duplicates_within_a_file_and_figures_already_recorded_are_reported(
    org_a, manager, scenario, media
):
    partnership = scenario["partnership"]
    with tenant_scope(org_a):
        _record(manager, scenario["otd"], Decimal("90"), month=date(2025, 2, 1))
        other = PartnershipFactory(organization=org_a)
        MeasurementFactory(
            organization=org_a,
            kpi=KpiFactory(organization=org_a, partnership=other, code="defects_ppm"),
            period_start=date(2025, 1, 1),
        )
        content = (
            b"kpi_code,period,value\n"
            b"otd_pct,2025-01,94\n"  # 2
            b"defects_ppm,2025-02,100\n"  # 3: otd_pct has February, not defects_ppm
            b"otd_pct,2025-01,95\n"  # 4
            b"otd_pct,2025-02,96\n"  # 5
            b"defects_ppm,2025-01,100\n"  # 6: another partnership's KPI has January
            b"otd_pct,2025-01,97\n"  # 7
        )
        job = import_file(manager, partnership, content)
        assert row_errors(job) == [
            (4, "duplicate period 2025-01 for otd_pct (also on line 2)"),
            (5, "otd_pct already has a value for 2025-02; correct it instead"),
            (7, "duplicate period 2025-01 for otd_pct (also on line 2)"),
        ]
        assert Measurement.objects.filter(partnership=partnership).count() == 1


def test_an_excel_file_gives_its_cells_types(org_a, manager, scenario, media):
    content = _xlsx(
        [
            ["kpi_code", "period", "value", "note"],
            ["otd_pct", datetime(2025, 1, 17, 8, 30), 94.5, None],  # noqa: DTZ001 - a cell has no zone
            ["defects_ppm", "2025-01", 100, "ok"],
            ["otd_pct", "2025-02", "97,5", None],
            [None, "", None, None],
        ]
    )
    with tenant_scope(org_a):
        job = import_file(manager, scenario["partnership"], content, filename="JAN.XLSX")
        assert [(r["line"], r["period"], r["value"], r["note"]) for r in job.result["sample"]] == [
            (2, "2025-01", "94.5", ""),
            (3, "2025-01", "100", "ok"),
            (4, "2025-02", None, ""),
        ]
        assert row_errors(job) == [(4, "value “97,5” is not a number")]
        assert not Measurement.objects.exists()


def test_semicolon_and_tab_separated_files_are_read(org_a, manager, scenario, media):
    with tenant_scope(org_a):
        for separator in (";", "\t"):
            content = separator.join(["kpi_code", "period", "value"]) + "\n"
            content += separator.join(["otd_pct", "2025-01", "94.5"]) + "\n"
            job = import_file(manager, scenario["partnership"], content.encode(), confirm=False)
            assert job.result["ok"], separator
            assert [(r["kpi_code"], r["value"]) for r in job.result["sample"]] == [
                ("otd_pct", "94.5")
            ]


def test_a_file_that_cannot_be_imported_says_why(org_a, manager, scenario, media):
    partnership = scenario["partnership"]
    cases = {
        ("x.csv", b"\xff\xfe\x00garbage"): (
            "Line 1 is not UTF-8 text: save the file as CSV (UTF-8) or .xlsx."
        ),
        ("x.xlsx", b"not a workbook"): (
            "The Excel file is not a valid Office file. Save it again and upload it again."
        ),
        ("x.xlsm", b"not a workbook"): (
            "The Excel file is not a valid Office file. Save it again and upload it again."
        ),
        ("x.csv", b",,\n\n"): "The file is empty.",
        ("x.csv", b"kpi_code,value\notd_pct,94\n"): (
            "Missing column(s): period. Expected a header row with kpi_code, period, value "
            "(and optionally note)."
        ),
        ("x.csv", b"kpi_code,period,value\n"): "The file has a header but no data rows.",
        ("x.csv", b'kpi_code,period,value\n"otd_pct,' + b"x" * 140_000 + b"\n"): (
            "Line 2 has a value of more than 10,000 characters: this is not a table of figures."
        ),
    }
    with tenant_scope(org_a):
        for (filename, content), reason in cases.items():
            job = import_file(manager, partnership, content, filename=filename)
            assert (job.status, job.error, job.result) == ("failed", reason, None), filename
        with pytest.raises(ValidationError) as refused:
            import_file(manager, partnership, b"", filename="x.csv")
        assert refused.value.message_dict == {"file": ["The file is empty."]}
        assert not Measurement.objects.exists()


# --- The API push -------------------------------------------------------------------------------


def test_a_push_numbers_its_rows_from_one_and_writes_all_or_none(
    org_a, manager, scenario, make_member
):
    pusher = make_member(org_a, email="pusher@alpha.test")
    partnership = scenario["partnership"]
    rows = [
        {"kpi_code": "otd_pct", "period": "2025-01", "value": "94"},
        {"kpi_code": "otd_pct", "period": "2025-01", "value": "95"},
    ]
    with tenant_scope(org_a):
        refused = _push(pusher, partnership, rows)
        assert refused.row_errors == [(2, "duplicate period 2025-01 for otd_pct (also on line 1)")]
        assert not refused.ok and refused.created == 0 and not Measurement.objects.exists()

        rows[1] = {"kpi_code": "defects_ppm", "period": date(2025, 1, 9), "value": 100}
        pushed = _push(pusher, partnership, rows)
        assert pushed.ok and pushed.created == 2
        assert set(
            Measurement.objects.values_list(
                "kpi__code", "period_start", "source", "status", "submitted_by"
            )
        ) == {
            ("otd_pct", date(2025, 1, 1), "api", "approved", pusher.pk),
            ("defects_ppm", date(2025, 1, 1), "api", "approved", pusher.pk),
        }
        [event] = _events("performance.measurements.pushed")
        assert event.actor == pusher
        assert event.object_id == str(partnership.pk)
        assert event.changes == {"rows": 2}
        assert not _events("performance.measurements.imported")
        assert Scorecard.objects.get(period_start=date(2025, 1, 1)).total == Decimal("62.50")


def test_an_empty_push_is_refused_with_a_reason(org_a, manager, scenario):
    with tenant_scope(org_a):
        result = _push(manager, scenario["partnership"], [])
        assert result.errors == ["No measurements were sent."]
        assert not result.ok and result.created == 0
        assert not _events("performance.measurements.pushed")


def test_a_push_of_this_month_is_taken_and_of_next_month_refused(org_a, manager, scenario):
    today = date(2026, 11, 26)
    with tenant_scope(org_a):
        refused = _push(
            manager,
            scenario["partnership"],
            [{"kpi_code": "otd_pct", "period": "2026-12", "value": "94"}],
            today=today,
        )
        assert refused.row_errors == [
            (1, "2026-12 is in the future: figures are recorded once the month has begun.")
        ]
        taken = _push(
            manager,
            scenario["partnership"],
            [{"kpi_code": "otd_pct", "period": "2026-11", "value": "94"}],
            today=today,
        )
        assert taken.ok and Measurement.objects.get().period_start == date(2026, 11, 1)


def test_an_excel_formula_is_read_by_the_value_excel_saved_with_it(org_a, manager, scenario, media):
    import zipfile

    book = _xlsx([["kpi_code", "period", "value"], ["otd_pct", "2025-01", "=90+4"]])
    # openpyxl saves no computed value; Excel does: put one in, as Excel would have.
    source, saved = zipfile.ZipFile(BytesIO(book)), BytesIO()
    with zipfile.ZipFile(saved, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>90+4</f><v></v>", b"<f>90+4</f><v>94</v>")
            target.writestr(item, data)
    with tenant_scope(org_a):
        job = import_file(manager, scenario["partnership"], saved.getvalue(), filename="f.xlsx")
        assert row_errors(job) == []
        assert [(r["kpi_code"], r["value"]) for r in job.result["sample"]] == [("otd_pct", "94")]
