from rest_framework.routers import SimpleRouter

from exit_planning import api

router = SimpleRouter()
router.register("exit/plans", api.ExitPlanViewSet, basename="exit-plan")
router.register("exit/triggers", api.ExitTriggerViewSet, basename="exit-trigger")
router.register("exit/tasks", api.WindDownTaskViewSet, basename="wind-down-task")
router.register("exit/knowledge", api.KnowledgeItemViewSet, basename="knowledge-item")
router.register("exit/data", api.DispositionViewSet, basename="data-disposition")
router.register("exit/assets", api.AssetViewSet, basename="asset-transfer")
router.register("exit/notices", api.NoticeViewSet, basename="stakeholder-notice")
router.register("exit/post-mortem", api.PostMortemEntryViewSet, basename="post-mortem-entry")
router.register("exit/playbook-changes", api.PlaybookChangeViewSet, basename="playbook-change")
urlpatterns = router.urls
