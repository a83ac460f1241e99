"""The admin, discovered for every app but django-leaflet."""

from importlib import import_module

from django.apps import apps
from django.contrib.admin.apps import SimpleAdminConfig
from django.utils.module_loading import module_has_submodule

# django-leaflet's admin module imports GeoDjango, which needs the GDAL C
# library; we use only Leaflet's static files and template tags, not its
# geometry widgets, so its admin module is never imported.
SKIPPED = {"leaflet"}


class AdminConfig(SimpleAdminConfig):
    def ready(self):
        super().ready()
        for app_config in apps.get_app_configs():
            if app_config.name in SKIPPED:
                continue
            if module_has_submodule(app_config.module, "admin"):
                import_module(f"{app_config.name}.admin")
