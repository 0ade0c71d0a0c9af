"""`make mutation`: mutmut (pinned in the `mutation` extra) over the services of performance,
contracts and governance; slow, never in CI. See docs/mutation.md.

    python scripts/mutation.py [TARGET ...] [--max-children N]

Each target is one services module and the tests that exercise it. mutmut copies what it needs
into a `mutants/` directory and runs pytest there; every target runs in a scratch copy of the
repository under var/mutation/<target>/ (so targets do not share state and the checkout stays
clean), with its own mutmut configuration. mutmut then runs, for each mutant, only the tests
that executed the mutated function, forked from a warm process, against the reused test
database. The script prints each target's kill rate and its surviving mutants.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = ROOT / "var" / "mutation"

# target: (module to mutate, tests that exercise it)
TARGETS: dict[str, tuple[str, list[str]]] = {
    "performance.kpis": (
        "performance/services/kpis.py",
        ["tests/performance/test_rules.py", "tests/performance/test_kpi_rules_pinned.py"],
    ),
    "performance.measurements": (
        "performance/services/measurements.py",
        [
            "tests/performance/test_rules.py",
            "tests/performance/test_services.py",
            "tests/performance/test_imports.py",
            "tests/performance/test_measurements_rules_pinned.py",
        ],
    ),
    "performance.imports": (
        "performance/services/imports.py",
        [
            "tests/performance/test_imports.py",
            "tests/performance/test_imports_rules_pinned.py",
            # The row checks of a file, through the job since the in-memory import went.
            "tests/performance/test_measurements_rules_pinned.py",
        ],
    ),
    "performance.slas": (
        "performance/services/slas.py",
        [
            "tests/performance/test_services.py",
            "tests/performance/test_dead_ends.py",
            "tests/performance/test_rules.py",
            "tests/performance/test_sla_versions.py",
        ],
    ),
    "performance.scorecards": (
        "performance/services/scorecards.py",
        [
            "tests/performance/test_rules.py",
            "tests/performance/test_services.py",
            "tests/performance/test_dead_ends.py",
            "tests/performance/test_confidentiality.py",
            "tests/performance/test_scorecard_rules_pinned.py",
        ],
    ),
    "performance.reports": (
        "performance/services/reports.py",
        [
            "tests/performance/test_rules.py",
            "tests/performance/test_tasks.py",
            "tests/performance/test_report_rules_pinned.py",
        ],
    ),
    "performance.qbrs": (
        "performance/services/qbrs.py",
        [
            "tests/performance/test_rules.py",
            "tests/performance/test_tasks.py",
            "tests/performance/test_dead_ends.py",
            "tests/performance/test_qbr_rules_pinned.py",
        ],
    ),
    "performance.rca": (
        "performance/services/rca.py",
        ["tests/performance/test_dead_ends.py", "tests/performance/test_rules.py"],
    ),
    # contracts/services/ is a package, one module per entity.
    "contracts.agreements": (
        "contracts/services/agreements.py",
        [
            "tests/contracts/test_review_rules.py",
            "tests/contracts/test_agreement_rules.py",
            "tests/contracts/test_services.py",
            "tests/contracts/test_rules_edges.py",
            "tests/contracts/test_date_range.py",
            "tests/contracts/test_agreement_rules_pinned.py",
        ],
    ),
    "contracts.clauses": (
        "contracts/services/clauses.py",
        [
            "tests/contracts/test_review_rules.py",
            "tests/contracts/test_rules_edges.py",
            "tests/contracts/test_confidentiality.py",
            "tests/contracts/test_services.py",
            "tests/contracts/test_clause_rules_pinned.py",
        ],
    ),
    "contracts.obligations": (
        "contracts/services/obligations.py",
        [
            "tests/contracts/test_rules_edges.py",
            "tests/contracts/test_date_range.py",
            "tests/contracts/test_services.py",
            "tests/contracts/test_obligation_rules_pinned.py",
            "tests/contracts/test_obligation_waiver.py",
            "tests/contracts/test_obligation_lifecycle.py",
            "tests/contracts/test_obligation_owners.py",
        ],
    ),
    "contracts.shared": (
        "contracts/services/_shared.py",
        [
            "tests/contracts/test_shared_rules.py",
            "tests/contracts/test_review_rules.py",
            "tests/contracts/test_confidentiality.py",
            "tests/contracts/test_agreement_rules_pinned.py",
            "tests/contracts/test_shared_rules_pinned.py",
        ],
    ),
    "contracts.intake": (
        "contracts/services/intake.py",
        [
            "tests/contracts/test_intake.py",
            "tests/contracts/test_intake_redelivery.py",
            "tests/contracts/test_rules_edges.py",
            "tests/contracts/test_intake_rules_pinned.py",
        ],
    ),
    # Sixteenth session: the reads that decide what a partner guest sees (never the playbook,
    # deviations, review state, internal comments or drafts) and the contract calendar.
    "contracts.selectors": (
        "contracts/selectors.py",
        [
            "tests/contracts/test_confidentiality.py",
            "tests/contracts/test_review_rules.py",
            "tests/contracts/test_pages.py",
            "tests/contracts/test_api.py",
            "tests/contracts/test_api_review.py",
            "tests/contracts/test_deadlines.py",
            "tests/contracts/test_dates.py",
            "tests/contracts/test_services.py",
            "tests/contracts/test_obligation_waiver.py",
        ],
    ),
    "contracts.notices": (
        "contracts/services/notices.py",
        [
            "tests/contracts/test_date_range.py",
            "tests/contracts/test_services.py",
            "tests/contracts/test_notices_rules_pinned.py",
        ],
    ),
    "contracts.playbook": (
        "contracts/services/playbook.py",
        [
            "tests/contracts/test_api.py",
            "tests/contracts/test_confidentiality.py",
            "tests/contracts/test_playbook_rules_pinned.py",
        ],
    ),
    "contracts.feedback": (
        "contracts/services/feedback.py",
        [
            "tests/contracts/test_clause_feedback.py",
            "tests/contracts/test_feedback_rules_pinned.py",
        ],
    ),
    # governance/services/ is a package too; each module with the tests of its rules.
    "governance.raci": (
        "governance/services/raci.py",
        [
            "tests/governance/test_raci_and_escalations.py",
            "tests/governance/test_rule_functions.py",
            "tests/governance/test_raci_rules_pinned.py",
        ],
    ),
    "governance.decision_rights": (
        "governance/services/decision_rights.py",
        [
            "tests/governance/test_decision_rights.py",
            "tests/governance/test_rule_functions.py",
            "tests/governance/test_decision_rights_rules_pinned.py",
            "tests/governance/test_committee_seats_by_term.py",
        ],
    ),
    "governance.meetings": (
        "governance/services/meetings.py",
        [
            "tests/governance/test_committees.py",
            "tests/governance/test_rule_functions.py",
            "tests/governance/test_board_pages.py",
            "tests/governance/test_meeting_rules_pinned.py",
            "tests/governance/test_minutes_need_a_held_meeting.py",
            "tests/governance/test_status_lifecycles.py",
            "tests/governance/test_guest_taken_off_hears_nothing.py",
            "tests/governance/test_committee_seats_by_term.py",
            "tests/governance/test_officers_sit_by_term.py",
        ],
    ),
    "governance.escalations": (
        "governance/services/escalations.py",
        [
            "tests/governance/test_raci_and_escalations.py",
            "tests/governance/test_tasks.py",
            "tests/governance/test_escalation_rules_pinned.py",
            "tests/governance/test_escalation_full_run_rules_pinned.py",
            "tests/governance/test_committee_seats_by_term.py",
        ],
    ),
    "governance.committees": (
        "governance/services/committees.py",
        [
            "tests/governance/test_committees.py",
            "tests/governance/test_rule_functions.py",
            "tests/governance/test_decision_rights.py",
            "tests/governance/test_committee_rules_pinned.py",
            "tests/governance/test_committee_seats_by_term.py",
            "tests/governance/test_officers_sit_by_term.py",
            "tests/governance/test_terms_ending_told.py",
            "tests/governance/test_sitting_and_replacing_rules_named.py",
        ],
    ),
    "governance.change_requests": (
        "governance/services/change_requests.py",
        [
            "tests/governance/test_services.py",
            "tests/governance/test_decision_rights.py",
            "tests/governance/test_tasks.py",
            "tests/governance/test_raci_and_escalations.py",
            "tests/governance/test_change_request_rules_pinned.py",
            "tests/governance/test_sla_changes.py",
            "tests/governance/test_guest_taken_off_hears_nothing.py",
            "tests/governance/test_stale_approver_replaced.py",
            "tests/governance/test_sitting_and_replacing_rules_named.py",
        ],
    ),
    "governance.change_request_escalation": (
        "governance/services/change_request_escalation.py",
        [
            "tests/governance/test_tasks.py",
            "tests/governance/test_change_request_escalation_rules_pinned.py",
        ],
    ),
    "governance.sla_changes": (
        "governance/services/sla_changes.py",
        [
            "tests/governance/test_sla_changes.py",
            "tests/governance/test_sla_change_pages.py",
            "tests/governance/test_sla_change_rules_pinned.py",
        ],
    ),
    "governance.crisis": (
        "governance/services/crisis.py",
        ["tests/governance/test_crisis.py", "tests/governance/test_crisis_rules_pinned.py"],
    ),
    "governance.transparency": (
        "governance/services/transparency.py",
        [
            "tests/governance/test_transparency.py",
            "tests/governance/test_compliance.py",
            "tests/governance/test_transparency_rules_pinned.py",
        ],
    ),
    "governance.calendar": (
        "governance/services/calendar.py",
        ["tests/governance/test_board_pages.py", "tests/governance/test_calendar_rules_pinned.py"],
    ),
    "governance.minutes_pdf": (
        "governance/services/minutes_pdf.py",
        [
            "tests/governance/test_board_pages.py",
            "tests/governance/test_minutes_pdf_rules_pinned.py",
        ],
    ),
    "performance.health": (
        "performance/services/health.py",
        ["tests/performance/test_health_rules_pinned.py"],
    ),
    # finance: the money arithmetic (pure) and the services that apply it.
    "finance.calc": (
        "finance/calc.py",
        ["tests/finance/test_calc.py", "tests/finance/test_calc_rules_pinned.py"],
    ),
    "finance.gain_sharing": (
        "finance/services/gain_sharing.py",
        [
            "tests/finance/test_services.py",
            "tests/finance/test_calc.py",
            "tests/finance/test_gain_sharing_rules_pinned.py",
            "tests/finance/test_gain_share_band_corrections.py",
            "tests/finance/test_tier_and_band_races.py",
        ],
    ),
    "finance.savings": (
        "finance/services/savings.py",
        ["tests/finance/test_services.py", "tests/finance/test_savings_rules_pinned.py"],
    ),
    "finance.cost_pools": (
        "finance/services/cost_pools.py",
        ["tests/finance/test_services.py", "tests/finance/test_cost_pool_corrections.py"],
    ),
    "finance.rebates": (
        "finance/services/rebates.py",
        [
            "tests/finance/test_services.py",
            "tests/finance/test_rebates_and_fx_rules_pinned.py",
            "tests/finance/test_rebate_corrections.py",
            "tests/finance/test_tier_and_band_races.py",
        ],
    ),
    "finance.fx": (
        "finance/services/fx.py",
        ["tests/finance/test_services.py", "tests/finance/test_rebates_and_fx_rules_pinned.py"],
    ),
    # risk and exit planning services.
    "risk.register": (
        "risk/services/register.py",
        [
            "tests/risk/test_services.py",
            "tests/risk/test_register_rules_pinned.py",
            "tests/risk/test_portfolio_scores.py",
            "tests/risk/test_pricing.py",
        ],
    ),
    "risk.insurance": (
        "risk/services/insurance.py",
        [
            "tests/risk/test_services.py",
            "tests/risk/test_insurance_rules_pinned.py",
            "tests/risk/test_portfolio_scores.py",
            "tests/risk/test_pricing.py",
        ],
    ),
    "risk.prices": (
        "risk/services/prices.py",
        [
            "tests/risk/test_services.py",
            "tests/risk/test_prices_rules_pinned.py",
            "tests/risk/test_portfolio_scores.py",
            "tests/risk/test_pricing.py",
        ],
    ),
    "risk.breaches": (
        "risk/services/breaches.py",
        [
            "tests/risk/test_services.py",
            "tests/risk/test_breaches_rules_pinned.py",
            "tests/risk/test_portfolio_scores.py",
            "tests/risk/test_pricing.py",
        ],
    ),
    "risk.scores": (
        "risk/services/scores.py",
        [
            "tests/risk/test_services.py",
            "tests/risk/test_scores_rules_pinned.py",
            "tests/risk/test_portfolio_scores.py",
            "tests/risk/test_pricing.py",
        ],
    ),
    "risk.compliance": (
        "risk/services/compliance.py",
        [
            "tests/risk/test_compliance.py",
            "tests/governance/test_compliance.py",
            "tests/risk/test_compliance_rules_pinned.py",
        ],
    ),
    "exit_planning.triggers": (
        "exit_planning/services/triggers.py",
        [
            "tests/exit_planning/test_services.py",
            "tests/exit_planning/test_exit_service_rules.py",
            "tests/exit_planning/test_named_service_rules.py",
            "tests/exit_planning/test_triggers_and_wind_down_pinned.py",
        ],
    ),
    "exit_planning.wind_down": (
        "exit_planning/services/wind_down.py",
        [
            "tests/exit_planning/test_services.py",
            "tests/exit_planning/test_exit_service_rules.py",
            "tests/exit_planning/test_named_service_rules.py",
            "tests/exit_planning/test_triggers_and_wind_down_pinned.py",
            "tests/exit_planning/test_job.py",
        ],
    ),
    "exit_planning.plans": (
        "exit_planning/services/plans.py",
        [
            "tests/exit_planning/test_services.py",
            "tests/exit_planning/test_exit_service_rules.py",
            "tests/exit_planning/test_named_service_rules.py",
            "tests/exit_planning/test_plans_and_dispositions_pinned.py",
            "tests/exit_planning/test_plan_follows_partnership.py",
        ],
    ),
    "exit_planning.assets": (
        "exit_planning/services/assets.py",
        [
            "tests/exit_planning/test_services.py",
            "tests/exit_planning/test_assets_rules_pinned.py",
            "tests/exit_planning/test_exit_service_rules.py",
            "tests/exit_planning/test_named_service_rules.py",
        ],
    ),
    "exit_planning.dispositions": (
        "exit_planning/services/dispositions.py",
        [
            "tests/exit_planning/test_services.py",
            "tests/exit_planning/test_exit_service_rules.py",
            "tests/exit_planning/test_named_service_rules.py",
            "tests/exit_planning/test_plans_and_dispositions_pinned.py",
        ],
    ),
    "exit_planning.playbook_changes": (
        "exit_planning/services/playbook_changes.py",
        [
            "tests/exit_planning/test_services.py",
            "tests/exit_planning/test_exit_service_rules.py",
            "tests/exit_planning/test_named_service_rules.py",
            "tests/exit_planning/test_playbook_changes_pinned.py",
        ],
    ),
    "exit_planning.notices": (
        "exit_planning/services/notices.py",
        [
            "tests/exit_planning/test_services.py",
            "tests/exit_planning/test_notices_rules_pinned.py",
            "tests/exit_planning/test_exit_service_rules.py",
            "tests/exit_planning/test_named_service_rules.py",
        ],
    ),
    "exit_planning.knowledge": (
        "exit_planning/services/knowledge.py",
        [
            "tests/exit_planning/test_services.py",
            "tests/exit_planning/test_exit_service_rules.py",
            "tests/exit_planning/test_named_service_rules.py",
            "tests/exit_planning/test_knowledge_and_post_mortems_pinned.py",
        ],
    ),
    "exit_planning.post_mortems": (
        "exit_planning/services/post_mortems.py",
        [
            "tests/exit_planning/test_services.py",
            "tests/exit_planning/test_exit_service_rules.py",
            "tests/exit_planning/test_named_service_rules.py",
            "tests/exit_planning/test_knowledge_and_post_mortems_pinned.py",
        ],
    ),
    # The pure rule modules of risk, partnerships, exit planning and performance.
    "risk.pricing": ("risk/pricing.py", ["tests/risk/test_pricing.py"]),
    "risk.scoring": ("risk/scoring.py", ["tests/risk/test_scoring.py"]),
    "risk.spof": ("risk/spof.py", ["tests/risk/test_spof.py"]),
    # partnerships' services (the hub: partnerships, guests, due diligence).
    "partnerships.partnerships": (
        "partnerships/services/partnerships.py",
        [
            "tests/partnerships/test_services.py",
            "tests/partnerships/test_api.py",
            "tests/partnerships/test_partnership_rules_pinned.py",
        ],
    ),
    "partnerships.due_diligence": (
        "partnerships/services/due_diligence.py",
        [
            "tests/partnerships/test_services.py",
            "tests/partnerships/test_module_api.py",
            "tests/partnerships/test_due_diligence_rules_pinned.py",
        ],
    ),
    "partnerships.sourcing": (
        "partnerships/sourcing.py",
        ["tests/partnerships/test_sourcing_arithmetic.py", "tests/partnerships/test_services.py"],
    ),
    "exit_planning.winddown": (
        "exit_planning/winddown.py",
        [
            "tests/exit_planning/test_services.py",
            "tests/exit_planning/test_job.py",
            "tests/exit_planning/test_winddown_pinned.py",
        ],
    ),
    "performance.scoring": (
        "performance/scoring.py",
        [
            "tests/performance/test_scoring.py",
            "tests/performance/test_scoring_names_its_parameter.py",
            "tests/performance/test_sla.py",
            "tests/performance/test_scorecard_rules_pinned.py",
        ],
    ),
    # innovation's services and integrations' (feeds, documents, stock, DR tests).
    "innovation.initiatives": (
        "innovation/services/initiatives.py",
        [
            "tests/innovation/test_services.py",
            "tests/innovation/test_api.py",
            "tests/innovation/test_pages.py",
            "tests/innovation/test_programme_rules_pinned.py",
            "tests/innovation/test_initiative_rules_pinned.py",
        ],
    ),
    "innovation.pilots": (
        "innovation/services/pilots.py",
        [
            "tests/innovation/test_services.py",
            "tests/innovation/test_api.py",
            "tests/innovation/test_pages.py",
            "tests/innovation/test_programme_rules_pinned.py",
            "tests/innovation/test_pilot_rules_pinned.py",
        ],
    ),
    "innovation.programmes": (
        "innovation/services/programmes.py",
        [
            "tests/innovation/test_services.py",
            "tests/innovation/test_api.py",
            "tests/innovation/test_pages.py",
            "tests/innovation/test_programme_rules_pinned.py",
        ],
    ),
    "innovation.lessons": (
        "innovation/services/lessons.py",
        [
            "tests/innovation/test_services.py",
            "tests/innovation/test_api.py",
            "tests/innovation/test_pages.py",
            "tests/innovation/test_programme_rules_pinned.py",
            "tests/innovation/test_lesson_rules_pinned.py",
        ],
    ),
    "integrations.connectors": (
        "integrations/services/connectors.py",
        [
            "tests/integrations/test_services.py",
            "tests/integrations/test_service_rules_named.py",
            "tests/integrations/test_small_rules.py",
            "tests/integrations/test_connectors.py",
            "tests/integrations/test_connector_security.py",
            "tests/integrations/test_connector_rules_pinned.py",
        ],
    ),
    "integrations.crosswalks": (
        "integrations/services/crosswalks.py",
        [
            "tests/integrations/test_services.py",
            "tests/integrations/test_service_rules_named.py",
            "tests/integrations/test_small_rules.py",
            "tests/integrations/test_crosswalks.py",
            "tests/integrations/test_crosswalk_rules_pinned.py",
        ],
    ),
    "integrations.discrepancies": (
        "integrations/services/discrepancies.py",
        [
            "tests/integrations/test_services.py",
            "tests/integrations/test_service_rules_named.py",
            "tests/integrations/test_small_rules.py",
            "tests/integrations/test_discrepancies.py",
            "tests/integrations/test_discrepancy_rules_pinned.py",
        ],
    ),
    "integrations.documents": (
        "integrations/services/documents.py",
        [
            "tests/integrations/test_services.py",
            "tests/integrations/test_service_rules_named.py",
            "tests/integrations/test_small_rules.py",
            "tests/integrations/test_api_records.py",
            "tests/integrations/test_pages.py",
            "tests/integrations/test_document_rules_pinned.py",
        ],
    ),
    "integrations.dr_tests": (
        "integrations/services/dr_tests.py",
        [
            "tests/integrations/test_services.py",
            "tests/integrations/test_service_rules_named.py",
            "tests/integrations/test_small_rules.py",
            "tests/integrations/test_dr_tests.py",
            "tests/integrations/test_dr_test_rules_pinned.py",
        ],
    ),
    "integrations.stock": (
        "integrations/services/stock.py",
        [
            "tests/integrations/test_services.py",
            "tests/integrations/test_service_rules_named.py",
            "tests/integrations/test_small_rules.py",
            "tests/integrations/test_forecasts_stock.py",
            "tests/integrations/test_stock_rules_pinned.py",
        ],
    ),
    "integrations.forecasts": (
        "integrations/services/forecasts.py",
        [
            "tests/integrations/test_services.py",
            "tests/integrations/test_service_rules_named.py",
            "tests/integrations/test_small_rules.py",
            "tests/integrations/test_forecasts_stock.py",
            "tests/integrations/test_forecast_rules_pinned.py",
            "tests/integrations/test_forecast_and_stock_owners.py",
        ],
    ),
    "integrations.data_sharing": (
        "integrations/services/data_sharing.py",
        [
            "tests/integrations/test_services.py",
            "tests/integrations/test_service_rules_named.py",
            "tests/integrations/test_small_rules.py",
            "tests/integrations/test_api.py",
            "tests/integrations/test_retention.py",
            "tests/integrations/test_data_sharing_rules_pinned.py",
        ],
    ),
    "integrations.monitoring": (
        "integrations/services/monitoring.py",
        [
            "tests/integrations/test_services.py",
            "tests/integrations/test_service_rules_named.py",
            "tests/integrations/test_small_rules.py",
            "tests/integrations/test_tasks.py",
            "tests/integrations/test_nobody_owns_it_the_admins_hear.py",
            "tests/integrations/test_monitoring_rules_pinned.py",
        ],
    ),
    "integrations.document_kpis": (
        "integrations/services/document_kpis.py",
        [
            "tests/integrations/test_services.py",
            "tests/integrations/test_service_rules_named.py",
            "tests/integrations/test_small_rules.py",
            "tests/integrations/test_document_kpis.py",
            "tests/integrations/test_document_kpi_rules_pinned.py",
        ],
    ),
    "integrations.matching": (
        "integrations/matching.py",
        [
            "tests/integrations/test_services.py",
            "tests/integrations/test_service_rules_named.py",
            "tests/integrations/test_small_rules.py",
            "tests/integrations/test_discrepancies.py",
            "tests/integrations/test_matching_rules_pinned.py",
        ],
    ),
    # Eleventh session: tenancy's writes, EDI reading, outbound, webhook events, payment terms
    # and the partnerships' generic records.
    "tenancy.services": (
        "tenancy/services.py",
        [
            "tests/tenancy/test_handover.py",
            "tests/tenancy/test_owners_are_staff.py",
            "tests/tenancy/test_members.py",
            "tests/tenancy/test_organization_services.py",
            "tests/tenancy/test_api_keys_and_auth.py",
            "tests/tenancy/test_api_key_scopes.py",
            "tests/tenancy/test_notifications.py",
            "tests/tenancy/test_notification_rules.py",
            "tests/tenancy/test_partner_guests.py",
            "tests/tenancy/test_people_to_pick.py",
            "tests/tenancy/test_access_service_rules.py",
            "tests/tenancy/test_tenancy_services_rules_pinned.py",
            "tests/governance/test_guest_taken_off_hears_nothing.py",
        ],
    ),
    "integrations.reading": (
        "integrations/services/reading.py",
        [
            "tests/integrations/test_services.py",
            "tests/integrations/test_service_rules_named.py",
            "tests/integrations/test_small_rules.py",
            "tests/integrations/test_discrepancies.py",
            "tests/integrations/test_document_rules_pinned.py",
            "tests/integrations/test_reading_rules_pinned.py",
        ],
    ),
    "integrations.outbound": (
        "integrations/services/outbound.py",
        [
            "tests/integrations/test_outbound.py",
            "tests/integrations/test_service_rules_named.py",
            "tests/integrations/test_outbound_rules_pinned.py",
        ],
    ),
    "integrations.webhook_events": (
        "integrations/services/webhook_events.py",
        [
            "tests/integrations/test_webhook_events.py",
            "tests/integrations/test_webhooks.py",
            "tests/integrations/test_service_rules_named.py",
            "tests/integrations/test_webhook_events_rules_pinned.py",
        ],
    ),
    "finance.payment_terms": (
        "finance/services/payment_terms.py",
        [
            "tests/finance/test_services.py",
            "tests/finance/test_pages.py",
            "tests/finance/test_payment_terms_rules_pinned.py",
        ],
    ),
    "partnerships.records": (
        "partnerships/services/records.py",
        [
            "tests/partnerships/test_services.py",
            "tests/partnerships/test_record_services_named.py",
            "tests/partnerships/test_record_corrections.py",
            "tests/partnerships/test_api_deletions_need_a_reason.py",
            "tests/tenancy/test_owners_are_staff.py",
            "tests/partnerships/test_records_rules_pinned.py",
        ],
    ),
    # The organization admin's services (invitations, roles, deactivation, guests, settings)
    # and single sign-on: moved out of tenancy/services.py into tenancy/access/ and not targets
    # until the thirteenth session.
    "tenancy.access_members": (
        "tenancy/access/services/members.py",
        [
            "tests/tenancy/test_access_service_rules.py",
            "tests/tenancy/test_members.py",
            "tests/tenancy/test_partner_guests.py",
            "tests/tenancy/test_invitation_lifecycle.py",
            "tests/tenancy/test_organization_services.py",
            "tests/tenancy/test_admin_api.py",
            "tests/tenancy/test_audit_log_and_settings.py",
            "tests/tenancy/test_access_rules_pinned.py",
            "tests/tenancy/test_invitation_rules_pinned.py",
        ],
    ),
    "tenancy.access_sso": (
        "tenancy/access/services/sso.py",
        [
            "tests/tenancy/test_single_sign_on.py",
            "tests/tenancy/test_secrets_at_rest.py",
            "tests/tenancy/test_domain_lookup.py",
            "tests/tenancy/test_sso_rules_pinned.py",
        ],
    ),
    # The sourcing case's services (the arithmetic is `partnerships.sourcing` above) and the
    # partner register's: not targets until the thirteenth session.
    "partnerships.sourcing_cases": (
        "partnerships/services/sourcing.py",
        [
            "tests/partnerships/test_services.py",
            "tests/partnerships/test_module_api.py",
            "tests/partnerships/test_pages.py",
            "tests/partnerships/test_status_lifecycles.py",
            "tests/tenancy/test_owners_are_staff.py",
            "tests/partnerships/test_sourcing_rules_pinned.py",
        ],
    ),
    "partnerships.partners": (
        "partnerships/services/partners.py",
        [
            "tests/partnerships/test_services.py",
            "tests/partnerships/test_sourcing_rules_pinned.py",
            "tests/partnerships/test_record_services_named.py",
            "tests/robustness/test_updates.py",
            "tests/tenancy/test_audit.py",
        ],
    ),
}

# Everything the Django project needs to start inside mutmut's copy.
ALSO_COPY = [
    "config",
    "tenancy",
    "partnerships",
    "contracts",
    "risk",
    "governance",
    "finance",
    "integrations",
    "performance",
    "exit_planning",
    "innovation",
    "templates",
    "static",
    "manage.py",
    "conftest.py",
]


def _copy_repository(target_dir: Path) -> None:
    if target_dir.exists():
        shutil.rmtree(target_dir)
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        source = ROOT / name
        if not source.is_file():
            continue
        destination = target_dir / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)


def _undecorate(path: Path) -> int:
    """mutmut 3 leaves decorated functions alone, and every service is `@transaction.atomic`:
    in the scratch copy the decorator moves to an assignment at the end of the module (the same
    wrapping, applied after the definitions), so the services' bodies are mutated."""
    lines = path.read_text().splitlines()
    out, wrapped = [], []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line == "@transaction.atomic" and following.startswith("def "):
            wrapped.append(following[4:].split("(", 1)[0])
            continue
        out.append(line)
    if wrapped:
        out.append("")
        out.append("# scripts/mutation.py: the decorators, applied after the definitions")
        out.extend(f"{name} = transaction.atomic({name})" for name in wrapped)
    path.write_text("\n".join(out) + "\n")
    return len(wrapped)


