from django.urls import path

from casualties import views

app_name = "casualties"

urlpatterns = [
    path("review/", views.ReviewQueueView.as_view(), name="queue"),
    path("review/<int:pk>/", views.TallyReviewView.as_view(), name="review"),
    path(
        "review/claims/<int:pk>/assess/",
        views.AssessClaimView.as_view(),
        name="assess",
    ),
]
