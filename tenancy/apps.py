from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Tenancy"

    def ready(self):
        from tenancy import sessions, signals  # noqa: F401
        from tenancy.access import security, two_factor  # noqa: F401 - signal receivers
