from django.urls import path

from tenancy.views import module_overview

urlpatterns = [
    path("exit/", module_overview, {"module": "exit_planning"}, name="exit-planning-home"),
]
