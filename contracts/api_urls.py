from rest_framework.routers import SimpleRouter

from contracts import api

router = SimpleRouter()
router.register("agreements", api.AgreementViewSet, basename="agreement")
router.register("clauses", api.ClauseViewSet, basename="clause")
router.register("clause-comments", api.ClauseCommentViewSet, basename="clause-comment")
router.register("obligations", api.ObligationViewSet, basename="obligation")
router.register("playbook-clauses", api.PlaybookClauseViewSet, basename="playbook-clause")
router.register("playbook-rules", api.PlaybookRuleViewSet, basename="playbook-rule")
router.register("intake-jobs", api.IntakeJobViewSet, basename="intake-job")
urlpatterns = router.urls