FORK_SAFE_CONFTEST = '''"""Written by scripts/mutation.py. Each mutant runs in a process
forked from one that already ran the tests and so holds its database connection; two processes
on one socket corrupt each other's session (a mutant would then "fail" for nothing). Drop the
inherited connection, unclosed, and let Django open a fresh one."""

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.connection = None
        connection.in_atomic_block = False
        connection.savepoint_ids = []
        connection.needs_rollback = False
'''


def _write_config(target_dir: Path, module: str, tests: list[str]) -> None:
    (target_dir / "conftest.py").write_text(FORK_SAFE_CONFTEST)
    app = module.split("/")[0]
    pyproject = target_dir / "pyproject.toml"
    # mutmut runs pytest from inside its `mutants/` copy and drops that directory from sys.path;
    # pytest's own `pythonpath` puts it back before pytest-django imports the settings.
    text = pyproject.read_text().replace(
        "[tool.pytest.ini_options]\n", '[tool.pytest.ini_options]\npythonpath = ["."]\n', 1
    )
    copies = [c for c in ALSO_COPY if c != app and (target_dir / c).exists()]
    text += (
        "\n[tool.mutmut]\n"
        f"source_paths = [{json.dumps(app)}]\n"
        f"only_mutate = [{json.dumps(module)}]\n"
        f"also_copy = {json.dumps(copies)}\n"
        # The test database is created once and reused by every forked mutant run.
        f"pytest_add_cli_args = {json.dumps(['--reuse-db', '-p', 'no:cacheprovider', '-x'])}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
        'process_isolation = "fork"\n'
    )
    pyproject.write_text(text)


