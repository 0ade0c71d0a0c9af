from django.urls import path

from tenancy.views import module_overview

urlpatterns = [
    path("risk/", module_overview, {"module": "risk"}, name="risk-home"),
]
