"""Trip API: ``GET /api/v1/trips/<manifest id>/`` — the trip summary, the map as a GeoJSON
FeatureCollection (path, origin, destination, findings with evidence points and the link to
their warning), the region boundaries around it and the path with times for playback."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from wufei.core.errors import NotFound

from .geo import get_trip, trip_geojson


class TripView(APIView):
    @extend_schema(
        summary="A manifest's trip with its findings as GeoJSON (for the map)",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, manifest_id: int):
        trip = get_trip(request.user, manifest_id)
        if trip is None:
            raise NotFound("Not found.", code="not_found")
        return Response(trip_geojson(request.user, trip))
