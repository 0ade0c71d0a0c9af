from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self):
        from governance.models import ChangeRequestApprover, MeetingAction
        from tenancy.handover import Responsibility, responsibilities_register

        responsibilities_register(
            Responsibility(
                "Open meeting actions",
                "governance.MeetingAction",
                "owner",
                {"status__in": [MeetingAction.Status.OPEN, MeetingAction.Status.IN_PROGRESS]},
            ),
            # Seats and roles: listed on the member page, re-staffed on their own pages.
            Responsibility(
                "Change requests awaiting their approval",
                "governance.ChangeRequestApprover",
                "user",
                {"decision": ChangeRequestApprover.Decision.PENDING},
                moves=False,
            ),
            Responsibility("Committee seats", "governance.CommitteeMember", "user", moves=False),
            Responsibility("RACI assignments", "governance.RaciAssignment", "user", moves=False),
            Responsibility(
                "Escalation contacts", "governance.EscalationContact", "user", moves=False
            ),
            Responsibility("Crisis contacts", "governance.CrisisContact", "user", moves=False),
        )
