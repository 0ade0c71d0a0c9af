from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partnerships"

    def ready(self):
        from partnerships.models import (
            DueDiligenceItem,
            OnboardingEscalation,
            Partnership,
            SourcingCase,
        )
        from tenancy.handover import Responsibility, responsibilities_register

        live = {"status__in": [s for s in Partnership.Status.values if s != "closed"]}
        responsibilities_register(
            Responsibility("Partnerships owned", "partnerships.Partnership", "owner", live),
            Responsibility(
                "Partnerships sponsored", "partnerships.Partnership", "executive_sponsor", live
            ),
            Responsibility(
                "Due-diligence items to review",
                "partnerships.DueDiligenceItem",
                "reviewer",
                {"status__in": [DueDiligenceItem.Status.OPEN, DueDiligenceItem.Status.IN_REVIEW]},
            ),
            Responsibility(
                "Open sourcing needs",
                "partnerships.SourcingCase",
                "owner",
                {"status": SourcingCase.Status.OPEN},
            ),
            Responsibility(
                "Open onboarding escalations",
                "partnerships.OnboardingEscalation",
                "owner",
                {"status": OnboardingEscalation.Status.OPEN},
            ),
        )
