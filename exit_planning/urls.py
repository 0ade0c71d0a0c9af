from django.urls import path

from tenancy.modules import module_overview

urlpatterns = [
    path("exit/", module_overview, {"module": "exit_planning"}, name="exit-planning-home"),
]
