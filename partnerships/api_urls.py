from rest_framework.routers import SimpleRouter

from partnerships import api

router = SimpleRouter()
router.register("partners", api.PartnerViewSet, basename="partner")
router.register("partnerships", api.PartnershipViewSet, basename="partnership")
router.register("partner-contacts", api.PartnerContactViewSet, basename="partner-contact")
router.register("partner-financials", api.PartnerFinancialsViewSet, basename="partner-financials")
router.register(
    "partner-certifications", api.PartnerCertificationViewSet, basename="partner-certification"
)
router.register("sub-tier-links", api.SubTierLinkViewSet, basename="sub-tier-link")
router.register("due-diligence-items", api.DueDiligenceItemViewSet, basename="due-diligence-item")
router.register(
    "onboarding-milestones", api.OnboardingMilestoneViewSet, basename="onboarding-milestone"
)
router.register(
    "onboarding-escalations", api.OnboardingEscalationViewSet, basename="onboarding-escalation"
)
router.register("sourcing-cases", api.SourcingCaseViewSet, basename="sourcing-case")
router.register("sourcing-candidates", api.SourcingCandidateViewSet, basename="sourcing-candidate")
router.register("tco-estimates", api.TcoEstimateViewSet, basename="tco-estimate")
router.register("stakeholders", api.StakeholderViewSet, basename="stakeholder")
router.register(
    "stakeholder-objectives", api.StakeholderObjectiveViewSet, basename="stakeholder-objective"
)
router.register("joint-objectives", api.JointObjectiveViewSet, basename="joint-objective")
router.register("exclusivities", api.ExclusivityViewSet, basename="exclusivity")
router.register("joint-ip", api.JointIpViewSet, basename="joint-ip")
urlpatterns = router.urls