def _summary(target_dir: Path) -> tuple[dict[str, int], list[str]]:
    mutmut = [sys.executable, "-m", "mutmut"]
    output = subprocess.run(
        [*mutmut, "results", "--all", "true"],
        cwd=target_dir,
        capture_output=True,
        text=True,
    ).stdout
    counts: dict[str, int] = {}
    survivors = []
    for line in output.splitlines():
        if ":" not in line:
            continue
        name, status = (part.strip() for part in line.rsplit(":", 1))
        counts[status] = counts.get(status, 0) + 1
        if status == "survived":
            survivors.append(name)
    return counts, survivors


def run_target(name: str, max_children: int) -> dict:
    module, tests = TARGETS[name]
    target_dir = SCRATCH / name
    _copy_repository(target_dir)
    _undecorate(target_dir / module)
    _write_config(target_dir, module, tests)
    # mutmut takes `mutants/` off sys.path in its workers; a directory of links to the project's
    # packages (inside `mutants/`, so the mutated code is what they import) keeps them importable.
    links = target_dir / "links"
    links.mkdir(exist_ok=True)
    for package in ALSO_COPY + ["tests", "bench"]:
        link = links / package
        # Regular packages only: a namespace package (tenancy) found twice would be two paths.
        if (target_dir / package / "__init__.py").exists() and not link.exists():
            link.symlink_to(target_dir / "mutants" / package)
    # A test database of its own: mutation runs never disturb the developer's test runs.
    base = os.environ.get("TEST_DATABASE_NAME") or "test_partnerline"
    # mutmut itself may live outside the venv (a `pip install --target` directory on
    # PYTHONPATH): keep what is there, after the links.
    python_path = os.pathsep.join(p for p in (str(links), os.environ.get("PYTHONPATH")) if p)
    env = {
        **os.environ,
        "PYTHONPATH": python_path,
        "TEST_DATABASE_NAME": f"{base}_mutation",
    }
    subprocess.run(
        [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children)],
        cwd=target_dir,
        env=env,
        check=False,
    )
    counts, survivors = _summary(target_dir)
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    judged = killed + counts.get("survived", 0)
    rate = killed / judged if judged else 0.0
    print(f"\n== {name} ({module}): {rate:.0%} killed ({killed} of {judged}); {counts}")
    for survivor in survivors:
        print(f"   survived: {survivor}")
    return {"target": name, "kill_rate": rate, "counts": counts, "survivors": survivors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help=", ".join(TARGETS))
    parser.add_argument("--max-children", type=int, default=1)
    args = parser.parse_args(argv)
    unknown = [name for name in args.targets if name not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s) {unknown}; choose among {', '.join(TARGETS)}")
    SCRATCH.mkdir(parents=True, exist_ok=True)
    reports = [run_target(name, args.max_children) for name in args.targets or list(TARGETS)]
    (SCRATCH / "summary.json").write_text(json.dumps(reports, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
