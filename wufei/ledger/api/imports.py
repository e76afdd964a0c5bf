"""``POST /api/v1/ledger-imports/``: import a ledger from an enterprise's own system into one
site, all or nothing (``ledger.actions.import_ledger``; docs/ledger-import.md).

The body is JSON ``{"site": id, "rows": [{"stage": "produced", "time": …}, …]}`` (English keys,
as ``importing.json_rows`` reads them) or a multipart upload (``site`` and ``file``: .xlsx or
.csv in the HJ 1259 Appendix B shape). 201 with the counts; 400 with the common error body
whose ``details.errors`` lists every bad row (sheet, row, column, field, message, code, value)
and nothing written. ``Idempotency-Key`` replays the first answer.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from wufei.core.api.idempotency import idempotent
from wufei.core.errors import ValidationFailed
from wufei.registry.api.views import IDEMPOTENCY
from wufei.registry.models import Site

from .. import actions
from ..importing import json_rows, read_rows
from .views import _visible

#: Rows in one JSON body; larger ledgers are uploaded as a file (or the command).
MAX_JSON_ROWS = 100_000


class ImportRowsSerializer(serializers.Serializer):
    site = serializers.IntegerField()
    rows = serializers.ListField(
        child=serializers.DictField(),
        allow_empty=False,
        max_length=MAX_JSON_ROWS,
        help_text="rows with English keys: stage (produced / stored_in / stored_out / "
        "self_treated), time, waste_code, quantity, unit, container_code, package_type, count, "
        "volume_litres, facility, method, destination, operator, transport_operator, "
        "production_batch, storage_batch, remark, …",
    )


class ImportFileSerializer(serializers.Serializer):
    site = serializers.IntegerField()
    file = serializers.FileField(help_text=".xlsx (Tables B.1–B.4 as exported) or .csv")


class ImportResultSerializer(serializers.Serializer):
    import_id = serializers.CharField()
    rows = serializers.IntegerField()
    containers = serializers.IntegerField()
    entries = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())


class RowErrorSerializer(serializers.Serializer):
    sheet = serializers.CharField()
    row = serializers.IntegerField()
    column = serializers.CharField()
    field = serializers.CharField()
    message = serializers.CharField()
    code = serializers.CharField()
    value = serializers.CharField()


#: ``errors`` would shadow ``Serializer.errors``: the details are declared inline.
ImportErrorDetailsSerializer = inline_serializer(
    "LedgerImportErrorDetails",
    {
        "rows": serializers.IntegerField(),
        "error_count": serializers.IntegerField(),
        "errors": RowErrorSerializer(many=True),
    },
)


class ImportErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True)
    details = ImportErrorDetailsSerializer


def _valid(serializer_class: type, data: Any) -> dict[str, Any]:
    ser = serializer_class(data=data)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


class LedgerImportView(APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        summary="Import a ledger into a site (HJ 1259 Appendix B rows, JSON or .xlsx/.csv "
        "upload); all or nothing",
        request={
            "application/json": ImportRowsSerializer,
            "multipart/form-data": ImportFileSerializer,
        },
        responses={
            201: ImportResultSerializer,
            400: OpenApiResponse(
                ImportErrorSerializer,
                description="code ledger.import_invalid: details.errors lists every bad row; "
                "nothing is written",
            ),
        },
        parameters=[IDEMPOTENCY],
    )
    @idempotent
    def post(self, request):
        if request.content_type.startswith("multipart/"):
            data = _valid(ImportFileSerializer, request.data)
            upload = data["file"]
            filename = upload.name or "upload"
            rows = read_rows(upload, filename)
        else:
            data = _valid(ImportRowsSerializer, request.data)
            filename, rows = "api.json", json_rows(data["rows"])
        site = _visible(request, Site, data["site"], "site")
        result = actions.import_ledger(request.user, site, rows, filename=filename)
        if not result.ok:
            raise ValidationFailed(
                _("%(n)d problems in %(total)d rows: nothing was imported.")
                % {"n": result.error_count, "total": result.total},
                code="ledger.import_invalid",
                field="rows",
                details={
                    "rows": result.total,
                    "error_count": result.error_count,
                    "errors": [e.as_dict() for e in result.errors],
                },
            )
        body = result.as_dict()
        body.pop("errors")
        body.pop("error_count")
        return Response(body, status=status.HTTP_201_CREATED)
