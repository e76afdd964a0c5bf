from django.urls import path

from . import views

app_name = "trips"
urlpatterns = [
    path("<int:manifest_id>/", views.trip_page, name="trip"),
]
