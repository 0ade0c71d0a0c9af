from django.urls import path

from tenancy.modules import module_overview

urlpatterns = [
    path("finance/", module_overview, {"module": "finance"}, name="finance-home"),
]
