"""Catalogue pages: the waste catalogue (search and code page), regions and treatment methods.

Reference data is public to every signed-in user (``Policy(public_view=True)``); every list
and detail still starts from ``restrict(request.user, "view")``, as everywhere else.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from wufei.core.errors import ActionError

from . import queries
from .geo import boundary_svg
from .models import (
    CatalogueEdition,
    Exemption,
    ExemptionStage,
    GeneralWasteCategory,
    Hazard,
    Region,
    TreatmentMethod,
    Verification,
    WasteCategory,
    WasteCode,
)

PAGE_SIZE = 50


def _edition_or_404(request, value):
    try:
        edition = queries.resolve_edition(value)
    except ActionError as exc:
        raise Http404(str(exc.message)) from exc
    if (
        edition is None
        or not CatalogueEdition.objects.restrict(request.user, "view")
        .filter(pk=edition.pk)
        .exists()
    ):
        raise Http404
    return edition


@login_required
def wastecode_list(request):
    params = {
        k: request.GET.get(k, "").strip()
        for k in ("q", "category", "hazard", "industry", "edition")
    }
    edition = _edition_or_404(request, params["edition"] or None)
    error = None
    try:
        qs = queries.search_codes(
            params["q"],
            category=params["category"] or None,
            hazard=params["hazard"] or None,
            industry=params["industry"] or None,
            edition=edition,
            queryset=WasteCode.objects.restrict(request.user, "view"),
        )
    except ActionError as exc:
        error = exc.message
        qs = WasteCode.objects.none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "params": params,
        "edition": edition,
        "error": error,
        "filtered": any(params[k] for k in ("q", "category", "hazard", "industry")),
    }
    if request.htmx:
        return render(request, "catalog/_wastecode_results.html", context)
    context.update(
        editions=CatalogueEdition.objects.restrict(request.user, "view").order_by(
            "-effective_from"
        ),
        categories=queries.categories(
            edition, queryset=WasteCategory.objects.restrict(request.user, "view")
        ),
        hazards=Hazard.choices,
        industries=queries.industries(edition),
    )
    return render(request, "catalog/wastecode_list.html", context)


@login_required
def wastecode_detail(request, code):
    edition = _edition_or_404(request, request.GET.get("edition") or None)
    obj = queries.find_code(
        code, edition, queryset=WasteCode.objects.restrict(request.user, "view")
    )
    if obj is None:
        raise Http404
    exemptions = list(
        queries.exemptions_for(
            obj, queryset=Exemption.objects.restrict(request.user, "view")
        ).prefetch_related("codes", "categories")
    )
    stages = queries.exempt_stages(obj)
    stage_rows = [(ExemptionStage(s).label, rows) for s, rows in stages.items()]
    other_editions = (
        WasteCode.objects.restrict(request.user, "view")
        .filter(code=obj.code)
        .exclude(pk=obj.pk)
        .select_related("edition")
        .order_by("-edition__effective_from")
    )
    return render(
        request,
        "catalog/wastecode_detail.html",
        {
            "code": obj,
            "exemptions": exemptions,
            "stage_rows": stage_rows,
            "hazard_meaning": queries.HAZARD_MODE_MEANING.get(obj.hazard_mode, ""),
            "hazard_labels": [(h, Hazard(h).label) for h in obj.hazards],
            "other_editions": other_editions,
        },
    )


@login_required
def region_list(request):
    qs = Region.objects.restrict(request.user, "view")
    tree = queries.region_tree(qs)
    detailed = [n for n in tree if n["children"]]
    others = [n["region"] for n in tree if not n["children"]]
    return render(
        request,
        "catalog/region_list.html",
        {"detailed": detailed, "others": others, "total": qs.count()},
    )


@login_required
def region_detail(request, code):
    qs = Region.objects.restrict(request.user, "view")
    region = qs.select_related("parent").filter(code=code).first()
    if region is None:
        raise Http404
    children = list(qs.filter(parent=region).order_by("code"))
    return render(
        request,
        "catalog/region_detail.html",
        {
            "region": region,
            "ancestors": region.ancestors(),
            "children": children,
            "subtree_count": qs.filter(prefix__startswith=region.prefix)
            .exclude(pk=region.pk)
            .count(),
            "svg": boundary_svg(region.boundary, center=(region.center_lon, region.center_lat)),
        },
    )


@login_required
def method_list(request):
    methods = TreatmentMethod.objects.restrict(request.user, "view").order_by("kind", "code")
    groups = []
    for kind, label in TreatmentMethod.Kind.choices:
        rows = sorted(
            (m for m in methods if m.kind == kind),
            key=lambda m: (m.code[0], int("".join(ch for ch in m.code if ch.isdigit()) or 0)),
        )
        if rows:
            groups.append((label, rows))
    return render(
        request,
        "catalog/method_list.html",
        {
            "groups": groups,
            "general": GeneralWasteCategory.objects.restrict(request.user, "view").order_by(
                "code_2021"
            ),
            "verification": Verification.choices,
        },
    )
