"""The trip page (行程地图): the track on a Leaflet map without tiles (region boundaries as the
background), the findings as markers with their warnings, origin and destination, and a
playback slider. Visible to the manifest's parties and regulators (``api.geo.may_view``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from .api.geo import KIND_COLOURS, get_trip, trip_geojson
from .models import FindingKind


@login_required
def trip_page(request, manifest_id: int):
    trip = get_trip(request.user, manifest_id)
    if trip is None:
        raise Http404
    focus = request.GET.get("finding", "")
    data = trip_geojson(request.user, trip, focus=int(focus) if focus.isdigit() else None)
    findings = list(trip.findings.order_by("started_at", "pk"))
    urls = {
        f["id"]: f["properties"]["warning_url"]
        for f in data["features"]["features"]
        if f["properties"].get("kind") == "finding"
    }
    rows = [{"finding": f, "warning_url": urls.get(f"finding-{f.pk}", "")} for f in findings]
    kinds = sorted({f.kind for f in findings})
    return render(
        request,
        "trips/trip.html",
        {
            "title": _("Trip %(number)s") % {"number": trip.manifest.number},
            "trip": trip,
            "manifest": trip.manifest,
            "map_data": data,
            "rows": rows,
            "legend": [(k, FindingKind(k).label, KIND_COLOURS.get(k)) for k in kinds],
        },
    )
