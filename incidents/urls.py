from django.urls import path

from incidents.views import browse, dashboard

app_name = "incidents"

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("incidents/", browse.IncidentListView.as_view(), name="list"),
    path("incidents/<int:pk>/", browse.IncidentDetailView.as_view(), name="detail"),
]
