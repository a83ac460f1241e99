"""The one router of /api/v1/: each app's viewsets are registered here."""

from rest_framework.routers import DefaultRouter

from casualties.api.tallies import TallyViewSet
from casualties.api.views import ClaimViewSet
from incidents.api.taxonomies import TAXONOMIES
from incidents.api.views import (
    ActorViewSet,
    IncidentViewSet,
    LocationViewSet,
    TargetViewSet,
)
from sources.api.views import ReportViewSet, SourceViewSet

router = DefaultRouter()
# In the order of SPEC section 6.
router.register("incidents", IncidentViewSet, basename="incident")
router.register("locations", LocationViewSet, basename="location")
router.register("actors", ActorViewSet, basename="actor")
router.register("targets", TargetViewSet, basename="target")
router.register("sources", SourceViewSet, basename="source")
router.register("reports", ReportViewSet, basename="report")
router.register("claims", ClaimViewSet, basename="claim")
router.register("tallies", TallyViewSet, basename="tally")
# The vocabularies the fields above take, read-only.
for prefix, viewset in TAXONOMIES.items():
    router.register(prefix, viewset, basename=viewset.queryset.model._meta.model_name)
