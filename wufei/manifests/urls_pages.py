"""Routes of this part of the manifests app (included by urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
