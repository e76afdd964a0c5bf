"""The home page: what the signed-in user is responsible for, at a glance."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from wufei.core.permissions import principal


@login_required
def home(request):
    user = request.user
    Organization = apps.get_model("registry", "Organization")
    WasteCode = apps.get_model("catalog", "WasteCode")
    orgs = Organization.objects.restrict(user, "view")
    cards = [
        ("organizations", orgs.count(), "registry:organization_list"),
        ("producers", orgs.filter(is_producer=True).count(), "registry:organization_list"),
        ("carriers", orgs.filter(is_carrier=True).count(), "registry:organization_list"),
        ("receivers", orgs.filter(is_receiver=True).count(), "registry:organization_list"),
        ("collectors", orgs.filter(is_collector=True).count(), "registry:organization_list"),
        (
            "waste_codes",
            WasteCode.objects.filter(edition__is_current=True).count(),
            "catalog:wastecode_list",
        ),
    ]
    p = principal(user)
    return render(request, "home.html", {"cards": cards, "principal": p})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
