"""Admin for outlets and their reports, with their history and no deletes."""

from django.contrib import admin

from incidents.admin import (
    CreatedByServiceMixin,
    HistoryAdmin,
    NoDeleteMixin,
    RetractionMixin,
    StampCreatorMixin,
)
from sources import services
from sources.models import Report, Source


@admin.register(Source)
class SourceAdmin(NoDeleteMixin, CreatedByServiceMixin, HistoryAdmin):
    list_display = ["name", "kind", "reliability", "affiliation"]
    list_filter = ["kind", "reliability"]
    search_fields = ["name", "url"]
    list_select_related = ["affiliation"]
    autocomplete_fields = ["affiliation"]
    readonly_fields = ["version", "created_at", "updated_at"]

    def create(self, user, obj):
        return services.create_source(
            user=user,
            name=obj.name,
            kind=obj.kind,
            reliability=obj.reliability,
            affiliation=obj.affiliation,
            url=obj.url,
        )


@admin.register(Report)
class ReportAdmin(NoDeleteMixin, RetractionMixin, StampCreatorMixin, HistoryAdmin):
    list_display = [
        "title",
        "source",
        "published_at",
        "language",
        "credibility",
        "retracted_at",
    ]
    list_filter = ["credibility", "language", "source__kind"]
    search_fields = ["title", "url", "source__name"]
    date_hierarchy = "published_at"
    list_select_related = ["source"]
    autocomplete_fields = ["source"]
    readonly_fields = [
        "retracted_at",
        "version",
        "created_by",
        "created_at",
        "updated_at",
    ]
