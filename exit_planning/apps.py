from django.apps import AppConfig


class ExitPlanningConfig(AppConfig):
    name = "exit_planning"
    verbose_name = "Exit planning"
