"""REST API of the innovation module: initiatives (submit, score, decide, realised benefit),
pilots (success criteria, start, go / no-go), sourcing models, task forces, knowledge-sharing
sessions and joint supplier development, plus lessons learned (proposed playbook changes).

Thin: parse, call one service or selector, render. A partner guest sees their partnerships'
rows; the buyer's internal note and the buyer's evaluation comments are not in what they get,
and lessons learned (playbook changes) are the buyer's own.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from exit_planning.models import PlaybookChange
from innovation import selectors, services
from innovation.models import (
    EvaluationCriterion,
    ImprovementInitiative,
    KnowledgeSession,
    Party,
    Pilot,
    SourcingModel,
    SupplierProgramme,
    TaskForce,
    TaskForceMilestone,
)
from partnerships.models import Partnership
from performance.models import Kpi
from tenancy.api import (
    TenantIdField,
    TenantRelatedField,
    TenantViewSet,
    VersionedCreateMixin,
    VersionedRetrieveMixin,
    VersionedUpdateMixin,
)
from tenancy.permissions import has_permission


def _is_guest(serializer) -> bool:
    request = serializer.context.get("request")
    membership = getattr(getattr(request, "_request", None), "membership", None)
    return membership is None or membership.is_guest


class InnovationViewSet(
    TenantViewSet, mixins.ListModelMixin, VersionedRetrieveMixin, VersionedCreateMixin
):
    """Rows are created, then moved by actions (never deleted). A viewset that also edits puts
    VersionedUpdateMixin after this class, so the service-calling perform_update wins."""

    permission_module = "innovation"
    http_method_names = ["get", "post", "head", "options"]

    def _check_partnership(self, partnership, verb="change"):
        # A guest writes only on a partnership they were invited to; any other is unknown.
        if not has_permission(self.membership, f"innovation.{verb}", partnership):
            raise serializers.ValidationError({"partnership": ["This partnership does not exist."]})

    def _render(self, obj, status=200):
        return Response(self.get_serializer(self.reread(obj)).data, status=status)


class LessonSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)
    target = serializers.ChoiceField(
        choices=PlaybookChange.Target.choices, default=PlaybookChange.Target.TRAINING_MATERIAL
    )
    clause_type = serializers.CharField(required=False, allow_blank=True, default="")
    field = serializers.ChoiceField(
        choices=PlaybookChange.Field.choices, default=PlaybookChange.Field.GUIDANCE
    )


class LessonResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    target = serializers.CharField()


class LessonMixin:
    """`POST .../{id}/lesson/`: a lesson learned becomes a proposed playbook change."""

    @extend_schema(request=LessonSerializer, responses={201: LessonResultSerializer})
    @action(detail=True, methods=["post"])
    def lesson(self, request, *args, **kwargs):
        source = self.get_object()
        body = LessonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change = services.lesson_propose(source=source, actor=request.user, **body.validated_data)
        return Response(
            {"id": change.pk, "status": change.status, "target": change.target}, status=201
        )


# -- initiatives -------------------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    buyer = serializers.SerializerMethodField()
    partner = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationCriterion
        fields = ["id", "name", "weight", "buyer", "partner"]

    def _score(self, criterion, party):
        for score in criterion.scores.all():
            if score.party == party:
                comment = score.comment
                if party == Party.BUYER and _is_guest(self):
                    comment = ""  # the buyer's evaluation comment is internal
                return {"score": score.score, "comment": comment}
        return None

    def get_buyer(self, criterion) -> dict | None:
        return self._score(criterion, Party.BUYER)

    def get_partner(self, criterion) -> dict | None:
        return self._score(criterion, Party.PARTNER)


class EvaluationSerializer(serializers.Serializer):
    buyer_total = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    partner_total = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    combined = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    complete = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())


class InitiativeSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    criteria = CriterionSerializer(many=True, read_only=True)
    evaluation = serializers.SerializerMethodField()

    class Meta:
        model = ImprovementInitiative
        fields = [
            "id",
            "partnership",
            "title",
            "problem",
            "proposal",
            "owner_name",
            "impact",
            "effort",
            "expected_benefit",
            "expected_kpi_effect",
            "currency",
            "realised_benefit",
            "submitted_by_side",
            "status",
            "decision_reason",
            "decided_at",
            "internal_note",
            "criteria",
            "evaluation",
            "created_at",
        ]
        read_only_fields = [
            "realised_benefit",
            "submitted_by_side",
            "status",
            "decision_reason",
            "decided_at",
            "created_at",
        ]
        extra_kwargs = {"currency": {"required": False}}

    @extend_schema_field(EvaluationSerializer)
    def get_evaluation(self, initiative) -> dict:
        evaluation = selectors.evaluation_of(initiative)
        return EvaluationSerializer(
            {
                "buyer_total": evaluation.buyer_total,
                "partner_total": evaluation.partner_total,
                "combined": evaluation.combined,
                "complete": evaluation.complete,
                "missing": evaluation.missing,
            }
        ).data

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if _is_guest(self):
            data.pop("internal_note", None)  # the buyer's note is never the partner's
        return data


class CriterionAddSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    weight = serializers.DecimalField(max_digits=6, decimal_places=2)


class ScoreInputSerializer(serializers.Serializer):
    criterion = TenantIdField(EvaluationCriterion)
    score = serializers.IntegerField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class InitiativeDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approved", "parked", "rejected"])
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class BenefitSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, default="")
    period_start = serializers.DateField()
    baseline_price = serializers.DecimalField(max_digits=18, decimal_places=4)
    actual_price = serializers.DecimalField(max_digits=18, decimal_places=4)
    volume = serializers.DecimalField(max_digits=18, decimal_places=4)
    implementation_cost = serializers.DecimalField(
        max_digits=18, decimal_places=2, required=False, allow_null=True, default=None
    )


class BenefitResultSerializer(serializers.Serializer):
    saving = serializers.IntegerField()
    net_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    realised_benefit = serializers.DecimalField(max_digits=18, decimal_places=2)


class InitiativeViewSet(LessonMixin, InnovationViewSet, VersionedUpdateMixin):
    """Initiatives of either party: submitted (a guest too), scored once per party and
    criterion, decided by the buyer, tracked to the realised benefit in the savings ledger."""

    model = ImprovementInitiative
    serializer_class = InitiativeSerializer
    filterset_fields = ["partnership", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    create_only_fields = ("partnership",)
    action_verbs = {
        "create": "submit",
        "score": "submit",
        "decide": "decide",
        "reopen": "decide",
        "implemented": "decide",
    }

    def tenant_queryset(self):
        return selectors.initiative_list(membership=self.membership)

    def create_object(self, data):
        self._check_partnership(data["partnership"], "submit")
        partnership = data.pop("partnership")
        return services.initiative_submit(
            actor=self.request.user, partnership=partnership, now=timezone.now(), **data
        )

    def update_object(self, instance, data):
        data.pop("partnership", None)
        return services.initiative_update(initiative=instance, actor=self.request.user, **data)

    @extend_schema(request=CriterionAddSerializer, responses=InitiativeSerializer)
    @action(detail=True, methods=["post"])
    def criteria(self, request, *args, **kwargs):
        initiative = self.get_object()
        body = CriterionAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.criterion_add(initiative=initiative, actor=request.user, **body.validated_data)
        return self._render(initiative)

    @extend_schema(request=ScoreInputSerializer, responses=InitiativeSerializer)
    @action(detail=True, methods=["post"])
    def score(self, request, *args, **kwargs):
        initiative = self.get_object()
        body = ScoreInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        criterion = body.validated_data["criterion"]
        if criterion.initiative_id != initiative.pk:
            raise serializers.ValidationError(
                {"criterion": ["Not a criterion of this initiative."]}
            )
        services.criterion_score(
            criterion=criterion,
            actor=request.user,
            now=timezone.now(),
            score=body.validated_data["score"],
            comment=body.validated_data["comment"],
        )
        return self._render(initiative)

    @extend_schema(request=InitiativeDecisionSerializer, responses=InitiativeSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, *args, **kwargs):
        initiative = self.get_object()
        body = InitiativeDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        initiative = services.initiative_decide(
            initiative=initiative, actor=request.user, now=timezone.now(), **body.validated_data
        )
        return self._render(initiative)

    @extend_schema(request=None, responses=InitiativeSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        initiative = services.initiative_reopen(initiative=self.get_object(), actor=request.user)
        return self._render(initiative)

    @extend_schema(request=None, responses=InitiativeSerializer)
    @action(detail=True, methods=["post"])
    def implemented(self, request, *args, **kwargs):
        initiative = services.initiative_implemented(
            initiative=self.get_object(), actor=request.user
        )
        return self._render(initiative)

    @extend_schema(request=BenefitSerializer, responses={201: BenefitResultSerializer})
    @action(detail=True, methods=["post"])
    def benefit(self, request, *args, **kwargs):
        """Record a realised benefit: a saving in finance's ledger, attributed to it."""
        initiative = self.get_object()
        body = BenefitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.initiative_record_benefit(
            initiative=initiative, actor=request.user, now=timezone.now(), **body.validated_data
        )
        initiative.refresh_from_db()
        body = BenefitResultSerializer(
            {
                "saving": entry.pk,
                "net_amount": entry.net_amount,
                "realised_benefit": initiative.realised_benefit,
            }
        )
        return Response(body.data, status=201)


