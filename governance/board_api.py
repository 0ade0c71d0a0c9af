"""REST API of joint governance beyond change requests: committees and members, meetings
(schedule, attendance, decisions with votes, minutes, priorities, invitations), decisions and
votes, action items, the RACI matrix, decision-right rules, escalations and the approvals inbox.

Thin: parse, call one service or selector, render. Bad input is a 400 per field, a refused
step a 409 with the reason, a right the caller lacks a 403 (tenancy.api_errors); never a 500.
Partner guests see only what is under their partnerships, never the organization's rules.
"""

from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from governance import selectors, services
from governance.api import ChangeRequestSerializer
from governance.ical import meeting_invitation
from governance.models import (
    ChangeRequest,
    Committee,
    CommitteeMember,
    CrisisContact,
    CrisisLogEntry,
    CrisisProtocol,
    DecisionRightRule,
    Disclosure,
    Escalation,
    Meeting,
    MeetingAction,
    MeetingDecision,
    RaciActivity,
    RaciAssignment,
    Vote,
)
from partnerships.models import Partnership
from risk.models import ComplianceOfficer, ComplianceRequirement
from risk.services import compliance
from tenancy.api import (
    MemberField,
    TenantModelViewSet,
    TenantReadOnlyViewSet,
    TenantRelatedField,
    TenantViewSet,
    VersionedRetrieveMixin,
    VersionedUpdateMixin,
)
from tenancy.errors import ConflictError


def _now():
    return timezone.now()


# --- committees ---------------------------------------------------------------------------


class CommitteeMemberSerializer(serializers.ModelSerializer):
    committee = TenantRelatedField(Committee)
    user = MemberField()
    user_name = serializers.CharField(source="user.display_name", read_only=True)
    sitting = serializers.SerializerMethodField(
        help_text="Whether the seat counts today: within its term and its member still able "
        "to take part (invited, quorum, votes, officers, approvers)."
    )
    not_sitting_because = serializers.SerializerMethodField(
        help_text="Why the seat does not count today, in words; empty while it does."
    )

    def _why(self, member: CommitteeMember) -> str:
        able = getattr(member, "able", None)
        if able is None:  # a seat just added or changed: not annotated by `with_ability`
            able = services.able_members(CommitteeMember.objects.filter(pk=member.pk)).exists()
        return services.not_sitting_because(member, able=able, on=timezone.localdate())

    def get_sitting(self, member: CommitteeMember) -> bool:
        return not self._why(member)

    def get_not_sitting_because(self, member: CommitteeMember) -> str:
        return self._why(member)

    class Meta:
        model = CommitteeMember
        fields = [
            "id",
            "committee",
            "user",
            "user_name",
            "party",
            "role",
            "has_vote",
            "is_executive_sponsor",
            "is_programme_lead",
            "term_start",
            "term_end",
            "sitting",
            "not_sitting_because",
        ]
        read_only_fields = ["party"]
        extra_kwargs = {"term_start": {"required": False}}


class CommitteeSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    members = CommitteeMemberSerializer(many=True, read_only=True)

    class Meta:
        model = Committee
        fields = [
            "id",
            "partnership",
            "name",
            "quorum_rule",
            "quorum_needs_both_parties",
            "decision_threshold",
            "meeting_frequency",
            "term_months",
            "members",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"name": {"required": False}}
        validators = []  # one committee per partnership: the service answers 409


class CommitteeViewSet(TenantModelViewSet):
    """The steering committee of each partnership (one per partnership)."""

    model = Committee
    serializer_class = CommitteeSerializer
    permission_module = "governance"
    guest_partnership_path = "partnership"
    filterset_fields = ["partnership"]

    def tenant_queryset(self):
        return Committee.objects.select_related("partnership").prefetch_related(
            Prefetch(
                "members",
                queryset=services.with_ability(CommitteeMember.objects.select_related("user")),
            )
        )

    def create_object(self, data):
        return services.committee_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        data.pop("partnership", None)
        return services.committee_update(committee=instance, actor=self.request.user, **data)

    def destroy_object(self, instance):
        raise ConflictError("A committee is not deleted; its records stay.", code="not_deletable")


