from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        from integrations.webhooks import CHANNEL, webhook_send
        from tenancy.outbox import outbox_channel_register

        outbox_channel_register(CHANNEL, webhook_send)
