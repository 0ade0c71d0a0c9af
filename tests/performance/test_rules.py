"""The performance module's guard clauses, one test each that fails without its guard, plus the
declared lifecycles (an illegal step is a conflict with the reason) and the clock passed in."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from performance import services
from performance.models import (
    ACTION_ITEM_LIFECYCLE,
    BREACH_LIFECYCLE,
    MEASUREMENT_LIFECYCLE,
    QBR_LIFECYCLE,
    RCA_LIFECYCLE,
    SCORECARD_LIFECYCLE,
    Kpi,
    Measurement,
    Qbr,
    QbrAttendee,
    Scorecard,
    ScorecardReport,
    SlaBreach,
)
from tenancy.audit import AuditEvent
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import Role
from tests.performance.factories import TODAY, ActionItemFactory, SlaBreachFactory
from tests.performance.importing import created, import_file, row_errors

pytestmark = pytest.mark.django_db


def record(manager, kpi, month, value, **kwargs):
    return services.measurement_record(
        actor=manager,
        kpi=kpi,
        period_start=month,
        value=Decimal(value),
        today=TODAY,
        now=timezone.now(),
        **kwargs,
    )


def published_scorecard(manager, scenario, month=date(2025, 3, 1)):
    record(manager, scenario["otd"], month, "97")
    scorecard = services.scorecard_compute(
        partnership=scenario["partnership"], period_start=month, now=timezone.now()
    )
    return services.scorecard_publish(scorecard=scorecard, actor=manager, now=timezone.now())


# --- The nine guards ----------------------------------------------------------------------------


def test_each_side_acknowledges_a_published_scorecard_only_once(org_a, manager, scenario):
    with tenant_scope(org_a):
        scorecard = published_scorecard(manager, scenario)
        services.scorecard_acknowledge(
            scorecard=scorecard, actor=manager, side="buyer", now=timezone.now()
        )
        with pytest.raises(ConflictError, match="already acknowledged"):
            services.scorecard_acknowledge(
                scorecard=scorecard, actor=manager, side="buyer", now=timezone.now()
            )
        services.scorecard_acknowledge(
            scorecard=scorecard, actor=manager, side="partner", now=timezone.now()
        )
        scorecard.refresh_from_db()
        assert scorecard.acknowledged_by_buyer_id == manager.pk
        assert scorecard.acknowledged_by_partner_id == manager.pk


def test_a_published_scorecard_is_frozen_when_a_figure_changes(org_a, manager, scenario):
    with tenant_scope(org_a):
        scorecard = published_scorecard(manager, scenario)
        before = scorecard.total
        measurement = Measurement.objects.get(kpi=scenario["otd"])
        services.measurement_correct(
            measurement=measurement,
            actor=manager,
            value=Decimal("91"),
            reason="resent",
            now=timezone.now(),
        )
        scorecard.refresh_from_db()
        assert scorecard.total == before
        draft = services.scorecard_compute(
            partnership=scenario["partnership"], period_start=date(2025, 3, 1), now=timezone.now()
        )
        assert draft.total == before


def test_a_formula_that_depends_on_itself_through_another_kpi_is_refused(org_a, manager, scenario):
    with tenant_scope(org_a):
        services.kpi_create(
            actor=manager,
            partnership=scenario["partnership"],
            code="a_ratio",
            name="A",
            perspective="operational",
            target=Decimal("1"),
            red_threshold=Decimal("0"),
            formula="otd_pct * 2",
        )
        b = services.kpi_create(
            actor=manager,
            partnership=scenario["partnership"],
            code="b_ratio",
            name="B",
            perspective="operational",
            target=Decimal("1"),
            red_threshold=Decimal("0"),
            formula="a_ratio + 1",
        )
        a = Kpi.objects.get(code="a_ratio")
        with pytest.raises(ValidationError) as error:
            services.kpi_update(kpi=a, actor=manager, formula="b_ratio + otd_pct")
        assert "depend on itself" in str(error.value)
        assert b.formula == "a_ratio + 1"


def test_a_correction_to_an_implausible_value_is_refused(org_a, manager, scenario):
    with tenant_scope(org_a):
        measurement = record(manager, scenario["otd"], date(2025, 3, 1), "97")
        with pytest.raises(ValidationError) as error:
            services.measurement_correct(
                measurement=measurement,
                actor=manager,
                value=Decimal("140"),
                reason="typo",
                now=timezone.now(),
            )
        assert "above the largest plausible value" in str(error.value)
        measurement.refresh_from_db()
        assert measurement.value == Decimal("97")


def test_a_second_qbr_for_the_same_quarter_is_refused(org_a, manager, scenario):
    with tenant_scope(org_a):
        when = datetime(2025, 4, 15, 10, tzinfo=UTC)
        services.qbr_schedule(
            actor=manager,
            partnership=scenario["partnership"],
            quarter=date(2025, 1, 1),
            scheduled_at=when,
        )
        with pytest.raises(ValidationError) as error:
            services.qbr_schedule(
                actor=manager,
                partnership=scenario["partnership"],
                quarter=date(2025, 2, 1),
                scheduled_at=when,
            )
        # In the user's words under the field, not the model's "Qbr with this Organization…".
        assert error.value.message_dict == {
            "quarter_start": ["A QBR for this quarter already exists."]
        }
        assert Qbr.objects.count() == 1


def test_an_upheld_appeal_recomputes_the_published_scorecard(org_a, manager, scenario):
    with tenant_scope(org_a):
        scorecard = published_scorecard(manager, scenario)
        appeal = services.scorecard_appeal_raise(
            scorecard=scorecard, actor=manager, criterion_code="otd_pct", comment="We shipped 99"
        )
        measurement = Measurement.objects.get(kpi=scenario["otd"])
        services.measurement_correct(
            measurement=measurement,
            actor=manager,
            value=Decimal("90"),
            reason="appeal",
            now=timezone.now(),
        )
        frozen = Scorecard.objects.get(pk=scorecard.pk).total
        services.scorecard_appeal_resolve(
            appeal=appeal,
            actor=manager,
            uphold=True,
            resolution="Data corrected.",
            now=timezone.now(),
        )
        scorecard.refresh_from_db()
        assert scorecard.total != frozen
        assert scorecard.total == Decimal("0.00")  # 90 % is the red threshold


def test_an_approved_figure_cannot_be_reviewed_again(org_a, manager, scenario):
    with tenant_scope(org_a):
        pending = record(manager, scenario["otd"], date(2025, 3, 1), "97", pending=True)
        services.measurement_review(
            measurement=pending, actor=manager, approve=True, now=timezone.now()
        )
        with pytest.raises(ConflictError, match="already approved"):
            services.measurement_review(
                measurement=pending, actor=manager, approve=False, now=timezone.now()
            )
        pending.refresh_from_db()
        assert pending.status == Measurement.Status.APPROVED


def test_a_guests_figure_through_the_api_waits_for_approval(
    org_a, manager, scenario, make_member, api_as
):
    from partnerships.services import partnership_invite_guest

    guest = make_member(org_a, Role.PARTNER_GUEST, email="guest@partner.test")
    with tenant_scope(org_a):
        partnership_invite_guest(partnership=scenario["partnership"], guest=guest, actor=manager)
    response = api_as(guest, org_a).post(
        "/api/v1/o/alpha/measurements/",
        {"kpi": scenario["otd"].pk, "period_start": "2025-03-01", "value": "97"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    with tenant_scope(org_a):
        assert not Scorecard.objects.exists()  # a pending figure counts for nothing yet


def test_running_a_generated_pdf_again_renders_nothing_new(org_a, manager, scenario, settings):
    with tenant_scope(org_a):
        record(manager, scenario["otd"], date(2025, 3, 1), "97")
        services.scorecard_compute(
            partnership=scenario["partnership"], period_start=date(2025, 3, 1), now=timezone.now()
        )
        report = services.report_request(
            partnership=scenario["partnership"], period_start=date(2025, 3, 1), actor=manager
        )
        now = datetime(2025, 4, 3, tzinfo=UTC)
        assert services.report_run(report=report, now=now) == "done"
        first = ScorecardReport.objects.get(pk=report.pk)
        events = AuditEvent.objects.filter(action="performance.scorecard_report.generated").count()
        assert services.report_run(report=first, now=now) == "done"
        again = ScorecardReport.objects.get(pk=report.pk)
        assert again.file.name == first.file.name
        assert (
            AuditEvent.objects.filter(action="performance.scorecard_report.generated").count()
            == events
            == 1
        )


# --- Lifecycles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "machine, current, target",
    [
        (MEASUREMENT_LIFECYCLE, "rejected", "approved"),
        (SCORECARD_LIFECYCLE, "published", "draft"),
        (BREACH_LIFECYCLE, "waived", "open"),
        (QBR_LIFECYCLE, "cancelled", "held"),
        (ACTION_ITEM_LIFECYCLE, "done", "cancelled"),
        (RCA_LIFECYCLE, "open", "closed"),
    ],
)
def test_illegal_status_steps_are_refused_with_the_reason(machine, current, target):
    with pytest.raises(TransitionNotAllowed, match=f"from “{current}” to “{target}”"):
        machine.check(current, target)


def test_a_waived_breach_cannot_be_closed_again_and_answers_409(
    org_a, manager, scenario, client_as, api_as
):
    with tenant_scope(org_a):
        breach = SlaBreachFactory(organization=org_a, sla=scenario["sla"])
        services.sla_breach_set_status(
            breach=breach, actor=manager, status="waived", reason="Force majeure (flood)."
        )
        with pytest.raises(TransitionNotAllowed):
            services.sla_breach_set_status(
                breach=breach, actor=manager, status="remediated", reason="x"
            )
    response = api_as(manager, org_a).post(
        f"/api/v1/o/alpha/sla-breaches/{breach.pk}/status/",
        {"status": "remediated", "reason": "Fixed"},
        format="json",
    )
    assert response.status_code == 409
    assert "cannot go from “waived”" in response.json()["error"]["message"]


def test_closing_a_breach_needs_a_reason_that_is_kept_and_audited(org_a, manager, scenario):
    with tenant_scope(org_a):
        breach = SlaBreachFactory(organization=org_a, sla=scenario["sla"])
        with pytest.raises(ValidationError) as error:
            services.sla_breach_set_status(breach=breach, actor=manager, status="remediated")
        assert "reason" in error.value.message_dict
        services.sla_breach_set_status(
            breach=breach, actor=manager, status="remediated", reason="Second shift added."
        )
        breach.refresh_from_db()
        assert breach.status == SlaBreach.Status.REMEDIATED
        assert breach.status_reason == "Second shift added."
        event = AuditEvent.objects.get(action="performance.sla_breach.remediated")
        assert event.changes["reason"] == "Second shift added."


def test_an_action_item_status_follows_its_lifecycle(org_a, manager, scenario):
    with tenant_scope(org_a):
        item = ActionItemFactory(organization=org_a, partnership=scenario["partnership"])
        services.action_item_set_status(item=item, actor=manager, status="done")
        with pytest.raises(TransitionNotAllowed):
            services.action_item_set_status(item=item, actor=manager, status="cancelled")
        services.action_item_set_status(item=item, actor=manager, status="open")
        assert item.status == "open"


# --- The clock is passed in ---------------------------------------------------------------------


def test_a_figure_for_a_month_that_has_not_begun_is_refused(org_a, manager, scenario):
    with tenant_scope(org_a):
        with pytest.raises(ValidationError) as error:
            services.measurement_record(
                actor=manager,
                kpi=scenario["otd"],
                period_start=date(2031, 1, 1),
                value=Decimal("97"),
                today=date(2026, 11, 26),
                now=timezone.now(),
            )
        assert "2031-01 is in the future" in error.value.message_dict["period_start"][0]
        # The current month is already open for figures.
        record_now = services.measurement_record(
            actor=manager,
            kpi=scenario["otd"],
            period_start=date(2026, 11, 1),
            value=Decimal("97"),
            today=date(2026, 11, 26),
            now=timezone.now(),
        )
        assert record_now.period_start == date(2026, 11, 1)
        assert not Scorecard.objects.filter(period_start=date(2031, 1, 1)).exists()


def test_an_import_or_push_with_a_future_period_imports_nothing(org_a, manager, scenario, media):
    content = b"kpi_code,period,value\notd_pct,2026-10,97\notd_pct,2031-01,99\n"
    with tenant_scope(org_a):
        job = import_file(manager, scenario["partnership"], content, today=date(2026, 11, 26))
        assert not job.result["ok"] and created(job) == 0
        assert row_errors(job) == [
            (3, "2031-01 is in the future: figures are recorded once the month has begun.")
        ]
        pushed = services.measurements_push(
            actor=manager,
            partnership=scenario["partnership"],
            rows=[{"kpi_code": "otd_pct", "period": "2031-01", "value": "99"}],
            today=date(2026, 11, 26),
            now=timezone.now(),
        )
        assert not pushed.ok and not Measurement.objects.exists()


def test_the_future_period_is_a_field_error_on_the_page_with_the_input_kept(
    org_a, manager, scenario, client_as
):
    url = reverse("performance-measurement-add", args=["alpha", scenario["partnership"].pk])
    response = client_as(manager).post(
        url, {"kpi": scenario["otd"].pk, "period_start": "2031-01", "value": "99.5", "note": "x"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="period_start"' in html and "2031-01 is in the future" in html
    assert 'value="99.5"' in html and 'value="2031-01"' in html


# --- Correcting and deleting figures ------------------------------------------------------------


def test_deleting_a_figure_needs_a_reason_and_recomputes_the_scorecard(org_a, manager, scenario):
    with tenant_scope(org_a):
        record(manager, scenario["otd"], date(2025, 3, 1), "97")
        defects = record(manager, scenario["defects"], date(2025, 3, 1), "450")
        before = Scorecard.objects.get().total
        with pytest.raises(ValidationError):
            services.measurement_delete(
                measurement=defects, actor=manager, reason=" ", now=timezone.now()
            )
        services.measurement_delete(
            measurement=defects,
            actor=manager,
            reason="Counted another plant's defects.",
            now=timezone.now(),
        )
        after = Scorecard.objects.get()
        assert after.total != before
        assert [row["code"] for row in after.breakdown if row["value"] is not None] == ["otd_pct"]
        event = AuditEvent.objects.get(action="performance.measurement.deleted")
        assert event.changes["reason"] == "Counted another plant's defects."


def test_a_correction_from_the_page_recomputes_and_audits_the_reason(
    org_a, manager, scenario, client_as
):
    with tenant_scope(org_a):
        measurement = record(manager, scenario["otd"], date(2025, 3, 1), "97")
    client = client_as(manager)
    args = ["alpha", scenario["partnership"].pk, measurement.pk]
    page = client.get(reverse("performance-measurement-edit", args=args))
    assert page.status_code == 200 and "97.0 %" in page.content.decode()
    url = reverse("performance-measurement-correct", args=args)
    assert url in page.content.decode()
    bad = client.post(url, {"value": "140", "reason": "typo"})
    assert bad.status_code == 400 and 'value="140"' in bad.content.decode()
    unexplained = client.post(url, {"value": "92", "reason": "  "})
    assert unexplained.status_code == 400
    assert unexplained.context["correct_form"].errors == {
        "reason": ["Say why this figure is corrected."]
    }
    response = client.post(url, {"value": "92", "reason": "Resent file"})
    assert response.status_code == 302
    with tenant_scope(org_a):
        row = next(r for r in Scorecard.objects.get().breakdown if r["code"] == "otd_pct")
        assert Decimal(row["value"]) == Decimal("92")
        measurement.refresh_from_db()
        assert measurement.value == Decimal("92")
        assert (
            AuditEvent.objects.get(action="performance.measurement.corrected").changes["reason"]
            == "Resent file"
        )


def test_the_correction_form_is_prefilled_with_the_value_as_written(
    org_a, manager, scenario, client_as
):
    with tenant_scope(org_a):
        measurement = record(manager, scenario["otd"], date(2025, 3, 1), "100.00")
    args = ["alpha", scenario["partnership"].pk, measurement.pk]
    page = client_as(manager).get(reverse("performance-measurement-edit", args=args))
    assert 'name="value" value="100"' in page.content.decode()  # never "1E+2"


def test_a_viewer_cannot_open_the_correction_page(org_a, manager, scenario, make_member, client_as):
    viewer = make_member(org_a, Role.VIEWER, email="viewer@alpha.test")
    with tenant_scope(org_a):
        measurement = record(manager, scenario["otd"], date(2025, 3, 1), "97")
    args = ["alpha", scenario["partnership"].pk, measurement.pk]
    client = client_as(viewer)
    assert client.get(reverse("performance-measurement-edit", args=args)).status_code == 403
    url = reverse("performance-measurement-delete", args=args)
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 403
    with tenant_scope(org_a):
        assert Measurement.objects.filter(pk=measurement.pk).exists()


# --- QBR scheduling -----------------------------------------------------------------------------


def test_scheduling_the_year_when_the_owner_schedules_adds_them_once(
    org_a, manager, scenario, client_as
):
    url = reverse("performance-qbr-schedule", args=["alpha", scenario["partnership"].pk])
    response = client_as(manager).post(url, {"year": "2026"})
    assert response.status_code == 302
    with tenant_scope(org_a):
        assert Qbr.objects.count() == 4
        assert QbrAttendee.objects.filter(user=manager).count() == 4


@pytest.mark.parametrize("year", ["20x6", "99999", "-1", ""])
def test_a_bad_year_gets_a_plain_message(org_a, manager, scenario, client_as, year):
    client = client_as(manager)
    url = reverse("performance-qbr-schedule", args=["alpha", scenario["partnership"].pk])
    page = client.post(url, {"year": year}, follow=True)
    html = page.content.decode()
    assert page.status_code == 200
    assert "invalid literal" not in html and "Give" in html
    with tenant_scope(org_a):
        assert not Qbr.objects.exists()


# --- RCA and CAPA: each step refused in the user's words, audited with who and what -------------


def test_an_rca_cycle_is_audited_step_by_step_and_refuses_out_of_order_steps(
    org_a, manager, scenario
):
    from performance.models import RootCauseAnalysis

    def events():
        return [
            (e.action, e.actor_id, e.object_type, e.object_id, e.changes)
            for e in AuditEvent.objects.filter(action__contains=".rca.").order_by("sequence")
        ] + [
            (e.action, e.actor_id, e.object_type, e.object_id, e.changes)
            for e in AuditEvent.objects.filter(action__contains=".capa.").order_by("sequence")
        ]

    with tenant_scope(org_a):
        rca = services.rca_create(
            actor=manager,
            partnership=scenario["partnership"],
            problem="Late deliveries",
            sla=scenario["sla"],
            responsible_party="buyer",
        )
        opened = RootCauseAnalysis.objects.get(pk=rca.pk)
        assert opened.sla_id == scenario["sla"].pk and opened.responsible_party == "buyer"
        with pytest.raises(ConflictError) as error:
            services.rca_close(rca=rca, actor=manager, today=date(2025, 6, 1), now=timezone.now())
        assert error.value.message == "Add at least one corrective action before closing."
        with pytest.raises(ConflictError) as error:
            services.rca_effectiveness_record(rca=rca, actor=manager, effective=True)
        assert error.value.message == "Check effectiveness after closing the analysis."
        services.rca_update(rca=rca, actor=manager, five_whys=[" No slot", " ", "", "No plan"])
        assert RootCauseAnalysis.objects.get(pk=rca.pk).five_whys == ["No slot", "No plan"]
        with pytest.raises(ValidationError) as six:
            services.rca_update(rca=rca, actor=manager, five_whys=[f"why {n}" for n in range(6)])
        assert six.value.message_dict == {
            "five_whys": ["Five whys are at most 5 answers; this has 6."]
        }
        action = services.capa_add(
            rca=rca,
            actor=manager,
            description="Book slots",
            due_date=date(2025, 6, 1),
            kind="preventive",
        )
        assert action.kind == "preventive"
        assert RootCauseAnalysis.objects.get(pk=rca.pk).status == "capa"
        with pytest.raises(ConflictError) as error:
            services.rca_close(rca=rca, actor=manager, today=date(2025, 6, 1), now=timezone.now())
        assert error.value.message == "Every corrective action must be done before closing."
        services.capa_complete(action=action, actor=manager, now=timezone.now())
        action.refresh_from_db()
        assert action.status == "done" and action.completed_at is not None
        with pytest.raises(ConflictError) as error:
            services.capa_complete(action=action, actor=manager, now=timezone.now())
        assert error.value.message == "This action is already done."
        services.rca_close(rca=rca, actor=manager, today=date(2025, 6, 1), now=timezone.now())
        stored = RootCauseAnalysis.objects.get(pk=rca.pk)
        assert stored.status == "closed" and stored.closed_at is not None
        assert stored.effectiveness_check_due == date(2025, 8, 30)
        with pytest.raises(ConflictError) as error:
            services.rca_close(rca=rca, actor=manager, today=date(2025, 6, 1), now=timezone.now())
        assert error.value.message == "This analysis is already closed."
        with pytest.raises(ConflictError) as error:
            services.capa_add(rca=rca, actor=manager, description="x", due_date=date(2025, 7, 1))
        assert error.value.message == "A closed analysis takes no more actions."
        services.rca_effectiveness_record(rca=rca, actor=manager, effective=False)
        stored = RootCauseAnalysis.objects.get(pk=rca.pk)
        assert stored.status == "capa" and stored.effectiveness == "not_effective"
        rid, aid = str(rca.pk), str(action.pk)
        assert events() == [
            ("performance.rca.opened", manager.pk, "performance.rootcauseanalysis", rid, {}),
            (
                "performance.rca.updated",
                manager.pk,
                "performance.rootcauseanalysis",
                rid,
                {"five_whys": [[], ["No slot", "No plan"]]},
            ),
            ("performance.rca.closed", manager.pk, "performance.rootcauseanalysis", rid, {}),
            (
                "performance.rca.effectiveness_checked",
                manager.pk,
                "performance.rootcauseanalysis",
                rid,
                {"effective": False},
            ),
            ("performance.capa.added", manager.pk, "performance.correctiveaction", aid, {}),
            ("performance.capa.completed", manager.pk, "performance.correctiveaction", aid, {}),
        ]


def test_five_whys_are_at_most_five_answers(org_a, manager, scenario):
    from performance.models import RootCauseAnalysis

    with tenant_scope(org_a):
        rca = services.rca_create(
            actor=manager, partnership=scenario["partnership"], problem="Late deliveries"
        )
        whys = [f"why {n}" for n in range(5)]
        services.rca_update(rca=rca, actor=manager, five_whys=[*whys, "  ", ""])
        assert RootCauseAnalysis.objects.get(pk=rca.pk).five_whys == whys


# --- A page opened before another request's step ---------------------------------------------


def _stale(obj, **now):
    """The page's copy of `obj`, loaded before another request changed the row to `now`."""
    stale = type(obj).objects.get(pk=obj.pk)
    type(obj).objects.filter(pk=obj.pk).update(**now)
    return stale


