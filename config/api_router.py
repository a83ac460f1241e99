"""The one router of /api/v1/: each app's viewsets are registered here."""

from rest_framework.routers import DefaultRouter

from casualties.api.tallies import TallyViewSet

router = DefaultRouter()
# Registrations (one line per resource), kept in the order of SPEC section 6:
from incidents.api.views import (  # noqa: E402
    ActorViewSet,
    IncidentViewSet,
    LocationViewSet,
    TargetViewSet,
)

router.register("incidents", IncidentViewSet, basename="incident")
router.register("locations", LocationViewSet, basename="location")
router.register("actors", ActorViewSet, basename="actor")
router.register("targets", TargetViewSet, basename="target")
from sources.api.views import ReportViewSet, SourceViewSet  # noqa: E402

router.register("sources", SourceViewSet, basename="source")
router.register("reports", ReportViewSet, basename="report")
from casualties.api.views import ClaimViewSet  # noqa: E402

router.register("claims", ClaimViewSet, basename="claim")
router.register("tallies", TallyViewSet, basename="tally")
