from django.urls import path

from tenancy.modules import module_overview

urlpatterns = [
    path("integrations/", module_overview, {"module": "integrations"}, name="integrations-home"),
]
