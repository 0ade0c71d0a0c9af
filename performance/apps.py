from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "performance"
    verbose_name = "Performance"

    def ready(self):
        from performance.models import ActionItem, CorrectiveAction
        from tenancy.handover import Responsibility, responsibilities_register

        responsibilities_register(
            Responsibility("KPIs measured", "performance.Kpi", "owner", {"is_active": True}),
            Responsibility("SLAs in force", "performance.Sla", "owner", {"is_active": True}),
            Responsibility(
                "Open QBR action items",
                "performance.ActionItem",
                "owner",
                {"status__in": [ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS]},
            ),
            Responsibility(
                "Open corrective actions",
                "performance.CorrectiveAction",
                "owner",
                {"status": CorrectiveAction.Status.OPEN},
            ),
        )
