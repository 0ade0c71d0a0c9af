from django.urls import path

from tenancy.modules import module_overview

urlpatterns = [
    path("governance/", module_overview, {"module": "governance"}, name="governance-home"),
]
