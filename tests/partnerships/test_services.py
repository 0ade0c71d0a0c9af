"""Rules of module 1, each with the test that fails without it."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from partnerships import services
from partnerships.models import (
    CandidateScore,
    DueDiligenceItem,
    OnboardingEscalation,
    Partnership,
    SelectionCriterion,
    SourcingCase,
)
from partnerships.selectors import exclusivity_conflicts, sourcing_case_analysis
from tenancy.context import tenant_scope
from tenancy.errors import ConflictError, TransitionNotAllowed
from tenancy.models import AuditEvent, Membership, Notification, Role
from tests.partnerships.factories import (
    DueDiligenceItemFactory,
    ExclusivityFactory,
    OnboardingMilestoneFactory,
    PartnerFactory,
    PartnershipFactory,
    SourcingCandidateFactory,
    SourcingCaseFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


@pytest.fixture
def scope(org_a):
    with tenant_scope(org_a):
        yield org_a


def _membership(user, org):
    return Membership.objects.get(user=user, organization=org)


# --- Partnerships --------------------------------------------------------------------------------


def test_a_negative_annual_value_is_a_field_error_and_nothing_is_saved(scope, owner):
    partner = PartnerFactory(organization=scope)
    with pytest.raises(ValidationError) as error:
        services.partnership_create(
            actor=owner, partner=partner, name="X", code="X-1", annual_value=Decimal("-5")
        )
    assert "annual_value" in error.value.message_dict
    assert not Partnership.objects.filter(code="X-1").exists()


def test_a_lifecycle_step_out_of_order_names_the_allowed_moves(scope, owner):
    partnership = PartnershipFactory(organization=scope, status="proposed")
    with pytest.raises(TransitionNotAllowed) as error:
        services.partnership_transition(partnership=partnership, actor=owner, status="active")
    assert "from Proposed it can move to Due diligence or Closed" in error.value.message


def test_an_open_mandatory_item_blocks_negotiation_and_the_reason_names_it(scope, owner):
    partnership = PartnershipFactory(organization=scope, status="due_diligence")
    DueDiligenceItemFactory(
        organization=scope, partnership=partnership, title="Sanctions screening", mandatory=True
    )
    DueDiligenceItemFactory(
        organization=scope, partnership=partnership, title="ESG rating", mandatory=False
    )
    with pytest.raises(TransitionNotAllowed) as error:
        services.partnership_transition(partnership=partnership, actor=owner, status="negotiating")
    assert "“Sanctions screening” (open)" in error.value.message
    assert "ESG rating" not in error.value.message
    partnership.refresh_from_db()
    assert partnership.status == "due_diligence"


def test_passed_or_waived_mandatory_items_let_the_partnership_negotiate(scope, owner):
    partnership = PartnershipFactory(organization=scope, status="due_diligence", owner=owner)
    passed = DueDiligenceItemFactory(organization=scope, partnership=partnership)
    waived = DueDiligenceItemFactory(organization=scope, partnership=partnership)
    services.due_diligence_item_update(item=passed, actor=owner, now=NOW, status="passed")
    services.due_diligence_item_update(
        item=waived, actor=owner, now=NOW, status="waived", findings="Covered by group audit."
    )
    services.partnership_transition(partnership=partnership, actor=owner, status="negotiating")
    partnership.refresh_from_db()
    assert partnership.status == "negotiating"
    assert AuditEvent.objects.filter(action="partnerships.partnership.negotiating").exists()


def test_a_failed_mandatory_item_still_blocks(scope, owner):
    partnership = PartnershipFactory(organization=scope, status="due_diligence", owner=owner)
    item = DueDiligenceItemFactory(organization=scope, partnership=partnership, title="Credit")
    services.due_diligence_item_update(
        item=item, actor=owner, now=NOW, status="failed", findings="Rating CCC."
    )
    assert services.transition_blockers(partnership, "negotiating") == [
        "Mandatory due-diligence items are not settled: “Credit” (failed)."
    ]


def test_a_candidate_in_due_diligence_can_still_be_abandoned(scope, owner):
    partnership = PartnershipFactory(organization=scope, status="due_diligence")
    DueDiligenceItemFactory(organization=scope, partnership=partnership)
    services.partnership_transition(
        partnership=partnership, actor=owner, status="closed", reason="Failed the credit check."
    )
    partnership.refresh_from_db()
    assert partnership.status == "closed"


# --- Due diligence and escalation ----------------------------------------------------------------


def test_the_full_template_adds_every_area_once(scope, owner):
    partnership = PartnershipFactory(organization=scope, status="due_diligence")
    services.due_diligence_apply_template(partnership=partnership, template="full", actor=owner)
    services.due_diligence_apply_template(partnership=partnership, template="full", actor=owner)
    items = DueDiligenceItem.objects.filter(partnership=partnership)
    assert items.count() == len(services.CHECKLIST_TEMPLATES["full"][1])
    assert set(items.values_list("area", flat=True)) == set(DueDiligenceItem.Area.values)


def test_failing_or_waiving_an_item_needs_findings(scope, owner):
    item = DueDiligenceItemFactory(organization=scope)
    for status in ("failed", "waived"):
        with pytest.raises(ValidationError) as error:
            services.due_diligence_item_update(item=item, actor=owner, now=NOW, status=status)
        assert "findings" in error.value.message_dict
    item.refresh_from_db()
    assert item.status == "open"


def test_a_failed_finding_escalates_to_the_owner_with_a_deadline(scope, owner):
    partnership = PartnershipFactory(organization=scope, status="due_diligence", owner=owner)
    item = DueDiligenceItemFactory(organization=scope, partnership=partnership, title="Sanctions")
    services.due_diligence_item_update(
        item=item, actor=owner, now=NOW, status="failed", findings="Owner on a watch list."
    )
    escalation = OnboardingEscalation.objects.get()
    assert (escalation.owner, escalation.item, escalation.source) == (owner, item, "finding")
    assert escalation.deadline == TODAY + datetime.timedelta(days=10)
    assert Notification.objects.filter(recipient=owner, title__contains="Sanctions").exists()


def test_a_failed_finding_of_a_partnership_whose_owner_left_escalates_to_the_reviewer(
    scope, owner, make_member
):
    left = make_member(scope, Role.PROCUREMENT_MANAGER, email="left@alpha.test")
    Membership.objects.filter(user=left).update(is_active=False)
    partnership = PartnershipFactory(organization=scope, status="due_diligence", owner=left)
    item = DueDiligenceItemFactory(organization=scope, partnership=partnership, title="Sanctions")
    services.due_diligence_item_update(
        item=item, actor=owner, now=NOW, status="failed", findings="Owner on a watch list."
    )
    assert OnboardingEscalation.objects.get().owner == owner


def test_a_missed_milestone_escalates_once(scope, owner):
    partnership = PartnershipFactory(organization=scope, owner=owner)
    OnboardingMilestoneFactory(
        organization=scope, partnership=partnership, due_date=TODAY - datetime.timedelta(days=1)
    )
    OnboardingMilestoneFactory(
        organization=scope, partnership=partnership, due_date=TODAY + datetime.timedelta(days=1)
    )
    OnboardingMilestoneFactory(
        organization=scope,
        partnership=partnership,
        due_date=TODAY - datetime.timedelta(days=9),
        completed_on=TODAY - datetime.timedelta(days=10),
    )
    assert services.onboarding_milestones_check(today=TODAY) == 1
    assert services.onboarding_milestones_check(today=TODAY) == 0
    assert OnboardingEscalation.objects.filter(source="milestone", owner=owner).count() == 1


def test_resolving_an_escalation_needs_a_resolution_and_happens_once(scope, owner):
    partnership = PartnershipFactory(organization=scope, owner=owner)
    item = DueDiligenceItemFactory(organization=scope, partnership=partnership)
    services.due_diligence_item_update(
        item=item, actor=owner, now=NOW, status="failed", findings="No."
    )
    escalation = OnboardingEscalation.objects.get()
    with pytest.raises(ValidationError):
        services.escalation_resolve(escalation=escalation, actor=owner, resolution=" ", now=NOW)
    services.escalation_resolve(
        escalation=escalation, actor=owner, resolution="Replaced the supplier.", now=NOW
    )
    with pytest.raises(ConflictError):
        services.escalation_resolve(escalation=escalation, actor=owner, resolution="x", now=NOW)


# --- Sourcing -------------------------------------------------------------------------------------


def test_a_tco_horizon_of_zero_is_a_field_error(scope, owner):
    with pytest.raises(ValidationError) as error:
        services.sourcing_case_create(actor=owner, title="Need", horizon_years=0)
    assert "horizon_years" in error.value.message_dict
    assert not SourcingCase.objects.exists()


def test_negative_costs_are_field_errors(scope, owner):
    case = SourcingCaseFactory(organization=scope)
    with pytest.raises(ValidationError) as error:
        services.tco_estimate_set(
            case=case, model="transactional", actor=owner, operating_cost=Decimal("-1")
        )
    assert "operating_cost" in error.value.message_dict


def test_a_new_need_starts_with_the_six_standard_criteria_adding_up_to_one_hundred(scope, owner):
    case = services.sourcing_case_create(actor=owner, title="Need")
    weights = list(case.criteria.values_list("weight", flat=True))
    assert len(weights) == 6 and sum(weights) == 100


def test_weights_that_do_not_add_up_are_refused_and_nothing_changes(scope, owner):
    case = services.sourcing_case_create(actor=owner, title="Need")
    before = list(case.criteria.values_list("name", "weight"))
    with pytest.raises(ValidationError) as error:
        services.selection_criteria_set(
            case=case, actor=owner, criteria=[("Reach", Decimal("60")), ("Price", Decimal("30"))]
        )
    assert error.value.message_dict["criteria"] == [
        "The weights add up to 90 %; they must add up to 100 %."
    ]
    assert list(case.criteria.values_list("name", "weight")) == before


def test_a_kept_criterion_keeps_its_scores(scope, owner):
    case = services.sourcing_case_create(actor=owner, title="Need")
    candidate = SourcingCandidateFactory(organization=scope, case=case)
    reach = case.criteria.get(name="Geographic reach")
    services.candidate_scores_set(candidate=candidate, actor=owner, scores={reach.pk: 4})
    services.selection_criteria_set(
        case=case,
        actor=owner,
        criteria=[("Geographic reach", Decimal("70")), ("Price", Decimal("30"))],
    )
    assert list(CandidateScore.objects.values_list("criterion__name", "score")) == [
        ("Geographic reach", 4)
    ]
    assert SelectionCriterion.objects.filter(case=case).count() == 2


def test_a_score_outside_one_to_five_is_refused_and_nothing_is_saved(scope, owner):
    case = services.sourcing_case_create(actor=owner, title="Need")
    candidate = SourcingCandidateFactory(organization=scope, case=case, risk_score=40)
    first, second = case.criteria.order_by("pk")[:2]
    with pytest.raises(ValidationError) as error:
        services.candidate_scores_set(
            candidate=candidate, actor=owner, scores={first.pk: 3, second.pk: 6}, risk_score=10
        )
    assert f"score_{second.pk}" in error.value.message_dict
    candidate.refresh_from_db()
    assert candidate.risk_score == 40 and not candidate.scores.exists()


def test_a_need_compares_at_most_five_candidates(scope, owner):
    case = SourcingCaseFactory(organization=scope)
    for _ in range(5):
        services.candidate_add(case=case, partner=PartnerFactory(organization=scope), actor=owner)
    with pytest.raises(ValidationError) as error:
        services.candidate_add(case=case, partner=PartnerFactory(organization=scope), actor=owner)
    assert "at most 5" in error.value.message_dict["partner"][0]


def test_the_analysis_computes_fit_and_tco_per_candidate(scope, owner):
    case = services.sourcing_case_create(
        actor=owner, title="Need", horizon_years=3, discount_rate=Decimal("10")
    )
    services.selection_criteria_set(
        case=case, actor=owner, criteria=[("Reach", Decimal("50")), ("Culture", Decimal("50"))]
    )
    reach, culture = case.criteria.order_by("pk")
    candidate = services.candidate_add(
        case=case, partner=PartnerFactory(organization=scope), actor=owner
    )
    services.candidate_scores_set(
        candidate=candidate, actor=owner, scores={reach.pk: 5, culture.pk: 2}
    )
    services.tco_estimate_set(
        case=case,
        model="strategic",
        candidate=candidate,
        actor=owner,
        acquisition_cost=Decimal("1000"),
        switching_cost=Decimal("500"),
        operating_cost=Decimal("2000"),
        transaction_cost=Decimal("300"),
        risk_cost=Decimal("200"),
    )
    view = sourcing_case_analysis(case).candidates[0]
    assert view.fit.total == Decimal("70.00")  # 50×5/5 + 50×2/5
    assert view.tco.npv == Decimal("7717.13")


def test_the_decision_needs_a_rationale_and_two_candidates(scope, owner):
    case = SourcingCaseFactory(organization=scope)
    only = SourcingCandidateFactory(organization=scope, case=case)
    with pytest.raises(ValidationError) as error:
        services.sourcing_case_decide(
            case=case, actor=owner, now=NOW, model="strategic", candidate=only, rationale=""
        )
    assert set(error.value.message_dict) == {"rationale", "candidate"}
    assert not Partnership.objects.exists()


def test_the_decision_opens_a_proposed_partnership_with_the_chosen_partner(scope, owner):
    case = SourcingCaseFactory(organization=scope, title="Battery modules", owner=owner)
    chosen = SourcingCandidateFactory(organization=scope, case=case)
    SourcingCandidateFactory(organization=scope, case=case)
    case = services.sourcing_case_decide(
        case=case,
        actor=owner,
        now=NOW,
        model="strategic",
        candidate=chosen,
        rationale="Best fit, supply security.",
    )
    partnership = case.partnership
    assert (partnership.partner, partnership.status, partnership.kind) == (
        chosen.partner,
        "proposed",
        "strategic_partnership",
    )
    assert (case.status, case.decided_at, case.decided_by) == ("decided", NOW, owner)
    event = AuditEvent.objects.get(action="partnerships.sourcingcase.decided")
    assert event.changes["rationale"] == "Best fit, supply security."
    with pytest.raises(ConflictError):
        services.tco_estimate_set(case=case, model="transactional", actor=owner)


def _decided_since_the_page_was_opened(case):
    stale = type(case).objects.get(pk=case.pk)  # the page's copy, still open
    type(case).objects.filter(pk=case.pk).update(status="decided")
    return stale


def test_a_need_decided_since_the_page_was_opened_keeps_its_figures(scope, owner):
    case = SourcingCaseFactory(organization=scope, title="Battery modules")
    candidate = SourcingCandidateFactory(organization=scope, case=case)
    stale = _decided_since_the_page_was_opened(case)
    decided = "This need is decided; its figures are kept as they were."
    for change in (
        lambda: services.sourcing_case_update(case=stale, actor=owner, title="Renamed"),
        lambda: services.tco_estimate_set(case=stale, model="transactional", actor=owner),
        lambda: services.selection_criteria_set(
            case=stale, actor=owner, criteria=[("Price", Decimal(100))]
        ),
        lambda: services.candidate_add(
            case=stale, partner=PartnerFactory(organization=scope), actor=owner
        ),
        lambda: services.candidate_scores_set(candidate=candidate, actor=owner, scores={}),
        lambda: services.candidate_remove(candidate=candidate, actor=owner),
    ):
        with pytest.raises(ConflictError) as refused:
            change()
        assert refused.value.message == decided
    case.refresh_from_db()
    assert case.title == "Battery modules"
    assert list(case.candidates.all()) == [candidate]
    assert not case.criteria.exists() and not case.estimates.exists()


# --- Exclusivity ----------------------------------------------------------------------------------


def test_the_conflict_check_finds_exactly_the_planted_overlaps(scope, owner, org_a):
    def partnership(name, status="active"):
        return PartnershipFactory(organization=scope, name=name, status=status)

    p1, p2, p3, p4, p5, p6, p7 = (
        partnership(n) for n in ("P1", "P2", "P3", "P4", "P5", "P6", "P7")
    )
    p6.status = "closed"
    p6.save()
    d = datetime.date

    def scope_(p, cats, regions, start, end):
        ExclusivityFactory(
            organization=scope,
            partnership=p,
            categories=cats,
            regions=regions,
            start_date=start,
            end_date=end,
        )

    scope_(p1, ["Packaging", "Labels"], ["EU"], d(2025, 1, 1), d(2027, 12, 31))
    scope_(p1, ["Labels"], ["Asia"], d(2025, 1, 1), d(2027, 12, 31))  # same partnership only
    scope_(p2, ["packaging"], ["eu", "US"], d(2026, 1, 1), d(2028, 12, 31))  # conflict with P1
    scope_(p3, ["Packaging"], ["Americas"], d(2025, 1, 1), d(2027, 12, 31))  # other region
    scope_(p4, ["Logistics"], ["EU"], d(2025, 1, 1), d(2027, 12, 31))  # other category
    scope_(p5, ["Labels"], ["EU"], d(2030, 1, 1), d(2031, 12, 31))  # later term
    scope_(p6, ["Packaging"], ["EU"], d(2025, 1, 1), d(2027, 12, 31))  # closed partnership
    scope_(p7, ["Labels"], ["EU"], d(2027, 6, 1), d(2029, 5, 31))  # conflict with P1
    membership = _membership(owner, org_a)
    found = exclusivity_conflicts(membership=membership)
    pairs = {frozenset((c.first.partnership.name, c.second.partnership.name)) for c in found}
    assert pairs == {frozenset({"P1", "P2"}), frozenset({"P1", "P7"})}
    by_pair = {frozenset((c.first.partnership.name, c.second.partnership.name)): c for c in found}
    p1_p2 = by_pair[frozenset({"P1", "P2"})]
    assert (p1_p2.categories, p1_p2.regions) == (["Packaging"], ["EU"])
    assert (p1_p2.overlap_start, p1_p2.overlap_end) == (d(2026, 1, 1), d(2027, 12, 31))
    assert len(exclusivity_conflicts(membership=membership, partnership=p2)) == 1
    assert exclusivity_conflicts(membership=membership, partnership=p4) == []


def test_an_exclusivity_needs_a_category_a_region_and_an_ordered_term(scope, owner):
    partnership = PartnershipFactory(organization=scope)
    from partnerships.models import Exclusivity

    with pytest.raises(ValidationError) as error:
        services.record_create(
            model=Exclusivity,
            actor=owner,
            partnership=partnership,
            categories=[" "],
            regions=[],
            start_date=datetime.date(2026, 1, 1),
            end_date=datetime.date(2025, 1, 1),
        )
    assert {"categories", "regions", "end_date"} <= set(error.value.message_dict)


def test_an_objective_cannot_be_owned_by_a_stakeholder_of_another_partnership(scope, owner):
    from partnerships.models import StakeholderObjective
    from tests.partnerships.factories import StakeholderFactory

    mine, other = PartnershipFactory(organization=scope), PartnershipFactory(organization=scope)
    stranger = StakeholderFactory(organization=scope, partnership=other)
    with pytest.raises(ValidationError) as error:
        services.record_create(
            model=StakeholderObjective,
            actor=owner,
            partnership=mine,
            title="Cost down",
            owner=stranger,
        )
    assert "owner" in error.value.message_dict


# --- The daily job --------------------------------------------------------------------------------


def test_the_milestone_job_run_twice_escalates_once(org_a, owner):
    from partnerships import tasks

    partnership = PartnershipFactory(organization=org_a, owner=owner)
    OnboardingMilestoneFactory(
        organization=org_a, partnership=partnership, due_date=TODAY - datetime.timedelta(days=3)
    )
    kwargs = {"organization_id": org_a.pk, "today": TODAY.isoformat()}
    first = tasks.onboarding_milestones_check.apply(kwargs=kwargs, throw=True).get()
    second = tasks.onboarding_milestones_check.apply(kwargs=kwargs, throw=True).get()
    assert (first, second) == ({"escalated": 1}, {"escalated": 0})


def test_the_milestone_check_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["partnerships-onboarding-milestones-check"]
    assert entry["task"] == "partnerships.tasks.onboarding_milestones_check_all_tenants"


def test_due_diligence_item_create_validates_stores_and_audits_the_item(scope, owner):
    partnership = PartnershipFactory(organization=scope)
    with pytest.raises(ValidationError) as refused:
        services.due_diligence_item_create(
            partnership=partnership, actor=owner, area="astrology", title="Stars"
        )
    assert list(refused.value.message_dict) == ["area"]
    item = services.due_diligence_item_create(
        partnership=partnership, actor=owner, area="sanctions", title="Screen the owners"
    )
    item.refresh_from_db()
    assert (item.partnership, item.area, item.title, item.status) == (
        partnership,
        "sanctions",
        "Screen the owners",
        "open",
    )
    [event] = AuditEvent.objects.filter(action="partnerships.duediligenceitem.created")
    assert (event.actor, event.object_id) == (owner, str(item.pk))
