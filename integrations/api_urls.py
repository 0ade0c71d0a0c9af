from rest_framework.routers import SimpleRouter

from integrations import api

router = SimpleRouter()
router.register("edi-documents", api.EdiDocumentViewSet, basename="edi-document")
urlpatterns = router.urls
