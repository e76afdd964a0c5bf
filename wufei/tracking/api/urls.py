from django.urls import path

from .views import TrackPointsView

urlpatterns = [
    path("tracking/points", TrackPointsView.as_view(), name="tracking-points"),
]
