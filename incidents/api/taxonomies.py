"""The controlled vocabularies, read-only: `incident-types/`, `target-categories/`,
`victim-groups/`, `outcomes/` and `claimant-sides/` list each term's slug (what
the API takes and returns) and label. The schema also lists the slugs as
enums (`TaxonomyEnum` below), so a generated client knows them; both follow
the rows the admin edits.
"""

from django.db import DatabaseError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers, viewsets

from casualties.models import ClaimantSide, Outcome, VictimGroup
from config.api import ReaderPermission
from incidents.base import TaxonomyTerm
from incidents.models import IncidentType, TargetCategory


class TermSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="What the API takes and returns.")
    name = serializers.CharField(help_text="The label people read.")
    description = serializers.CharField()


class VictimGroupSerializer(TermSerializer):
    parent = serializers.CharField(
        source="parent_id", allow_null=True, help_text="The group it is part of."
    )
    position = serializers.IntegerField(help_text="Where tables list it.")


class OutcomeSerializer(TermSerializer):
    position = serializers.IntegerField(help_text="Where tables list it.")


class ClaimantSideSerializer(TermSerializer):
    rank = serializers.IntegerField(
        help_text="Higher: preferred for the best estimate (SPEC rule 3)."
    )


def _viewset(model, serializer, ordering):
    class TermViewSet(viewsets.ReadOnlyModelViewSet):
        __doc__ = f"The {model._meta.verbose_name_plural}: slugs and labels."
        queryset = model.objects.order_by(*ordering)
        serializer_class = serializer
        permission_classes = [ReaderPermission]  # vocabulary, open to every reader
        lookup_field = "slug"
        lookup_value_regex = r"[-a-zA-Z0-9_]+"
        pagination_class = None  # a few dozen rows at most
        filter_backends = []

    TermViewSet.__name__ = f"{model.__name__}ViewSet"
    TermViewSet.__qualname__ = TermViewSet.__name__
    return TermViewSet


TAXONOMIES = {
    "incident-types": _viewset(IncidentType, TermSerializer, ["slug"]),
    "target-categories": _viewset(TargetCategory, TermSerializer, ["slug"]),
    "victim-groups": _viewset(VictimGroup, VictimGroupSerializer, ["position", "slug"]),
    "outcomes": _viewset(Outcome, OutcomeSerializer, ["position", "slug"]),
    "claimant-sides": _viewset(ClaimantSide, ClaimantSideSerializer, ["-rank", "slug"]),
}


class TaxonomyEnum(OpenApiSerializerFieldExtension):
    """A field that takes a taxonomy term is described as an enum of the
    slugs stored when the schema is built."""

    target_class = "rest_framework.relations.RelatedField"
    match_subclasses = True

    @classmethod
    def _matches(cls, target) -> bool:
        if not super()._matches(target):
            return False
        model = _term_model(target)
        return model is not None

    def map_serializer_field(self, auto_schema, direction):
        model = _term_model(self.target)
        try:
            slugs = list(model.objects.order_by("slug").values_list("slug", flat=True))
        except DatabaseError:
            # No database yet (`check --deploy` builds the schema before any
            # migration): the slugs are then plain strings.
            return {"type": "string"}
        return {"type": "string", "enum": slugs}


def _term_model(field):
    queryset = getattr(field, "queryset", None)
    model = getattr(queryset, "model", None)
    if model is not None and issubclass(model, TaxonomyTerm):
        return model
    return None
