"""Declarations API (申报, HJ 1259 §7): ``/api/v1/declarations/``.

Reads through ``restrict(request.user, "view")``; ``POST`` generates (or regenerates) the
declaration of a site and closed period from the ledger; ``POST {id}/confirm/`` (If-Match) and
``POST {id}/revise/`` ({"reason"}) call the actions. Every POST takes an Idempotency-Key.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from wufei.core.api.idempotency import idempotent
from wufei.core.errors import NotFound
from wufei.registry.api.views import IDEMPOTENCY, IF_MATCH, if_match
from wufei.registry.models import Site

from .. import actions
from .. import declarations_queries as queries
from ..declarations import PeriodKind
from ..declarations_models import Declaration, DeclarationLine
from .serializers import TONNES


class DeclarationLineSerializer(serializers.ModelSerializer):
    tonnes = serializers.DecimalField(**TONNES)
    opening_tonnes = serializers.DecimalField(allow_null=True, **TONNES)
    plan_tonnes = serializers.DecimalField(allow_null=True, **TONNES)
    year_to_date_tonnes = serializers.DecimalField(allow_null=True, **TONNES)

    class Meta:
        model = DeclarationLine
        fields = [
            "section",
            "waste_code",
            "waste_name",
            "category",
            "method_code",
            "province",
            "receiver_name",
            "permit_number",
            "receiver_type",
            "tonnes",
            "opening_tonnes",
            "plan_tonnes",
            "year_to_date_tonnes",
        ]


class DeclarationSerializer(serializers.ModelSerializer):
    period = serializers.SerializerMethodField()
    table = serializers.CharField(read_only=True)
    organization = serializers.CharField(source="site.organization.uscc", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    lines = DeclarationLineSerializer(many=True, read_only=True)

    class Meta:
        model = Declaration
        fields = [
            "id",
            "site",
            "organization",
            "management_class",
            "period_kind",
            "period",
            "year",
            "number",
            "table",
            "deadline",
            "revision",
            "supersedes",
            "is_current",
            "status",
            "reason",
            "is_overdue",
            "is_late",
            "generated_at",
            "confirmed_at",
            "digest",
            "version",
            "lines",
        ]

    def get_period(self, obj: Declaration) -> str:
        return str(obj.period)


class GenerateSerializer(serializers.Serializer):
    site = serializers.IntegerField()
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices)
    period = serializers.CharField(help_text="2026-02 (month), 2026Q1 (quarter) or 2026 (year)")


class ReviseSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


def _data(serializer_class: type, request: Any) -> dict[str, Any]:
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


@extend_schema_view(
    list=extend_schema(
        summary="List declarations (filters: site, period_kind, year, period, status, overdue)"
    ),
    retrieve=extend_schema(summary="Get one declaration with its Table C.1–C.3 lines"),
    create=extend_schema(
        summary="Generate (or regenerate) the declaration of a site and closed period",
        request=GenerateSerializer,
        responses={201: DeclarationSerializer},
        parameters=[IDEMPOTENCY],
    ),
)
class DeclarationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DeclarationSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        params = self.request.query_params
        qs = queries.declarations(
            self.request.user,
            period_kind=params.get("period_kind", ""),
            year=params.get("year", ""),
            period=params.get("period", ""),
            status=params.get("status", ""),
            overdue=params.get("overdue", ""),
            current=params.get("current", ""),
        ).prefetch_related("lines")
        if params.get("site", "").isdigit():
            qs = qs.filter(site_id=int(params["site"]))
        return qs

    def _respond(self, decl: Declaration, code: int = status.HTTP_200_OK) -> Response:
        decl = self.get_queryset().get(pk=decl.pk)
        response = Response(self.get_serializer(decl).data, status=code)
        response["ETag"] = f'"{decl.version}"'
        return response

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    @idempotent
    def create(self, request, *args, **kwargs):
        data = _data(GenerateSerializer, request)
        site = Site.objects.restrict(request.user, "view").filter(pk=data["site"]).first()
        if site is None:
            raise NotFound(_("site not found."), code="not_found", field="site")
        before = Declaration.objects.filter(site=site).count()
        decl = actions.generate_declaration(request.user, site, data["period_kind"], data["period"])
        created = Declaration.objects.filter(site=site).count() > before
        return self._respond(decl, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Confirm the declaration (the producer's administrator or member)",
        request=None,
        responses={200: DeclarationSerializer},
        parameters=[IDEMPOTENCY, IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="confirm")
    @idempotent
    def confirm(self, request, pk=None):
        decl = actions.confirm_declaration(
            request.user, self.get_object(), version=if_match(request)
        )
        return self._respond(decl)

    @extend_schema(
        summary="Revise a confirmed declaration: a new revision with a reason",
        request=ReviseSerializer,
        responses={201: DeclarationSerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"], url_path="revise")
    @idempotent
    def revise(self, request, pk=None):
        data = _data(ReviseSerializer, request)
        decl = actions.revise_declaration(request.user, self.get_object(), reason=data["reason"])
        return self._respond(decl, status.HTTP_201_CREATED)
