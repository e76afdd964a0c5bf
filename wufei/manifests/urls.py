"""Manifest pages: each part of the app keeps its own routes (pages, proof, revisions)."""

from django.urls import path

from . import urls_pages, urls_proof, urls_revisions, views

app_name = "manifests"

urlpatterns = [
    path("<int:pk>/", views.detail, name="detail"),
    *urls_pages.urlpatterns,
    *urls_proof.urlpatterns,
    *urls_revisions.urlpatterns,
]
