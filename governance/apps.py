from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self):
        from governance.models import MeetingAction
        from tenancy.handover import Responsibility, responsibilities_register

        responsibilities_register(
            Responsibility(
                "Open meeting actions",
                "governance.MeetingAction",
                "owner",
                {"status__in": [MeetingAction.Status.OPEN, MeetingAction.Status.IN_PROGRESS]},
            ),
        )
