"""The capacity matching page: the optimal allocation of a jurisdiction's generation, its
shortfalls, facility loads, the locality check and a what-if scenario."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.catalog.models import Region
from wufei.core.permissions import principal

from . import capacity
from .matching import Facility


def _region_for(request: HttpRequest) -> Region:
    p = principal(request.user)
    if p is None:
        raise Http404
    code = (request.GET.get("region") or "").strip()
    if not code:
        if p.is_platform_admin:
            code = "33"
        elif p.jurisdictions:
            code = p.jurisdictions[0]
        else:
            raise Http404
    region = Region.objects.filter(prefix=code).first() or Region.objects.filter(code=code).first()
    if region is None or not (p.is_platform_admin or p.in_jurisdiction(region.prefix)):
        raise Http404
    return region


def _float(value: Any) -> float | None:
    try:
        out = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return out if out >= 0 else None


def _scenario(
    request: HttpRequest, base: capacity.Match
) -> tuple[list[capacity.Change], list[str]]:
    changes: list[capacity.Change] = []
    errors: list[str] = []
    keys = {f.key for f in base.facilities}
    for key in request.GET.getlist("retire"):
        if key in keys:
            changes.append(capacity.Change("retire", key=key))
    cap_key = request.GET.get("cap_key", "")
    if cap_key:
        tonnes = _float(request.GET.get("cap_tonnes"))
        if cap_key not in keys or tonnes is None:
            errors.append(_("Choose a facility and enter its new capacity in tonnes."))
        else:
            changes.append(
                capacity.Change(
                    "capacity",
                    key=cap_key,
                    category=request.GET.get("cap_category", "").strip().upper(),
                    tonnes=tonnes,
                )
            )
    add_region = request.GET.get("add_region", "").strip()
    if add_region:
        county = Region.objects.filter(code=add_region, level="county").first()
        tonnes = _float(request.GET.get("add_tonnes"))
        cats = [
            c.strip().upper()
            for c in request.GET.get("add_categories", "").replace("，", ",").split(",")
            if c.strip()
        ]
        if county is None or county.center_lat is None or tonnes is None or not cats:
            errors.append(
                _(
                    "A new facility needs a county, the categories it accepts and its capacity in tonnes."
                )
            )
        else:
            changes.append(
                capacity.Change(
                    "add",
                    facility=Facility(
                        f"new:{county.code}",
                        county.code,
                        float(county.center_lat),
                        float(county.center_lon or 0),
                        tonnes,
                        dict.fromkeys(cats, tonnes),
                    ),
                )
            )
    return changes, errors


@login_required
def matching(request: HttpRequest) -> HttpResponse:
    region = _region_for(request)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    base = capacity.match(region.code, year)
    changes, errors = _scenario(request, base)
    comparison = capacity.compare(base, changes) if changes and not errors else None
    names = dict(
        Region.objects.filter(prefix__startswith=region.prefix).values_list("code", "name")
    )
    shortfall = [
        {**row, "region": names.get(row["region_code"], row["region_code"])}
        for row in base.shortfall_rows()
    ]
    loads = [
        {**row, "region": names.get(row["region_code"], row["region_code"])}
        for row in base.load_rows()
    ]
    scenario = None
    if comparison is not None:
        m: capacity.Match = comparison["match"]
        scenario = {
            **comparison,
            "shortfall": [
                {**r, "region": names.get(r["region_code"], r["region_code"])}
                for r in m.shortfall_rows()
            ],
        }
    return render(
        request,
        "analytics/matching.html",
        {
            "title": _("Capacity matching"),
            "region": region,
            "year": year,
            "match": base,
            "shortfall": shortfall[:100],
            "loads": loads[:50],
            "signals": capacity.structural_signals(region.code, year),
            "facilities": sorted(
                ((f.key, base.labels.get(f.key, f.key)) for f in base.facilities),
                key=lambda x: x[1],
            ),
            "counties": Region.objects.filter(
                level="county", prefix__startswith=region.prefix
            ).order_by("code"),
            "scenario": scenario,
            "changes": changes,
            "errors": errors,
            "generated_t": sum(s.tonnes for s in base.sources),
        },
    )
