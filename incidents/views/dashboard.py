"""The home page after login: the dashboard."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from incidents.models import Incident


@login_required
def home(request):
    """Top-level incidents with their headline tallies."""
    incidents = Incident.objects.top_level().select_related("location", "type")
    if not request.user.has_perm("incidents.view_draft_incident"):
        incidents = incidents.published()
    incidents = incidents.prefetch_related("tallies")
    return render(request, "incidents/home.html", {"incidents": incidents[:100]})
