from django.urls import path

from . import views

app_name = "labels"
urlpatterns = [
    path("scan/", views.scan, name="scan"),
    path("sample.pdf", views.sample, name="sample"),
]
