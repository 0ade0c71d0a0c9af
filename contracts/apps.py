import logging
import os

from django.apps import AppConfig

logger = logging.getLogger(__name__)


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Contracts"

    def ready(self):
        from contracts.models import Agreement, Obligation
        from tenancy.handover import Responsibility, responsibilities_register

        ended = (Agreement.Status.EXPIRED, Agreement.Status.TERMINATED)
        responsibilities_register(
            Responsibility(
                "Agreements",
                "contracts.Agreement",
                "owner",
                {"status__in": [s for s in Agreement.Status.values if s not in ended]},
            ),
            Responsibility(
                "Open obligations",
                "contracts.Obligation",
                "owner",
                {"status": Obligation.Status.OPEN},
            ),
        )
        from contracts.selectors import ACTION_LABELS
        from tenancy.audit import action_labels_register

        action_labels_register(ACTION_LABELS)
        # The clause model is loaded once, at start-up, so the first upload does not pay for it
        # (docs/clause-detection.md). A process that never detects can skip it.
        if os.environ.get("PARTNERLINE_SKIP_CLAUSE_MODEL"):
            return
        from contracts.detection import load_model

        try:
            load_model()
        except Exception:  # noqa: BLE001 - detection falls back to the rules; never block start-up
            logger.exception("the clause model could not be loaded; detection uses the rules")
