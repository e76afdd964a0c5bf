"""``POST /api/v1/tracking/points``: track points from fleet platforms (车队平台轨迹批量上传).

The body is JSON — a list of points, or ``{"crs": "gcj02", "points": [...]}`` — or CSV
(``Content-Type: text/csv``, UTF-8 or GBK, a header row: ``plate`` / ``terminal``, ``time``,
``lat``, ``lon``, ``speed``, ``heading``, ``altitude``; the Chinese headers 车牌号, 终端号, 时间,
纬度, 经度, 速度, 方向, 海拔 work too). ``?crs=wgs84|gcj02|bd09`` gives the datum of the
coordinates (default WGS-84). The sender must be an admin or member of the carrier: a point of
any other vehicle is refused as unknown. 200 with the counts (accepted / duplicates / rejected)
and one error per refused point (index, field, code, message); the good points are stored.
The points are idempotent by themselves; an ``Idempotency-Key`` (docs/api.md) also replays the
first answer (its counts) to a retried request.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from wufei.core.api.idempotency import idempotent
from wufei.core.errors import ValidationFailed
from wufei.core.permissions import principal
from wufei.registry.api.views import IDEMPOTENCY
from wufei.registry.models import Vehicle

from .. import coords
from ..ingest import ingest
from ..models import Source, TrackPoint

#: Points in one request; a platform sends larger backlogs in several batches.
MAX_POINTS = 50_000

CSV_ALIASES = {
    "车牌号": "plate",
    "车牌": "plate",
    "终端号": "terminal",
    "终端": "terminal",
    "时间": "time",
    "定位时间": "time",
    "纬度": "lat",
    "经度": "lon",
    "速度": "speed",
    "方向": "heading",
    "海拔": "altitude",
    "高程": "altitude",
}


class CSVTextParser(BaseParser):
    media_type = "text/csv"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return raw.decode("gb18030", errors="replace")


def csv_points(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ValidationFailed(
            _("The CSV file has no header row."), code="tracking.csv_invalid", field="file"
        )
    names = {
        f: CSV_ALIASES.get((f or "").strip(), (f or "").strip().lower()) for f in reader.fieldnames
    }
    missing = {"time", "lat", "lon"} - set(names.values())
    if missing:
        raise ValidationFailed(
            _("The CSV file lacks the columns: %(columns)s.")
            % {"columns": ", ".join(sorted(missing))},
            code="tracking.csv_invalid",
            field="file",
        )
    return [{names[k]: v for k, v in row.items() if k in names} for row in reader]


def allowed_vehicles(user: Any) -> Any:
    """The vehicles the user may post points for: those of carriers where the user holds a role
    that may add track points (platform administrators: every vehicle)."""
    p = principal(user)
    if p is None:
        return Vehicle.objects.none()
    if p.is_platform_admin:
        return Vehicle.objects.all()
    return Vehicle.objects.filter(organization_id__in=p.orgs_with(TrackPoint.policy.add_roles))


class PointErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    field = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class IngestReportSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.IntegerField()
    errors = PointErrorSerializer(many=True)  # type: ignore[assignment]


class TrackPointsView(APIView):
    parser_classes = [JSONParser, CSVTextParser]

    @extend_schema(
        summary="Upload track points (JSON list or CSV); idempotent by vehicle and time",
        request={
            "application/json": inline_serializer(
                "TrackPointIn",
                {
                    "plate": serializers.CharField(required=False),
                    "terminal": serializers.CharField(required=False),
                    "time": serializers.CharField(),
                    "lat": serializers.FloatField(),
                    "lon": serializers.FloatField(),
                    "speed": serializers.FloatField(required=False),
                    "heading": serializers.FloatField(required=False),
                    "altitude": serializers.FloatField(required=False),
                },
                many=True,
            ),
            "text/csv": {"type": "string"},
        },
        parameters=[
            OpenApiParameter(
                "crs", str, enum=list(coords.CRS_CHOICES), description="datum of lat/lon"
            ),
            IDEMPOTENCY,
        ],
        responses={200: IngestReportSerializer},
    )
    @idempotent
    def post(self, request: Any) -> Response:
        data = request.data
        crs = request.query_params.get("crs") or coords.CRS_WGS84
        if isinstance(data, str):
            points: Any = csv_points(data)
        elif isinstance(data, dict) and "points" in data:
            crs = str(data.get("crs") or crs)
            points = data["points"]
        else:
            points = data
        crs = crs.lower().replace("-", "")
        if crs not in coords.CRS_CHOICES:
            raise ValidationFailed(
                _("Unknown coordinate system; use wgs84, gcj02 or bd09."),
                code="tracking.crs_invalid",
                field="crs",
            )
        if not isinstance(points, list) or not points:
            raise ValidationFailed(
                _("Send a non-empty list of points."),
                code="tracking.points_invalid",
                field="points",
            )
        if len(points) > MAX_POINTS:
            raise ValidationFailed(
                _("At most %(n)d points per request.") % {"n": MAX_POINTS},
                code="tracking.too_many_points",
                field="points",
            )
        report = ingest(
            points, source=Source.HTTP, vehicles=allowed_vehicles(request.user), crs=crs
        )
        return Response(report.as_dict())
