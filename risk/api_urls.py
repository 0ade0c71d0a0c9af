from rest_framework.routers import SimpleRouter

from risk import api

router = SimpleRouter()
router.register("risk/portfolio", api.PortfolioViewSet, basename="risk-portfolio")
router.register("risk/risks", api.RiskViewSet, basename="risk")
router.register(
    "risk/insurance-requirements", api.InsuranceRequirementViewSet, basename="insurance-requirement"
)
router.register("risk/certificates", api.InsuranceCertificateViewSet, basename="certificate")
router.register("risk/bonds", api.BondViewSet, basename="bond")
router.register("risk/penalties", api.PenaltyViewSet, basename="penalty")
router.register("risk/price-mechanisms", api.PriceMechanismViewSet, basename="price-mechanism")
router.register("risk/index-values", api.IndexValueViewSet, basename="index-value")
router.register("risk/breach-duties", api.CyberAllocationViewSet, basename="cyber-allocation")
router.register("risk/breaches", api.DataBreachViewSet, basename="data-breach")
router.register("risk/score-factors", api.ScoreFactorViewSet, basename="score-factor")
router.register("risk/scores", api.RiskScoreViewSet, basename="risk-score")
router.register(
    "risk/compliance-requirements", api.ComplianceRequirementViewSet, basename="compliance"
)
router.register("risk/force-majeure", api.ForceMajeureViewSet, basename="force-majeure")
router.register("risk/incident-plans", api.IncidentPlanViewSet, basename="incident-plan")
router.register("risk/watch-list", api.WatchItemViewSet, basename="watch-item")
urlpatterns = router.urls
