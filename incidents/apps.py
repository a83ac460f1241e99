from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self):
        from incidents.triggers import install_after_migrate

        post_migrate.connect(install_after_migrate, sender=self)
