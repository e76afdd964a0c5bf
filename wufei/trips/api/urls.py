from django.urls import path

from . import views

urlpatterns = [
    path("trips/<int:manifest_id>/", views.TripView.as_view(), name="trips-trip"),
]
