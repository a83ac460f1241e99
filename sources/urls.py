from django.urls import path

from sources import views

app_name = "sources"

urlpatterns = [
    path("sources/new/", views.NewSourceView.as_view(), name="source-create"),
    path(
        "incidents/<int:pk>/reports/new/",
        views.ReportCreateView.as_view(),
        name="report-create",
    ),
]
