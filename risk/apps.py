from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = "Risk"

    def ready(self):
        from risk.models import Risk
        from tenancy.handover import Responsibility, responsibilities_register

        responsibilities_register(
            Responsibility("Open risks", "risk.Risk", "owner", {"status": Risk.Status.OPEN}),
            Responsibility(
                "Open mitigations", "risk.Mitigation", "owner", {"done_on__isnull": True}
            ),
            Responsibility("Compliance requirements", "risk.ComplianceRequirement", "owner"),
            Responsibility(
                "Compliance officer roles", "risk.ComplianceOfficer", "user", moves=False
            ),
        )
