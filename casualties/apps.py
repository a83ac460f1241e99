from django.apps import AppConfig


class CasualtiesConfig(AppConfig):
    name = "casualties"