class CommitteeMemberViewSet(TenantModelViewSet):
    """Members of both parties; the party follows from the membership (guests: partner)."""

    model = CommitteeMember
    serializer_class = CommitteeMemberSerializer
    permission_module = "governance"
    guest_partnership_path = "committee__partnership"
    filterset_fields = ["committee", "role", "party"]

    def tenant_queryset(self):
        return services.with_ability(CommitteeMember.objects.select_related("user", "committee"))

    def create_object(self, data):
        return services.committee_member_add(
            actor=self.request.user, today=timezone.localdate(), **data
        )

    def update_object(self, instance, data):
        data.pop("committee", None)
        data.pop("user", None)
        return services.committee_member_update(member=instance, actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.committee_member_remove(member=instance, actor=self.request.user)


# --- meetings -----------------------------------------------------------------------------


class VoteSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="member.user_id", read_only=True)
    user_name = serializers.CharField(source="member.user.display_name", read_only=True)
    party = serializers.CharField(source="member.party", read_only=True)

    class Meta:
        model = Vote
        fields = ["id", "user", "user_name", "party", "choice"]
        read_only_fields = fields


class MeetingDecisionSerializer(serializers.ModelSerializer):
    votes = VoteSerializer(many=True, read_only=True)

    class Meta:
        model = MeetingDecision
        fields = ["id", "meeting", "title", "text", "outcome", "recorded_at", "votes"]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    committee = TenantRelatedField(Committee)
    # The ranges (1 to 12 meetings, 15 to 600 minutes) are meeting_schedule's, in its words.
    occurrences = serializers.IntegerField(
        write_only=True, required=False, default=1, help_text="1 to 12 meetings in a series."
    )
    present = serializers.SerializerMethodField()
    decisions = MeetingDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "committee",
            "series",
            "kind",
            "title",
            "starts_at",
            "duration_minutes",
            "location",
            "agenda",
            "status",
            "minutes_status",
            "minutes_approved_at",
            "priorities_changed",
            "present",
            "decisions",
            "occurrences",
        ]
        read_only_fields = [
            "series",
            "status",
            "minutes_status",
            "minutes_approved_at",
            "priorities_changed",
        ]

    def get_present(self, meeting) -> list[int]:
        return [a.member_id for a in meeting.attendance.all() if a.present]


class AttendanceSerializer(serializers.Serializer):
    present = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class VoteInSerializer(serializers.Serializer):
    user = MemberField()
    choice = serializers.ChoiceField(choices=Vote.Choice.choices)


class DecisionInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    text = serializers.CharField(required=False, allow_blank=True, default="")
    votes = VoteInSerializer(many=True)


