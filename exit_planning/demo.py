"""Demo data of the exit-planning module: exit plans for the live partnerships (readiness
partly done), one partnership in wind-down (trigger confirmed, tasks under way, knowledge
transfer, data to destroy, an asset valued, a stakeholder notice) and one closed with its
post-mortem and a playbook change awaiting review. Idempotent: each part is looked up first.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from exit_planning import services
from exit_planning.models import ExitPlan, PostMortemEntry, WindDownTask
from partnerships import services as partnership_services
from partnerships.models import Partner, Partnership
from tenancy.models import Role

WIND_DOWN_CODE = "EXIT-WD"
CLOSED_CODE = "EXIT-CL"


def _partnership(manager, partner: Partner, name: str, code: str) -> Partnership:
    found = Partnership.objects.filter(code=code).first()
    if found is not None:
        return found
    return partnership_services.partnership_create(
        actor=manager,
        partner=partner,
        name=name,
        code=code,
        status=Partnership.Status.ACTIVE,
        owner=manager,
        currency=partner.organization.default_currency,
    )


def seed(tenant) -> None:
    manager = tenant.users[Role.PROCUREMENT_MANAGER]
    today = timezone.localdate()
    now = timezone.now()
    partner = Partner.objects.order_by("pk").first()
    if partner is None:
        return
    for index, partnership in enumerate(tenant.partnerships[:2]):
        if (
            partnership.status in ("active", "under_review")
            and not ExitPlan.objects.filter(partnership=partnership).exists()
        ):
            services.exit_plan_create(
                actor=manager,
                partnership=partnership,
                owner=manager,
                documentation_complete=True,
                data_map_complete=index == 0,
                knowledge_holders_named=True,
            )
    _wind_down(manager, tenant.users.get(Role.PARTNER_GUEST), partner, today=today, now=now)
    _closed(manager, partner, today=today, now=now)


def _wind_down(manager, guest, partner, *, today, now) -> None:
    partnership = _partnership(manager, partner, "Legacy packaging supply", WIND_DOWN_CODE)
    if ExitPlan.objects.filter(partnership=partnership).exists():
        return
    if guest is not None:  # the partner's representative works the joint streams too
        partnership_services.partnership_invite_guest(
            partnership=partnership, guest=guest, actor=manager
        )
    plan = services.exit_plan_create(
        actor=manager,
        partnership=partnership,
        owner=manager,
        documentation_complete=True,
        transition_obligations_in_contract=True,
        alternative_sources_identified=True,
    )
    trigger = services.exit_trigger_record(
        plan=plan,
        actor=manager,
        kind="strategic_drift",
        evidence="Packaging moves to recycled fibre; the partner will not retool.",
        today=today - timedelta(days=75),
    )
    services.exit_trigger_confirm(
        trigger=trigger, actor=manager, reason="Steering committee decision.", now=now
    )
    services.wind_down_open(
        plan=plan, end_date=today + timedelta(days=200), today=today - timedelta(days=70)
    )
    notice = WindDownTask.objects.get(plan=plan, code="notice")
    services.wind_down_task_complete(task=notice, actor=manager, today=today - timedelta(days=58))
    services.knowledge_item_create(
        plan=plan,
        actor=manager,
        kind="training",
        title="Line changeover procedure",
        holder="Piet de Vries (partner)",
        starts_on=today + timedelta(days=10),
        ends_on=today + timedelta(days=10),
    )
    services.knowledge_item_create(
        plan=plan,
        actor=manager,
        kind="access_window",
        title="Access to the partner's quality engineers",
        holder="Quality team (partner)",
        starts_on=today,
        ends_on=today + timedelta(days=120),
    )
    services.disposition_create(
        plan=plan,
        actor=manager,
        data_category="Forecasts and order history",
        action="destroy",
        rule="gdpr",
        today=today,
    )
    asset = services.asset_create(
        plan=plan,
        actor=manager,
        name="Cutting dies (set of 8)",
        kind="equipment",
        method="straight_line",
        cost=Decimal("64000"),
        salvage_value=Decimal("4000"),
        useful_life_years=Decimal("6"),
        age_years=Decimal("4"),
    )
    services.asset_accept(asset=asset, actor=manager, party="us", now=now)
    services.notice_create(
        plan=plan,
        actor=manager,
        stakeholder="Harbor Foods",
        email="supply@harbor-foods.example",
        kind="customer",
        message="Packaging for your orders moves to a new supplier; deliveries continue.",
    )


def _closed(manager, partner, *, today, now) -> None:
    partnership = _partnership(manager, partner, "Former freight consolidation", CLOSED_CODE)
    if ExitPlan.objects.filter(partnership=partnership).exists():
        return
    plan = services.exit_plan_create(actor=manager, partnership=partnership, owner=manager)
    trigger = services.exit_trigger_record(
        plan=plan,
        actor=manager,
        kind="market_shift",
        evidence="Freight rates halved; consolidation no longer pays.",
        today=today - timedelta(days=400),
    )
    services.exit_trigger_confirm(
        trigger=trigger, actor=manager, reason="Business case gone.", now=now
    )
    start = today - timedelta(days=390)
    tasks = services.wind_down_open(plan=plan, end_date=today - timedelta(days=90), today=start)
    for task in sorted(tasks, key=lambda t: t.order):
        services.wind_down_task_complete(task=task, actor=manager, today=task.due_on)
    item = services.disposition_create(
        plan=plan,
        actor=manager,
        data_category="Shipment tracking data",
        action="return",
        rule="contract",
        today=today,
    )
    services.disposition_mark_done(item=item, actor=manager, today=today - timedelta(days=60))
    services.disposition_verify(item=item, actor=manager, party="us", now=now)
    for section, party, text in (
        ("worked", "us", "Weekly joint load planning cut empty miles by a fifth."),
        ("worked", "partner", "A single contact on each side."),
        ("failed", "us", "Rates were fixed for three years with no index."),
        ("root_cause", "partner", "The contract had no price-review mechanism."),
        (
            "recommendation",
            "us",
            "Give every multi-year logistics contract an index-linked price review.",
        ),
    ):
        services.post_mortem_contribute(
            plan=plan, actor=manager, party=party, section=section, text=text
        )
    services.post_mortem_complete(plan=plan, actor=manager, now=now)
    recommendation = PostMortemEntry.objects.get(post_mortem__plan=plan, section="recommendation")
    services.playbook_change_from_entry(
        entry=recommendation,
        actor=manager,
        clause_type="price_adjustment",
        field="guidance",
    )
    services.exit_plan_close(plan=plan, actor=manager, today=today - timedelta(days=30))
