from django.urls import path

from tenancy.views import module_overview

urlpatterns = [
    path("finance/", module_overview, {"module": "finance"}, name="finance-home"),
]
