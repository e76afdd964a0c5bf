"""The supervision dashboards (监管驾驶舱): one page per jurisdiction, province → city → county.

``/analytics/`` sends a regulator to the region of its bureau (the platform administrator to
the province); ``/analytics/<code>/`` is the page of one region: the seven indicators against
their targets, monthly trends, composition, warnings and cases, top producers, facility loads,
the choropleth of the child regions and the risk base map (风险防控底图). Everything the page
draws comes from :func:`wufei.analytics.reports.dashboard_data`, embedded with ``json_script``
and also served as JSON; the risk layers come from :func:`risk_layers`. A region outside the
user's jurisdiction, and any user who is not a regulator, gets 404. See docs/dashboards.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.catalog.models import Region
from wufei.core.permissions import principal
from wufei.registry.models import ManagementClass, Organization, PermitScope, PermitStatus, Site
from wufei.supervision.models import Warning, WarningStatus

from . import aggregates, reports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OPEN_STATUSES = [s for s in WarningStatus.values if s not in ("closed", "dismissed")]


# --- who may open which region ------------------------------------------------------------------


def _can_open(request: HttpRequest, region: Region) -> bool:
    p = principal(request.user)
    return p is not None and (p.is_platform_admin or p.in_jurisdiction(region.prefix))


def region_for(request: HttpRequest, code: str) -> Region:
    """The region of the URL if the user may see it; 404 otherwise (also for non-regulators)."""
    try:
        full = aggregates.normalise(code)
    except ValueError:
        raise Http404 from None
    region = Region.objects.filter(code=full).select_related("parent").first()
    if region is None or not _can_open(request, region):
        raise Http404
    return region


def year_of(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Send the user to the dashboard of their own jurisdiction."""
    p = principal(request.user)
    region = None
    if p is not None and p.jurisdictions:
        region = (
            Region.objects.filter(prefix__in=p.jurisdictions).order_by("prefix").first()
        )  # the widest first: "33" before "3306"
    elif p is not None and p.is_platform_admin:
        region = Region.objects.filter(level=Region.Level.PROVINCE, code="330000").first() or (
            Region.objects.filter(level=Region.Level.PROVINCE).first()
        )
    if region is None:
        raise Http404
    return redirect("analytics:dashboard", code=region.code)


# --- the page and its data ------------------------------------------------------------------------


def _urls(region: Region, year: int) -> dict[str, str]:
    return {
        "data": reverse("analytics:data", args=[region.code]) + f"?year={year}",
        "risk": reverse("analytics:risk", args=[region.code]) + f"?year={year}",
        "geo": static("analytics/geo/zhejiang_divisions.geojson"),
        # the child's dashboard: the JS replaces 000000 with the child's code
        "child": reverse("analytics:dashboard", args=["000000"]) + f"?year={year}",
    }


@login_required
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    region = region_for(request, code)
    year = year_of(request)
    data = reports.dashboard_data(region, year)
    data["urls"] = _urls(region, year)
    data["labels"] = {
        "utilised": _("Utilised"),
        "disposed": _("Disposed (not landfilled)"),
        "landfilled": _("Landfilled"),
        "stored": _("Stored or not yet handled"),
        "other_units": _("other units"),
        "no_data": _("No data."),
    }
    trail = [r for r in region.ancestors() if _can_open(request, r)]
    return render(
        request,
        "analytics/dashboard.html",
        {
            "title": _("Supervision dashboard"),
            "region": region,
            "year": year,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 6, -1)),
            "trail": trail,
            "children": list(region.children.order_by("code")),
            "data": data,
            "tables": reports.tables(data),
            "indicator_choices": [(i["code"], i["name"]) for i in data["indicators"]],
        },
    )


@login_required
def data_json(request: HttpRequest, code: str) -> JsonResponse:
    region = region_for(request, code)
    year = year_of(request)
    return JsonResponse(reports.dashboard_data(region, year))


# --- the risk base map (风险防控底图) ---------------------------------------------------------------


def _centre(region: Region | None) -> tuple[float, float] | None:
    if region is None or region.center_lon is None or region.center_lat is None:
        return None
    return (round(float(region.center_lon), 5), round(float(region.center_lat), 5))


def _points(orgs: list[Organization]) -> dict[int, tuple[float, float]]:
    """Each organisation's position: its first site with coordinates, else its region centre."""
    out: dict[int, tuple[float, float]] = {}
    for org_id, lon, lat in (
        Site.objects.filter(organization__in=orgs, longitude__isnull=False, latitude__isnull=False)
        .order_by("organization_id", "pk")
        .values_list("organization_id", "longitude", "latitude")
    ):
        out.setdefault(org_id, (round(float(lon), 5), round(float(lat), 5)))
    for org in orgs:
        if org.pk not in out:
            point = _centre(org.region)
            if point is not None:
                out[org.pk] = point
    return out


