from rest_framework.routers import SimpleRouter

from innovation import api

router = SimpleRouter()
router.register("innovation/initiatives", api.InitiativeViewSet, basename="initiative")
router.register("innovation/pilots", api.PilotViewSet, basename="pilot")
router.register("innovation/sourcing-models", api.SourcingModelViewSet, basename="sourcing-model")
router.register("innovation/task-forces", api.TaskForceViewSet, basename="task-force")
router.register("innovation/sessions", api.KnowledgeSessionViewSet, basename="knowledge-session")
router.register(
    "innovation/supplier-programmes", api.SupplierProgrammeViewSet, basename="supplier-programme"
)
urlpatterns = router.urls
