"""Manifest pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Manifest


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    manifest = get_object_or_404(Manifest.objects.restrict(request.user, "view"), pk=pk)
    return render(request, "manifests/detail.html", {"manifest": manifest})
