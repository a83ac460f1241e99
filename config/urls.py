"""Project URLs: the admin, login/logout and the incident pages."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import include, path
from django.views.defaults import page_not_found
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from casualties.api.stats import StatsView
from casualties.api.tallies import IncidentTallyView
from config.api_router import router
from incidents.api.changes import ChangesView


def for_readers(view):
    """The API docs are pages like the others: anonymous visitors are sent to
    log in unless the deployment reads publicly (SPEC section 7)."""

    def docs(request, *args, **kwargs):
        if not settings.PUBLIC_READ and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return docs


urlpatterns = [
    path("admin/", admin.site.urls),
    # Before the router: these two are not viewsets of their own resources.
    path(
        "api/v1/incidents/<int:pk>/tally/",
        IncidentTallyView.as_view(),
        name="api-incident-tally",
    ),
    path("api/v1/stats/", StatsView.as_view(), name="api-stats"),
    path("api/v1/changes/", ChangesView.as_view(), name="api-changes"),
    path("api/v1/", include(router.urls)),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/v1/docs/",
        # The split view serves its script as a file: no inline script for the
        # Content-Security-Policy to refuse.
        for_readers(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path(
        "api/v1/docs/redoc/",
        for_readers(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("incidents.urls")),
    path("", include("casualties.urls")),
    path("", include("sources.urls")),
]


def not_found(request, exception=None):
    """API clients get JSON for an unknown URL too, not an HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


handler404 = not_found