class MinutesSerializer(serializers.Serializer):
    minutes = serializers.CharField(allow_blank=True)
    submit = serializers.BooleanField(required=False, default=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class PrioritySerializer(serializers.Serializer):
    priority = serializers.CharField(max_length=200)
    change = serializers.CharField(max_length=500)


class PrioritiesSerializer(serializers.Serializer):
    priorities = PrioritySerializer(many=True)


def _meeting_step(name, serializer_class, service, field, *, caller="actor", url_path=None):
    """A meeting action that validates `field` of the body and passes it to
    `services.<service>(meeting=…, <caller>=request.user, <field>=…, today=…)`."""

    def step(self, request, *args, **kwargs):
        return self._apply(
            serializer_class,
            lambda meeting, data: getattr(services, service)(
                meeting=meeting,
                today=timezone.localdate(),
                **{caller: request.user, field: data[field]},
            ),
        )

    step.__name__ = name
    step = action(detail=True, methods=["post"], url_path=url_path or name)(step)
    return extend_schema(request=serializer_class, responses=MeetingSerializer)(step)


class MeetingViewSet(
    TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """Meetings: scheduled (one or a series), held with attendance and decisions, minuted."""

    model = Meeting
    serializer_class = MeetingSerializer
    permission_module = "governance"
    guest_partnership_path = "committee__partnership"
    filterset_fields = ["committee", "status", "kind", "minutes_status"]

    def tenant_queryset(self):
        return selectors.meeting_for_detail(membership=self.membership)

    def create_object(self, data):
        return services.meeting_schedule(actor=self.request.user, now=_now(), **data)[0]

    def _render(self, meeting):
        meeting = self.get_queryset().get(pk=meeting.pk)
        return Response(MeetingSerializer(meeting, context=self.get_serializer_context()).data)

    @extend_schema(request=AttendanceSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request, *args, **kwargs):
        meeting = self.get_object()
        body = AttendanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.meeting_attendance_record(
            meeting=meeting,
            actor=request.user,
            present_member_ids=body.validated_data["present"],
            now=_now(),
        )
        return self._render(meeting)

    @extend_schema(request=DecisionInSerializer, responses=MeetingDecisionSerializer)
    @action(detail=True, methods=["post"])
    def decisions(self, request, *args, **kwargs):
        """Record a decision with its vote: 409 without quorum or for a second vote by the
        same person, 403 for a vote by a non-member."""
        meeting = self.get_object()
        body = DecisionInSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        decision = services.meeting_decision_record(
            meeting=meeting,
            actor=request.user,
            title=body.validated_data["title"],
            text=body.validated_data["text"],
            votes=[(v["user"], v["choice"]) for v in body.validated_data["votes"]],
            now=_now(),
        )
        return Response(MeetingDecisionSerializer(decision).data, status=201)

    def _apply(self, serializer_class, step):
        """Validate the body with `serializer_class`, apply `step(meeting, data)`, render. A step
        of several services is one transaction: a refused request changes nothing (minutes
        saved and then refused for submission are not kept as saved)."""
        meeting = self.get_object()
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            step(meeting, body.validated_data)
        return self._render(meeting)

    @extend_schema(request=MinutesSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def minutes(self, request, *args, **kwargs):
        def step(meeting, data):
            today = timezone.localdate()
            services.meeting_minutes_save(
                meeting=meeting, actor=request.user, minutes=data["minutes"], today=today
            )
            if data["submit"]:
                services.meeting_minutes_submit(meeting=meeting, actor=request.user, today=today)

        return self._apply(MinutesSerializer, step)

    @extend_schema(request=None, responses=MeetingSerializer)
    @action(detail=True, methods=["post"], url_path="minutes/approve")
    def minutes_approve(self, request, *args, **kwargs):
        meeting = self.get_object()
        services.meeting_minutes_approve(meeting=meeting, approver=request.user, now=_now())
        return self._render(meeting)

    # One field of the body handed to one service, as the caller: one action each.
    minutes_request_changes = _meeting_step(
        "minutes_request_changes",
        ReasonSerializer,
        "meeting_minutes_request_changes",
        "reason",
        caller="approver",
        url_path="minutes/request-changes",
    )
    priorities = _meeting_step(
        "priorities", PrioritiesSerializer, "meeting_priorities_record", "priorities"
    )
    cancel = _meeting_step("cancel", ReasonSerializer, "meeting_cancel", "reason")

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def invitation(self, request, *args, **kwargs):
        """The meeting as an iCalendar invitation (text/calendar)."""
        meeting = self.get_object()
        users = [
            m.user
            for m in services.seated_members(meeting.committee, on=services.meeting_day(meeting))
        ]
        body = meeting_invitation(
            meeting,
            url=request.build_absolute_uri(
                reverse("meeting-detail", args=[self.organization.slug, meeting.pk])
            ),
            attendees=users,
        )
        return HttpResponse(body, content_type="text/calendar; charset=utf-8")


class VoteCastSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=Vote.Choice.choices)


class MeetingDecisionViewSet(TenantReadOnlyViewSet):
    model = MeetingDecision
    serializer_class = MeetingDecisionSerializer
    permission_module = "governance"
    guest_partnership_path = "meeting__committee__partnership"
    filterset_fields = ["meeting", "outcome"]
    action_verbs = {"votes": "approve"}

    def tenant_queryset(self):
        return MeetingDecision.objects.prefetch_related("votes__member__user")

    @extend_schema(request=VoteCastSerializer, responses=MeetingDecisionSerializer)
    @action(detail=True, methods=["post"])
    def votes(self, request, *args, **kwargs):
        """Your vote on a recorded decision, as a voting member present: once (409 after)."""
        decision = self.get_object()
        body = VoteCastSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decision = services.meeting_vote_cast(
            decision=decision, voter=request.user, choice=body.validated_data["choice"], now=_now()
        )
        decision = self.get_queryset().get(pk=decision.pk)
        return Response(MeetingDecisionSerializer(decision).data)


# --- action items -------------------------------------------------------------------------


class MeetingActionSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    meeting = TenantRelatedField(Meeting, required=False, allow_null=True)
    owner = MemberField()
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)

    class Meta:
        model = MeetingAction
        fields = [
            "id",
            "partnership",
            "meeting",
            "title",
            "owner",
            "owner_name",
            "party",
            "due_date",
            "status",
            "completed_at",
        ]
        read_only_fields = ["party", "status", "completed_at"]


class ActionStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MeetingAction.Status.choices)