def test_an_analysis_closed_since_the_page_was_opened_is_not_edited(org_a, manager, scenario):
    from tests.performance.factories import RootCauseAnalysisFactory

    with tenant_scope(org_a):
        rca = RootCauseAnalysisFactory(organization=org_a, partnership=scenario["partnership"])
        stale = _stale(rca, status="closed")
        with pytest.raises(ConflictError) as refused:
            services.rca_update(rca=stale, actor=manager, problem="Rewritten after closing")
        assert type(rca).objects.get(pk=rca.pk).problem == rca.problem
    assert refused.value.message == "A closed analysis cannot be edited."


def test_an_analysis_closed_since_the_page_was_opened_takes_no_action_and_stays_closed(
    org_a, manager, scenario
):
    from tests.performance.factories import RootCauseAnalysisFactory

    with tenant_scope(org_a):
        rca = RootCauseAnalysisFactory(organization=org_a, partnership=scenario["partnership"])
        stale = _stale(rca, status="closed")  # the page still shows it open
        with pytest.raises(ConflictError) as refused:
            services.capa_add(rca=stale, actor=manager, description="x", due_date=date(2025, 7, 1))
        assert type(rca).objects.get(pk=rca.pk).status == "closed"
        assert not rca.actions.exists()
    assert refused.value.message == "A closed analysis takes no more actions."


