from django.urls import path

from tenancy.modules import module_overview

urlpatterns = [
    path("contracts/", module_overview, {"module": "contracts"}, name="contracts-home"),
]
