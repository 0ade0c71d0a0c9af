"""Demo data of the innovation module, on the first demo partnership (the one the partner's
guest is invited to): initiatives in every state (one submitted by the partner and half
scored, one parked, one rejected, one approved with a realised benefit in the savings ledger,
one in pilot, one implemented), one pilot decided "go" with its evidence, one running, a task
force of both parties, a sourcing model, a knowledge-sharing session and a joint supplier
programme. Idempotent: nothing is added when the first initiative exists.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from innovation import services
from innovation.models import ImprovementInitiative, Party
from performance.models import Kpi, Measurement
from tenancy.models import Role

MARKER = "Shared freight booking portal"


def _score_all(initiative, actor, now, scores) -> None:
    for criterion, score in zip(initiative.criteria.all(), scores, strict=False):
        services.criterion_score(criterion=criterion, actor=actor, now=now, score=score)


def seed(tenant) -> None:
    if not tenant.partnerships:
        return
    partnership = tenant.partnerships[0]
    if ImprovementInitiative.objects.filter(partnership=partnership, title=MARKER).exists():
        return
    manager = tenant.users[Role.PROCUREMENT_MANAGER]
    guest = tenant.users.get(Role.PARTNER_GUEST)
    now = timezone.now()
    today = timezone.localdate()
    month = today.replace(day=1)

    def submit(actor, title, **fields):
        return services.initiative_submit(
            actor=actor, partnership=partnership, now=now, title=title, **fields
        )

    # Submitted by the partner, scored by the partner only: waiting for the buyer's scores.
    submit(
        guest or manager,
        MARKER,
        problem="Freight is booked by e-mail and phone; 6 % of loads miss their slot.",
        proposal="One booking portal for both parties' carriers, with slot confirmation.",
        owner_name="Greta (partner logistics)",
        expected_benefit=Decimal("85000"),
        expected_kpi_effect="On-time delivery +3 points; expediting cost −40 %.",
        effort=3,
    )
    proposed = ImprovementInitiative.objects.get(partnership=partnership, title=MARKER)
    if guest is not None:
        _score_all(proposed, guest, now, [5, 4, 3])

    parked = submit(
        manager,
        "Consignment stock for fasteners",
        problem="Line stops waiting for C-parts.",
        proposal="Vendor-managed consignment stock at both plants.",
        expected_benefit=Decimal("30000"),
        internal_note="Finance wants the working-capital effect modelled first.",
    )
    services.initiative_decide(
        initiative=parked,
        actor=manager,
        now=now,
        decision="parked",
        reason="Revisit after the warehouse move in Q3.",
    )
    rejected = submit(
        manager,
        "Dual-sourcing every resin grade",
        problem="Single-source risk on resins.",
        proposal="Qualify a second source for all 14 grades.",
        effort=5,
    )
    services.initiative_decide(
        initiative=rejected,
        actor=manager,
        now=now,
        decision="rejected",
        reason="Cost of qualification exceeds the risk reduction; the task force covers the "
        "critical grades.",
    )

    def approved_one(title, **fields):
        initiative = submit(manager, title, **fields)
        _score_all(initiative, manager, now, [4, 4, 3])
        if guest is not None:
            _score_all(initiative, guest, now, [4, 3, 4])
            services.initiative_decide(
                initiative=initiative, actor=manager, now=now, decision="approved"
            )
        return initiative

    approved = approved_one(
        "Packaging redesign: returnable crates",
        problem="Single-use cartons cost 0.42 per shipment.",
        proposal="Returnable crates on the three main lanes.",
        owner_name="Ops excellence team",
        expected_benefit=Decimal("48000"),
    )
    if approved.status == ImprovementInitiative.Status.APPROVED:
        services.initiative_record_benefit(
            initiative=approved,
            actor=manager,
            now=now,
            period_start=month - timedelta(days=1),
            baseline_price=Decimal("0.42"),
            actual_price=Decimal("0.18"),
            volume=Decimal("21000"),
        )
    piloted = approved_one(
        "AI spend analytics on indirect categories",
        problem="Tail spend is unclassified.",
        proposal="Classify indirect spend with a machine-learning model.",
        expected_benefit=Decimal("120000"),
    )
    implemented = approved_one(
        "Traceability of castings by lot",
        problem="Quality escapes are traced by hand.",
        proposal="Lot codes on castings, scanned at receipt.",
        expected_kpi_effect="PPM −30 %.",
    )

    kpi = Kpi.objects.filter(partnership=partnership).order_by("pk").first()
    if implemented.status == ImprovementInitiative.Status.APPROVED and kpi is not None:
        pilot = services.pilot_create(
            actor=manager,
            partnership=partnership,
            initiative=implemented,
            title="Lot traceability at the Hamburg plant",
            scope="One receiving dock, three casting families.",
            starts_on=today - timedelta(days=90),
            ends_on=today - timedelta(days=5),
        )
        latest = (
            Measurement.objects.filter(kpi=kpi, status="approved").order_by("-period_start").first()
        )
        target = latest.value if latest is not None else kpi.target
        services.pilot_criterion_add(pilot=pilot, actor=manager, kpi=kpi, target=target)
        services.pilot_start(pilot=pilot, actor=manager)
        services.pilot_decide(
            pilot=pilot,
            actor=manager,
            now=now,
            go=True,
            evidence="Target reached over the last two months; scanning adds 20 s per pallet.",
        )
    if piloted.status == ImprovementInitiative.Status.APPROVED:
        pilot = services.pilot_create(
            actor=manager,
            partnership=partnership,
            initiative=piloted,
            title="Spend classifier on 12 months of indirect spend",
            technology="AI spend analytics",
            starts_on=today - timedelta(days=20),
            ends_on=today + timedelta(days=70),
        )
        if kpi is not None:
            services.pilot_criterion_add(pilot=pilot, actor=manager, kpi=kpi, target=kpi.target)
            services.pilot_start(pilot=pilot, actor=manager)

    task_force = services.task_force_create(
        actor=manager,
        partnership=partnership,
        name="Rare-earth magnets",
        category="Magnets and rare earths",
        mandate="Secure a second source for NdFeB magnets within 12 months.",
    )
    services.task_force_member_add(
        task_force=task_force,
        actor=manager,
        name="Procurement Manager",
        party=Party.BUYER,
        role="Lead",
    )
    services.task_force_member_add(
        task_force=task_force,
        actor=manager,
        name="Piet de Vries",
        party=Party.PARTNER,
        role="Category engineer",
    )
    services.task_force_milestone_add(
        task_force=task_force,
        actor=manager,
        title="Long list of sources",
        due_on=today - timedelta(days=10),
    )
    services.task_force_milestone_add(
        task_force=task_force,
        actor=manager,
        title="Samples qualified",
        due_on=today + timedelta(days=120),
    )
    services.task_force_activate(task_force=task_force, actor=manager)

    services.sourcing_model_create(
        actor=manager,
        partnership=partnership,
        name="Joint bid for North Sea logistics",
        kind="consortium_bidding",
        description="Both parties and a third shipper tender their North Sea volumes together.",
        participants=[tenant.organization.name, partnership.partner.name, "Harbor Foods"],
        categories=["Freight", "Warehousing"],
    )
    session = services.session_create(
        actor=manager,
        partnership=partnership,
        title="Should-cost modelling for castings",
        held_on=today - timedelta(days=14),
        agenda="1. Cost drivers of castings\n2. Our should-cost model\n3. Joint next steps",
        follow_ups="Partner shares its energy-cost index by month end.",
    )
    services.session_attendee_add(
        session=session, actor=manager, name="Procurement Manager", party=Party.BUYER
    )
    services.session_attendee_add(
        session=session, actor=manager, name="Piet de Vries", party=Party.PARTNER
    )
    programme = services.programme_create(
        actor=manager,
        partnership=partnership,
        supplier_name="Cedar Castings",
        title="Porosity reduction",
        goal="Halve porosity rejects at the shared casting supplier.",
    )
    services.programme_transition(programme=programme, actor=manager, status="active")
    for party, what, amount in (
        (Party.BUYER, "Metrology training", Decimal("12000")),
        (Party.PARTNER, "Vacuum degassing unit (share)", Decimal("35000")),
    ):
        services.investment_add(
            programme=programme,
            actor=manager,
            party=party,
            description=what,
            amount=amount,
            currency=partnership.currency,
            invested_on=today - timedelta(days=60),
        )
    if kpi is not None:
        services.target_kpi_add(
            programme=programme,
            actor=manager,
            kpi=kpi,
            baseline=kpi.red_threshold,
            target=kpi.target,
        )