# -- pilots ------------------------------------------------------------------------------------


class PilotSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    initiative = TenantRelatedField(ImprovementInitiative, required=False, allow_null=True)
    criteria = serializers.SerializerMethodField()

    class Meta:
        model = Pilot
        fields = [
            "id",
            "partnership",
            "initiative",
            "title",
            "technology",
            "scope",
            "starts_on",
            "ends_on",
            "status",
            "evidence",
            "evidence_snapshot",
            "decided_at",
            "criteria",
        ]
        read_only_fields = ["status", "evidence", "evidence_snapshot", "decided_at"]

    def get_criteria(self, pilot) -> list[dict]:
        return [
            {
                "id": row.criterion.pk,
                "kpi": row.criterion.kpi_id,
                "kpi_code": row.criterion.kpi.code,
                "target": str(row.criterion.target),
                "latest": None if row.latest is None else str(row.latest),
                "met": row.met,
            }
            for row in selectors.pilot_results(pilot)
        ]


class PilotCriterionSerializer(serializers.Serializer):
    kpi = TenantIdField(Kpi)
    target = serializers.DecimalField(max_digits=18, decimal_places=4)


class PilotCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Why it is called off (required)."
    )


class PilotDecisionSerializer(serializers.Serializer):
    go = serializers.BooleanField()
    evidence = serializers.CharField(allow_blank=True)


