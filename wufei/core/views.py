"""Core pages: the audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from .models import AuditEvent


@login_required
def audit_list(request):
    qs = AuditEvent.objects.restrict(request.user, "view").select_related("actor").order_by("-seq")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(action__icontains=q) | qs.filter(object_repr__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"page": page, "q": q})
