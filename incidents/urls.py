from django.urls import path

from incidents.views import browse, dashboard, edit, imports

app_name = "incidents"

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("map.geojson", dashboard.home_map, name="home_map"),
    path("map/provinces.geojson", dashboard.province_outlines, name="provinces"),
    path("incidents/", browse.IncidentListView.as_view(), name="list"),
    path("incidents/<int:pk>/", browse.IncidentDetailView.as_view(), name="detail"),
    # The analyst's forms and the editor's status changes (views/edit.py).
    path("incidents/new/", edit.IncidentFormView.as_view(), name="create"),
    path("incidents/<int:pk>/edit/", edit.IncidentFormView.as_view(), name="edit"),
    path("incidents/<int:pk>/claims/new/", edit.ClaimsView.as_view(), name="claims"),
    path("actors/new/", edit.NewActorView.as_view(), name="actor-create"),
    path("incidents/search/", edit.ParentSearchView.as_view(), name="parent-search"),
    path("incidents/<int:pk>/publish/", edit.PublishView.as_view(), name="publish"),
    path("incidents/<int:pk>/retract/", edit.RetractView.as_view(), name="retract"),
    path("imports/", imports.ImportsView.as_view(), name="imports"),
    path("imports/<int:pk>/", imports.ImportView.as_view(), name="import"),
    path(
        "locations/search/",
        edit.LocationSearchView.as_view(),
        name="location-search",
    ),
]
