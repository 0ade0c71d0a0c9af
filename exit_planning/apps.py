from django.apps import AppConfig


class ExitPlanningConfig(AppConfig):
    name = "exit_planning"
    verbose_name = "Exit planning"

    def ready(self):
        from exit_planning.models import ExitPlan
        from tenancy.handover import Responsibility, responsibilities_register

        responsibilities_register(
            Responsibility(
                "Exit plans",
                "exit_planning.ExitPlan",
                "owner",
                {"status__in": [s for s in ExitPlan.Status.values if s != "closed"]},
            ),
            Responsibility(
                "Open wind-down tasks",
                "exit_planning.WindDownTask",
                "owner",
                {"done_on__isnull": True},
            ),
        )
