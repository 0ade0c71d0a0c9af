from rest_framework.routers import SimpleRouter

from governance import api, board_api

router = SimpleRouter()
router.register("change-requests", api.ChangeRequestViewSet, basename="change-request")
router.register("committees", board_api.CommitteeViewSet, basename="committee")
router.register("committee-members", board_api.CommitteeMemberViewSet, basename="committee-member")
router.register("meetings", board_api.MeetingViewSet, basename="meeting")
router.register("meeting-decisions", board_api.MeetingDecisionViewSet, basename="meeting-decision")
router.register("meeting-actions", board_api.MeetingActionViewSet, basename="meeting-action")
router.register("raci-activities", board_api.RaciActivityViewSet, basename="raci-activity")
router.register(
    "decision-right-rules", board_api.DecisionRightRuleViewSet, basename="decision-right-rule"
)
router.register("escalations", board_api.EscalationViewSet, basename="escalation")
router.register("disclosures", board_api.DisclosureViewSet, basename="disclosure")
router.register("crisis-protocols", board_api.CrisisProtocolViewSet, basename="crisis-protocol")
router.register("crisis-log", board_api.CrisisLogEntryViewSet, basename="crisis-log-entry")
router.register("governance-inbox", board_api.InboxViewSet, basename="governance-inbox")
router.register(
    "compliance-officers", board_api.ComplianceOfficerViewSet, basename="compliance-officer"
)
router.register(
    "officer-attestations", board_api.OfficerAttestationViewSet, basename="officer-attestation"
)
urlpatterns = router.urls
