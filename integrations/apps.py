from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        from integrations.models import Connector, Discrepancy
        from tenancy.handover import Responsibility, responsibilities_register

        responsibilities_register(
            Responsibility(
                "Connectors",
                "integrations.Connector",
                "owner",
                {"status__in": [s for s in Connector.Status.values if s != "retired"]},
            ),
            Responsibility(
                "Open discrepancies",
                "integrations.Discrepancy",
                "owner",
                {
                    "status__in": [
                        Discrepancy.Status.OPEN,
                        Discrepancy.Status.DISPUTED,
                        Discrepancy.Status.PAYMENT_BLOCKED,
                    ]
                },
            ),
            Responsibility("Demand forecasts", "integrations.DemandForecast", "owner"),
            Responsibility("Stock policies", "integrations.StockPolicy", "owner"),
        )
        from integrations.webhooks import CHANNEL, webhook_send
        from tenancy.outbox import outbox_channel_register

        outbox_channel_register(CHANNEL, webhook_send)