class MeetingActionViewSet(
    TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    model = MeetingAction
    serializer_class = MeetingActionSerializer
    permission_module = "governance"
    guest_partnership_path = "partnership"
    filterset_fields = ["partnership", "meeting", "status", "owner"]
    action_verbs = {"status": "view"}  # the owner (guest or not) moves their own action on

    def tenant_queryset(self):
        return MeetingAction.objects.select_related("owner", "partnership")

    def create_object(self, data):
        return services.meeting_action_create(
            actor=self.request.user, today=timezone.localdate(), **data
        )

    @extend_schema(request=ActionStatusSerializer, responses=MeetingActionSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def status(self, request, *args, **kwargs):
        """The owner or a committee officer moves the action on (done closes its escalation)."""
        item = self.get_object()
        body = ActionStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.meeting_action_set_status(
            action=item, actor=request.user, status=body.validated_data["status"], now=_now()
        )
        return Response(MeetingActionSerializer(item, context=self.get_serializer_context()).data)


# --- RACI ---------------------------------------------------------------------------------


class RaciAssignmentSerializer(serializers.ModelSerializer):
    user = MemberField()

    class Meta:
        model = RaciAssignment
        fields = ["user", "letter", "party"]
        read_only_fields = ["party"]


class RaciActivitySerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    assignments = RaciAssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = RaciActivity
        fields = ["id", "partnership", "name", "position", "assignments"]
        extra_kwargs = {"position": {"required": False}}
        validators = []  # duplicate names: the service answers per field


class RaciAssignmentsSerializer(serializers.Serializer):
    assignments = RaciAssignmentSerializer(many=True)


class RaciActivityViewSet(
    TenantViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
):
    """Rows of the RACI matrix; `PUT …/assignments/` replaces a row (exactly one Accountable,
    at least one Responsible, else 400 and nothing changes)."""

    model = RaciActivity
    serializer_class = RaciActivitySerializer
    permission_module = "governance"
    guest_partnership_path = "partnership"
    filterset_fields = ["partnership"]

    def tenant_queryset(self):
        return RaciActivity.objects.prefetch_related("assignments")

    def create_object(self, data):
        return services.raci_activity_create(actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.raci_activity_delete(activity=instance, actor=self.request.user)

    @extend_schema(request=RaciAssignmentsSerializer, responses=RaciActivitySerializer)
    @action(detail=True, methods=["put"])
    def assignments(self, request, *args, **kwargs):
        activity = self.get_object()
        body = RaciAssignmentsSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        services.raci_matrix_save(
            partnership=activity.partnership,
            actor=request.user,
            matrix={
                activity.pk: [(a["user"], a["letter"]) for a in body.validated_data["assignments"]]
            },
        )
        activity = self.get_queryset().get(pk=activity.pk)
        return Response(
            RaciActivitySerializer(activity, context=self.get_serializer_context()).data
        )


# --- decision rights ----------------------------------------------------------------------


class DecisionRightRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = DecisionRightRule
        fields = ["id", "name", "measure", "threshold", "approvers", "is_active", "position"]
        extra_kwargs = {"position": {"required": False}}


class DecisionRightRuleViewSet(TenantModelViewSet):
    """The organization's decision-right rules (internal: guests never see them)."""

    model = DecisionRightRule
    serializer_class = DecisionRightRuleSerializer
    permission_module = "governance"
    guest_partnership_path = None

    def create_object(self, data):
        return services.decision_right_rule_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.decision_right_rule_update(rule=instance, actor=self.request.user, **data)

    def destroy_object(self, instance):
        services.decision_right_rule_delete(rule=instance, actor=self.request.user)


# --- escalations --------------------------------------------------------------------------


class EscalationSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    change_request = TenantRelatedField(ChangeRequest, required=False, allow_null=True)
    action = TenantRelatedField(MeetingAction, required=False, allow_null=True)
    item_kind = serializers.CharField(read_only=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "partnership",
            "change_request",
            "action",
            "item_kind",
            "title",
            "reason",
            "rank",
            "level_due_at",
            "status",
            "opened_at",
            "resolved_at",
            "resolution",
        ]
        read_only_fields = [
            "rank",
            "level_due_at",
            "status",
            "opened_at",
            "resolved_at",
            "resolution",
        ]
        extra_kwargs = {"title": {"required": False}}
        validators = []


class EscalationResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField()


class EscalationViewSet(
    TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """Escalate any open item (change request, action item) or an issue; the job takes it up
    the partnership's path when a level's deadline passes."""

    model = Escalation
    serializer_class = EscalationSerializer
    permission_module = "governance"
    guest_partnership_path = "partnership"
    filterset_fields = ["partnership", "status", "change_request", "action"]

    def tenant_queryset(self):
        return selectors.escalation_list(membership=self.membership)

    def create_object(self, data):
        return services.escalation_raise(actor=self.request.user, now=_now(), **data)

    @extend_schema(request=EscalationResolveSerializer, responses=EscalationSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, *args, **kwargs):
        escalation = self.get_object()
        body = EscalationResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        escalation = services.escalation_resolve(
            escalation=escalation,
            actor=request.user,
            now=_now(),
            resolution=body.validated_data["resolution"],
        )
        return Response(
            EscalationSerializer(escalation, context=self.get_serializer_context()).data
        )


# --- the approvals inbox ------------------------------------------------------------------


class InboxMeetingSerializer(serializers.ModelSerializer):
    partnership = serializers.IntegerField(source="committee.partnership_id", read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "title", "starts_at", "partnership", "minutes_status"]
        read_only_fields = fields


class InboxAttestationSerializer(serializers.Serializer):
    """A current period the caller owes as compliance officer (attest with
    `officer-attestations/{requirement}/attest/`)."""

    requirement = serializers.IntegerField(source="requirement.pk", read_only=True)
    framework = serializers.CharField(source="requirement.framework", read_only=True)
    title = serializers.CharField(source="requirement.title", read_only=True)
    due_on = serializers.DateField(source="requirement.due_on", read_only=True)
    partnership = serializers.IntegerField(source="requirement.partnership_id", read_only=True)
    overdue = serializers.BooleanField(read_only=True)


class InboxSerializer(serializers.Serializer):
    change_requests = ChangeRequestSerializer(many=True)
    minutes = InboxMeetingSerializer(many=True)
    attestations = InboxAttestationSerializer(many=True)


class InboxViewSet(TenantViewSet, mixins.ListModelMixin):
    """Everything awaiting the caller's decision across partnerships. Decide with
    `change-requests/{id}/approve|reject|request-changes/`,
    `meetings/{id}/minutes/approve|request-changes/` and
    `officer-attestations/{requirement}/attest/`."""

    model = ChangeRequest
    permission_module = "governance"
    serializer_class = InboxSerializer
    pagination_class = None
    filter_backends = []
    list_is_one_object = True  # the schema documents one Inbox, as the list answers

    @extend_schema(responses=InboxSerializer)
    def list(self, request, *args, **kwargs):
        data = selectors.inbox(membership=self.membership, today=timezone.localdate())
        return Response(InboxSerializer(data, context=self.get_serializer_context()).data)


# --- transparency -------------------------------------------------------------------------


class DisclosureSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    first_due_on = serializers.DateField(write_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Disclosure
        fields = [
            "id",
            "partnership",
            "party",
            "data_type",
            "description",
            "cadence",
            "first_due_on",
            "last_received_on",
            "next_due_on",
            "overdue",
        ]
        read_only_fields = ["last_received_on", "next_due_on"]

    def get_overdue(self, disclosure) -> bool:
        return services.is_overdue(disclosure, today=timezone.localdate())


class ReceivedSerializer(serializers.Serializer):
    received_on = serializers.DateField()


class DisclosureViewSet(
    TenantViewSet,
    mixins.ListModelMixin,
    VersionedRetrieveMixin,
    mixins.CreateModelMixin,
    VersionedUpdateMixin,
):
    """Open-book disclosures: which data each party shares, how often; `overdue` once the next
    one is past due. `PATCH` changes who discloses what and how often; `POST …/received/`
    records a receipt (which alone moves the next due date)."""

    model = Disclosure
    serializer_class = DisclosureSerializer
    permission_module = "governance"
    guest_partnership_path = "partnership"
    filterset_fields = ["partnership", "party", "data_type"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    create_only_fields = ("partnership",)

    def tenant_queryset(self):
        return selectors.disclosure_list(membership=self.membership)

    def create_object(self, data):
        return services.disclosure_create(
            actor=self.request.user, today=timezone.localdate(), **data
        )

    def update_object(self, instance, data):
        data.pop("partnership", None)
        return services.disclosure_update(disclosure=instance, actor=self.request.user, **data)

    @extend_schema(request=ReceivedSerializer, responses=DisclosureSerializer)
    @action(detail=True, methods=["post"])
    def received(self, request, *args, **kwargs):
        disclosure = self.get_object()
        body = ReceivedSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        disclosure = services.disclosure_record_received(
            disclosure=disclosure,
            actor=request.user,
            received_on=body.validated_data["received_on"],
            today=timezone.localdate(),
        )
        return Response(
            DisclosureSerializer(disclosure, context=self.get_serializer_context()).data
        )


# --- crisis protocol ----------------------------------------------------------------------


class CrisisContactSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = CrisisContact
        fields = ["id", "user", "user_name", "party", "responsibility", "reports_to"]
        read_only_fields = fields


class CrisisProtocolSerializer(serializers.ModelSerializer):
    contacts = CrisisContactSerializer(many=True, read_only=True)
    steps = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = CrisisProtocol
        fields = [
            "id",
            "partnership",
            "customer_spokesperson",
            "partner_spokesperson",
            "steps",
            "contacts",
            "updated_at",
        ]
        read_only_fields = fields


class CrisisProtocolViewSet(TenantReadOnlyViewSet):
    """Each partnership's crisis protocol: spokespeople, media steps and contact tree."""

    model = CrisisProtocol
    serializer_class = CrisisProtocolSerializer
    permission_module = "governance"
    guest_partnership_path = "partnership"
    filterset_fields = ["partnership"]

    def tenant_queryset(self):
        return CrisisProtocol.objects.prefetch_related("contacts__user").order_by("pk")


class CrisisLogEntrySerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)

    class Meta:
        model = CrisisLogEntry
        fields = [
            "id",
            "partnership",
            "occurred_at",
            "severity",
            "title",
            "action_taken",
            "logged_by",
            "created_at",
        ]
        read_only_fields = ["logged_by", "created_at"]


class CrisisLogEntryViewSet(
    TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """The crisis log: appended (an event in the future is a 400), never edited."""

    model = CrisisLogEntry
    serializer_class = CrisisLogEntrySerializer
    permission_module = "governance"
    guest_partnership_path = "partnership"
    filterset_fields = ["partnership", "severity"]

    def create_object(self, data):
        return services.crisis_log_record(actor=self.request.user, now=_now(), **data)


# --- compliance officers and attestations -------------------------------------------------


class ComplianceOfficerSerializer(serializers.ModelSerializer):
    partnership = TenantRelatedField(Partnership)
    user = MemberField()

    class Meta:
        model = ComplianceOfficer
        fields = ["id", "partnership", "user", "party", "framework"]
        read_only_fields = ["party"]
        validators = []  # one per framework and party: the service replaces the previous officer


class ComplianceOfficerViewSet(
    TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """Compliance officers of both parties (the risk module's model), one per framework and
    party (appointing replaces)."""

    model = ComplianceOfficer
    serializer_class = ComplianceOfficerSerializer
    permission_module = "governance"
    guest_partnership_path = "partnership"
    filterset_fields = ["partnership", "framework", "party"]

    def tenant_queryset(self):
        return ComplianceOfficer.objects.select_related("user")

    def create_object(self, data):
        return compliance.compliance_officer_appoint(actor=self.request.user, **data)


class OfficerAttestationSerializer(serializers.ModelSerializer):
    """A requirement of the compliance matrix and the attestation of its current period."""

    class Meta:
        model = ComplianceRequirement
        fields = ["id", "partnership", "framework", "title", "due_on", "attestation_months"]
        read_only_fields = fields


class AttestSerializer(serializers.Serializer):
    # Blank reaches the service, which says what is missing as on the page.
    statement = serializers.CharField(max_length=2000, allow_blank=True)


class AttestationResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    requirement = serializers.IntegerField(source="requirement_id")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    party = serializers.CharField()
    statement = serializers.CharField()
    attested_at = serializers.DateTimeField()
    status = serializers.SerializerMethodField()

    def get_status(self, attestation) -> str:
        return "attested"


class OfficerAttestationViewSet(TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The compliance matrix's requirements (the risk module's); `POST …/{id}/attest/`: a
    compliance officer of the requirement's area attests its current period, once (409 again,
    403 for anyone else)."""

    model = ComplianceRequirement
    serializer_class = OfficerAttestationSerializer
    permission_module = "governance"
    guest_partnership_path = "partnership"
    filterset_fields = ["partnership", "framework"]
    action_verbs = {"attest": "view"}  # the officer (a guest or not) attests their own

    def tenant_queryset(self):
        return ComplianceRequirement.objects.order_by("due_on", "pk")

    @extend_schema(request=AttestSerializer, responses=AttestationResultSerializer)
    @action(detail=True, methods=["post"])
    def attest(self, request, *args, **kwargs):
        requirement = self.get_object()
        body = AttestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attestation = compliance.compliance_officer_attest(
            requirement=requirement,
            officer_user=request.user,
            statement=body.validated_data["statement"],
            now=_now(),
        )
        return Response(AttestationResultSerializer(attestation).data)