def risk_layers(region: Region, year: int) -> dict[str, Any]:
    """Producers by management class, operators by grade sized by permitted capacity, open
    warnings at their position (or their region's centre)."""
    inside = {"region__prefix__startswith": region.prefix}
    producers = list(
        Organization.objects.filter(is_producer=True, is_active=True, **inside).select_related(
            "region"
        )
    )
    receivers = list(
        Organization.objects.filter(is_receiver=True, is_active=True, **inside).select_related(
            "region"
        )
    )
    points = _points(producers + receivers)
    classes: dict[str, list[dict[str, Any]]] = {c: [] for c in ManagementClass.values}
    classes[""] = []
    for org in producers:
        if org.pk in points:
            classes.get(org.management_class, classes[""]).append(
                {"name": org.name, "value": [*points[org.pk], 1]}
            )
    day = timezone.localdate()
    capacity: dict[int, Decimal] = {}
    comprehensive: dict[int, bool] = {}
    for row in (
        PermitScope.objects.filter(
            permit__organization__in=receivers,
            permit__status=PermitStatus.VALID,
            permit__valid_from__lte=day,
            permit__valid_until__gte=day,
        )
        .values("permit__organization_id", "permit__is_comprehensive")
        .annotate(t=Sum("annual_capacity_tonnes"))
    ):
        org_id = row["permit__organization_id"]
        capacity[org_id] = capacity.get(org_id, Decimal("0")) + (row["t"] or 0)
        comprehensive[org_id] = comprehensive.get(org_id, False) or row["permit__is_comprehensive"]
    operators: dict[str, list[dict[str, Any]]] = {"comprehensive": [], "collection": []}
    for org in receivers:
        if org.pk in points and org.pk in capacity:
            grade = "comprehensive" if comprehensive[org.pk] else "collection"
            operators[grade].append(
                {"name": org.name, "value": [*points[org.pk], float(capacity[org.pk])]}
            )
    warnings = []
    for w in (
        Warning.objects.filter(status__in=OPEN_STATUSES, **inside)
        .select_related("region")
        .order_by("-raised_at")[:2000]
    ):
        if w.longitude is not None and w.latitude is not None:
            point: tuple[float, float] | None = (round(w.longitude, 5), round(w.latitude, 5))
        else:
            point = _centre(w.region)
        if point is not None:
            warnings.append({"name": w.title, "value": [*point, 1], "severity": w.severity})
    labels = dict(ManagementClass.choices)
    layers = [
        {
            "id": f"producers_{c or 'none'}",
            "name": str(labels.get(c, _("Producers, class not set"))),
            "kind": "producers",
            "points": classes[c],
        }
        for c in [*ManagementClass.values, ""]
    ]
    layers += [
        {
            "id": "operators_comprehensive",
            "name": _("Licensed operators, comprehensive (综合经营)"),
            "kind": "operators",
            "points": operators["comprehensive"],
        },
        {
            "id": "operators_collection",
            "name": _("Licensed operators, collection (收集经营)"),
            "kind": "operators",
            "points": operators["collection"],
        },
        {"id": "warnings", "name": _("Open warnings"), "kind": "warnings", "points": warnings},
    ]
    return {"region": region.code, "year": year, "layers": layers}


@login_required
def risk_json(request: HttpRequest, code: str) -> JsonResponse:
    region = region_for(request, code)
    return JsonResponse(risk_layers(region, year_of(request)))


# --- downloads ------------------------------------------------------------------------------------


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def table_xlsx(request: HttpRequest, code: str, table_id: str) -> HttpResponse:
    region = region_for(request, code)
    year = year_of(request)
    if table_id not in reports.TABLE_IDS:
        raise Http404
    table = reports.tables(reports.dashboard_data(region, year))[table_id]
    return _attachment(
        reports.table_workbook(table, region, year), XLSX, f"{region.code}-{year}-{table_id}.xlsx"
    )


@login_required
def report_pdf(request: HttpRequest, code: str) -> HttpResponse:
    region = region_for(request, code)
    year = year_of(request)
    pdf = reports.report_pdf(reports.dashboard_data(region, year), region, year)
    return _attachment(pdf, "application/pdf", f"plan-progress-{region.code}-{year}.pdf")


@login_required
def report_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    region = region_for(request, code)
    year = year_of(request)
    book = reports.report_workbook(reports.dashboard_data(region, year), region, year)
    return _attachment(book, XLSX, f"plan-progress-{region.code}-{year}.xlsx")
