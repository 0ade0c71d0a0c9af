from django.apps import AppConfig


class InnovationConfig(AppConfig):
    name = "innovation"
    verbose_name = "Innovation & joint programmes"