class PilotViewSet(LessonMixin, InnovationViewSet):
    """Pilots of approved initiatives and emerging technologies, decided go / no-go."""

    model = Pilot
    serializer_class = PilotSerializer
    filterset_fields = ["partnership", "status"]
    action_verbs = {"decide": "decide"}

    def tenant_queryset(self):
        return selectors.pilot_list(membership=self.membership)

    def create_object(self, data):
        self._check_partnership(data["partnership"])
        return services.pilot_create(actor=self.request.user, **data)

    @extend_schema(request=PilotCriterionSerializer, responses=PilotSerializer)
    @action(detail=True, methods=["post"])
    def criteria(self, request, *args, **kwargs):
        pilot = self.get_object()
        body = PilotCriterionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.pilot_criterion_add(pilot=pilot, actor=request.user, **body.validated_data)
        return self._render(pilot)

    @extend_schema(request=None, responses=PilotSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, *args, **kwargs):
        return self._render(services.pilot_start(pilot=self.get_object(), actor=request.user))

    @extend_schema(request=PilotCancelSerializer, responses=PilotSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Call off a planned pilot, saying why (400 on `reason` without one)."""
        pilot = self.get_object()
        body = PilotCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._render(
            services.pilot_cancel(
                pilot=pilot, actor=request.user, reason=body.validated_data["reason"]
            )
        )

    @extend_schema(request=PilotDecisionSerializer, responses=PilotSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, *args, **kwargs):
        pilot = self.get_object()
        body = PilotDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pilot = services.pilot_decide(
            pilot=pilot, actor=request.user, now=timezone.now(), **body.validated_data
        )
        return self._render(pilot)


# -- sourcing models ---------------------------------------------------------------------------


class SourcingModelSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    participants = serializers.ListField(child=serializers.CharField(max_length=200))
    categories = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list
    )

    class Meta:
        model = SourcingModel
        fields = [
            "id",
            "partnership",
            "name",
            "kind",
            "description",
            "participants",
            "categories",
            "status",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class SourcingModelViewSet(LessonMixin, InnovationViewSet, VersionedUpdateMixin):
    """The register of sourcing models the alliance co-develops."""

    model = SourcingModel
    serializer_class = SourcingModelSerializer
    filterset_fields = ["partnership", "status", "kind"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    create_only_fields = ("partnership",)

    def tenant_queryset(self):
        return selectors.sourcing_model_list(membership=self.membership)

    def create_object(self, data):
        self._check_partnership(data["partnership"])
        data.pop("status", None)
        return services.sourcing_model_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        data.pop("partnership", None)
        return services.sourcing_model_update(model=instance, actor=self.request.user, **data)


# -- task forces -------------------------------------------------------------------------------


class TaskForceSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    members = serializers.SerializerMethodField()
    milestones = serializers.SerializerMethodField()

    class Meta:
        model = TaskForce
        fields = [
            "id",
            "partnership",
            "name",
            "category",
            "mandate",
            "status",
            "outcomes",
            "members",
            "milestones",
        ]
        read_only_fields = ["status", "outcomes"]

    def get_members(self, task_force) -> list[dict]:
        return [
            {"id": m.pk, "name": m.name, "party": m.party, "role": m.role}
            for m in task_force.members.all()
        ]

    def get_milestones(self, task_force) -> list[dict]:
        return [
            {"id": m.pk, "title": m.title, "due_on": m.due_on, "done_on": m.done_on}
            for m in task_force.milestones.all()
        ]


class MemberSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    party = serializers.ChoiceField(choices=Party.choices)
    role = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class MilestoneSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField()


class MilestoneDoneSerializer(serializers.Serializer):
    milestone = TenantIdField(TaskForceMilestone)


class OutcomesSerializer(serializers.Serializer):
    outcomes = serializers.CharField(allow_blank=True)


class TaskForceViewSet(LessonMixin, InnovationViewSet):
    """Task forces across both organizations for complex categories."""

    model = TaskForce
    serializer_class = TaskForceSerializer
    filterset_fields = ["partnership", "status"]

    def tenant_queryset(self):
        return selectors.task_force_list(membership=self.membership)

    def create_object(self, data):
        self._check_partnership(data["partnership"])
        return services.task_force_create(actor=self.request.user, **data)

    @extend_schema(request=MemberSerializer, responses=TaskForceSerializer)
    @action(detail=True, methods=["post"])
    def members(self, request, *args, **kwargs):
        task_force = self.get_object()
        body = MemberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.task_force_member_add(
            task_force=task_force, actor=request.user, **body.validated_data
        )
        return self._render(task_force)

    @extend_schema(request=MilestoneSerializer, responses=TaskForceSerializer)
    @action(detail=True, methods=["post"])
    def milestones(self, request, *args, **kwargs):
        task_force = self.get_object()
        body = MilestoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.task_force_milestone_add(
            task_force=task_force, actor=request.user, **body.validated_data
        )
        return self._render(task_force)

    @extend_schema(request=MilestoneDoneSerializer, responses=TaskForceSerializer)
    @action(detail=True, methods=["post"], url_path="milestone-done")
    def milestone_done(self, request, *args, **kwargs):
        task_force = self.get_object()
        body = MilestoneDoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        milestone = body.validated_data["milestone"]
        if milestone.task_force_id != task_force.pk:
            raise serializers.ValidationError(
                {"milestone": ["Not a milestone of this task force."]}
            )
        services.task_force_milestone_done(
            milestone=milestone, actor=request.user, today=timezone.localdate()
        )
        return self._render(task_force)

    @extend_schema(request=None, responses=TaskForceSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, *args, **kwargs):
        task_force = services.task_force_activate(task_force=self.get_object(), actor=request.user)
        return self._render(task_force)

    @extend_schema(request=OutcomesSerializer, responses=TaskForceSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        task_force = self.get_object()
        body = OutcomesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task_force = services.task_force_close(
            task_force=task_force, actor=request.user, outcomes=body.validated_data["outcomes"]
        )
        return self._render(task_force)


# -- knowledge-sharing sessions ----------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    attendees = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()

    class Meta:
        model = KnowledgeSession
        fields = [
            "id",
            "partnership",
            "title",
            "held_on",
            "agenda",
            "follow_ups",
            "attendees",
            "materials",
        ]

    def get_attendees(self, session) -> list[dict]:
        return [{"id": a.pk, "name": a.name, "party": a.party} for a in session.attendees.all()]

    def get_materials(self, session) -> list[dict]:
        return [{"id": m.pk, "title": m.title} for m in session.materials.all()]


class AttendeeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    party = serializers.ChoiceField(choices=Party.choices)


class MaterialSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    file = serializers.FileField()


class FollowUpsSerializer(serializers.Serializer):
    follow_ups = serializers.CharField(allow_blank=True)


class KnowledgeSessionViewSet(InnovationViewSet):
    """Knowledge-sharing sessions on category management."""

    model = KnowledgeSession
    serializer_class = SessionSerializer
    filterset_fields = ["partnership"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def tenant_queryset(self):
        return selectors.session_list(membership=self.membership)

    def create_object(self, data):
        self._check_partnership(data["partnership"])
        return services.session_create(actor=self.request.user, **data)

    @extend_schema(request=AttendeeSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def attendees(self, request, *args, **kwargs):
        session = self.get_object()
        body = AttendeeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.session_attendee_add(session=session, actor=request.user, **body.validated_data)
        return self._render(session)

    @extend_schema(request={"multipart/form-data": MaterialSerializer}, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def materials(self, request, *args, **kwargs):
        session = self.get_object()
        body = MaterialSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.session_material_add(
            session=session,
            actor=request.user,
            title=body.validated_data["title"],
            upload=body.validated_data["file"],
        )
        return self._render(session)

    @extend_schema(request=FollowUpsSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def follow_ups(self, request, *args, **kwargs):
        session = self.get_object()
        body = FollowUpsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        session = services.session_follow_ups_set(
            session=session, actor=request.user, follow_ups=body.validated_data["follow_ups"]
        )
        return self._render(session)


# -- joint supplier development ----------------------------------------------------------------


class ProgrammeSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    investments = serializers.SerializerMethodField()
    targets = serializers.SerializerMethodField()

    class Meta:
        model = SupplierProgramme
        fields = [
            "id",
            "partnership",
            "supplier_name",
            "title",
            "goal",
            "status",
            "investments",
            "targets",
        ]
        read_only_fields = ["status"]

    def get_investments(self, programme) -> list[dict]:
        return [
            {
                "id": i.pk,
                "party": i.party,
                "description": i.description,
                "amount": str(i.amount),
                "currency": i.currency,
                "invested_on": i.invested_on,
            }
            for i in programme.investments.all()
        ]

    def get_targets(self, programme) -> list[dict]:
        return [
            {
                "id": row.target.pk,
                "kpi": row.target.kpi_id,
                "kpi_code": row.target.kpi.code,
                "baseline": str(row.target.baseline),
                "target": str(row.target.target),
                "latest": None if row.latest is None else str(row.latest),
                "movement": None if row.movement is None else str(row.movement),
            }
            for row in selectors.programme_movement(programme)
        ]


class InvestmentSerializer(serializers.Serializer):
    party = serializers.ChoiceField(choices=Party.choices)
    description = serializers.CharField(max_length=300)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    currency = serializers.CharField(max_length=3)
    invested_on = serializers.DateField()


class TargetSerializer(serializers.Serializer):
    kpi = TenantIdField(Kpi)
    baseline = serializers.DecimalField(max_digits=18, decimal_places=4)
    target = serializers.DecimalField(max_digits=18, decimal_places=4)


class ProgrammeStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=SupplierProgramme.Status.choices)


class SupplierProgrammeViewSet(LessonMixin, InnovationViewSet):
    """Joint supplier development: investments of both parties and target KPIs."""

    model = SupplierProgramme
    serializer_class = ProgrammeSerializer
    filterset_fields = ["partnership", "status"]

    def tenant_queryset(self):
        return selectors.programme_list(membership=self.membership)

    def create_object(self, data):
        self._check_partnership(data["partnership"])
        return services.programme_create(actor=self.request.user, **data)

    @extend_schema(request=InvestmentSerializer, responses=ProgrammeSerializer)
    @action(detail=True, methods=["post"])
    def investments(self, request, *args, **kwargs):
        programme = self.get_object()
        body = InvestmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.investment_add(programme=programme, actor=request.user, **body.validated_data)
        return self._render(programme)

    @extend_schema(request=TargetSerializer, responses=ProgrammeSerializer)
    @action(detail=True, methods=["post"])
    def targets(self, request, *args, **kwargs):
        programme = self.get_object()
        body = TargetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.target_kpi_add(programme=programme, actor=request.user, **body.validated_data)
        return self._render(programme)

    @extend_schema(request=ProgrammeStatusSerializer, responses=ProgrammeSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        programme = self.get_object()
        body = ProgrammeStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        programme = services.programme_transition(
            programme=programme, actor=request.user, status=body.validated_data["status"]
        )
        return self._render(programme)
