"""Routes of the proof part of the manifests app (included by urls.py); the verification
page has the short top-level path /v/<token> (wufei/urls.py)."""

from django.urls import URLPattern, path

from . import views_proof

urlpatterns: list[URLPattern] = [
    path("public-key", views_proof.public_key, name="public_key"),
    path("<int:pk>/pdf", views_proof.pdf_download, name="pdf"),
    path("<int:pk>/links", views_proof.create_link, name="create_link"),
    path("l/<str:token>", views_proof.shared, name="shared"),
]
