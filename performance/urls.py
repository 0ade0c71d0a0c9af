from django.urls import path

from tenancy.modules import module_overview

urlpatterns = [
    path("performance/", module_overview, {"module": "performance"}, name="performance-home"),
]