def test_an_analysis_closed_since_the_page_was_opened_is_not_closed_again(org_a, manager, scenario):
    from tests.performance.factories import CorrectiveActionFactory, RootCauseAnalysisFactory

    with tenant_scope(org_a):
        rca = RootCauseAnalysisFactory(
            organization=org_a, partnership=scenario["partnership"], status="capa"
        )
        CorrectiveActionFactory(
            organization=org_a, rca=rca, partnership=scenario["partnership"], status="done"
        )
        closed_at = datetime(2025, 5, 1, tzinfo=UTC)
        stale = _stale(rca, status="closed", closed_at=closed_at)
        with pytest.raises(ConflictError) as refused:
            services.rca_close(rca=stale, actor=manager, today=date(2025, 6, 1), now=timezone.now())
        assert type(rca).objects.get(pk=rca.pk).closed_at == closed_at
    assert refused.value.message == "This analysis is already closed."


def test_an_action_done_since_the_page_was_opened_keeps_the_time_it_was_done(
    org_a, manager, scenario
):
    from tests.performance.factories import CorrectiveActionFactory, RootCauseAnalysisFactory

    with tenant_scope(org_a):
        rca = RootCauseAnalysisFactory(
            organization=org_a, partnership=scenario["partnership"], status="capa"
        )
        action = CorrectiveActionFactory(
            organization=org_a, rca=rca, partnership=scenario["partnership"]
        )
        done_at = datetime(2025, 5, 1, tzinfo=UTC)
        stale = _stale(action, status="done", completed_at=done_at)
        with pytest.raises(ConflictError) as refused:
            services.capa_complete(action=stale, actor=manager, now=timezone.now())
        assert type(action).objects.get(pk=action.pk).completed_at == done_at
    assert refused.value.message == "This action is already done."


def test_effectiveness_is_not_recorded_on_an_analysis_reopened_since_the_page_was_opened(
    org_a, manager, scenario
):
    from tests.performance.factories import RootCauseAnalysisFactory

    with tenant_scope(org_a):
        rca = RootCauseAnalysisFactory(
            organization=org_a, partnership=scenario["partnership"], status="closed"
        )
        stale = _stale(rca, status="capa", effectiveness="not_effective")
        with pytest.raises(ConflictError) as refused:
            services.rca_effectiveness_record(rca=stale, actor=manager, effective=True)
        assert type(rca).objects.get(pk=rca.pk).effectiveness == "not_effective"
    assert refused.value.message == "Check effectiveness after closing the analysis."
