from django.urls import path

from . import views_matching

app_name = "matching"

urlpatterns = [path("", views_matching.matching, name="matching")]
