from django.apps import AppConfig


class ExitPlanningConfig(AppConfig):
    name = "exit_planning"
    verbose_name = "Exit planning"

    def ready(self):
        from exit_planning.models import ExitPlan
        from exit_planning.services import exit_plan_blockers, exit_plan_follow_partnership
        from partnerships.signals import partnership_move_blockers, partnership_moved

        partnership_moved.connect(
            lambda sender, **kwargs: exit_plan_follow_partnership(**kwargs),
            weak=False,
            dispatch_uid="exit_plan_follows_partnership",
        )
        partnership_move_blockers.connect(
            lambda sender, **kwargs: exit_plan_blockers(**kwargs),
            weak=False,
            dispatch_uid="exit_plan_blocks_an_early_close",
        )
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
