"""Read-only catalogue API. Every queryset starts from ``restrict(request.user, "view")``;
searching and the exemption question are answered by ``catalog.queries``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from wufei.core.api.pagination import DefaultCursorPagination
from wufei.core.errors import ValidationFailed

from .. import queries
from ..models import (
    Exemption,
    ExemptionStage,
    GeneralWasteCategory,
    Region,
    TreatmentMethod,
    WasteCategory,
    WasteCode,
)
from . import serializers as s


class ByCode(DefaultCursorPagination):
    ordering = "code"


class ByPk(DefaultCursorPagination):
    ordering = "pk"


class ByCode2021(DefaultCursorPagination):
    ordering = "code_2021"


EDITION = OpenApiParameter(
    "edition",
    OpenApiTypes.STR,
    description="Catalogue edition code (e.g. 2021); default: the current edition. `all` = every edition.",
)
EDITION_ONE = OpenApiParameter(
    "edition",
    OpenApiTypes.STR,
    description="Catalogue edition code (e.g. 2021); default: the current edition.",
)


def _edition_param(request: Request) -> tuple[str | None, bool]:
    value = request.query_params.get("edition", "").strip()
    if value.lower() == "all":
        return None, True
    return value or None, False


@extend_schema_view(
    list=extend_schema(
        summary="Search waste codes (《国家危险废物名录》)",
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description="Code (with or without hyphens), text of the description, category (HW08), "
                "industry source or hazard letter; several terms all have to match.",
            ),
            OpenApiParameter("category", OpenApiTypes.STR, description="Category code, e.g. HW08."),
            OpenApiParameter(
                "hazard",
                OpenApiTypes.STR,
                description="Hazard letters, e.g. T or T,C (all of them).",
            ),
            OpenApiParameter(
                "industry",
                OpenApiTypes.STR,
                description="3-digit industry code or industry source text.",
            ),
            EDITION,
        ],
    ),
    retrieve=extend_schema(summary="One waste code with its exemptions", parameters=[EDITION_ONE]),
)
class WasteCodeViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    lookup_value_regex = r"\d{3}-?\d{3}-?\d{2}"
    pagination_class = ByCode
    serializer_class = s.WasteCodeSerializer
    queryset = WasteCode.objects.none()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.WasteCodeDetailSerializer
        return s.WasteCodeSerializer

    def get_queryset(self):
        base = WasteCode.objects.restrict(self.request.user, "view")
        if self.action != "list":
            return base
        edition, all_editions = _edition_param(self.request)
        p = self.request.query_params
        return queries.search_codes(
            p.get("q", ""),
            category=p.get("category") or None,
            hazard=p.get("hazard") or None,
            industry=p.get("industry") or None,
            edition=edition,
            all_editions=all_editions,
            queryset=base,
        )

    def get_object(self):
        edition, _all = _edition_param(self.request)
        obj = queries.find_code(
            self.kwargs["code"],
            edition,
            queryset=WasteCode.objects.restrict(self.request.user, "view"),
        )
        if obj is None:
            raise NotFound()
        return obj

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        exemptions = queries.exemptions_for(
            obj, queryset=Exemption.objects.restrict(request.user, "view")
        ).prefetch_related("codes", "categories")
        serializer = self.get_serializer(
            obj, context={**self.get_serializer_context(), "exemptions": exemptions}
        )
        return Response(serializer.data)

    @extend_schema(
        summary="Is this code exempt at this stage? (豁免管理清单)",
        parameters=[
            OpenApiParameter(
                "stage",
                OpenApiTypes.STR,
                required=True,
                enum=ExemptionStage.values,
                description="collection, transport, utilisation, disposal, utilisation_disposal or all.",
            ),
            EDITION_ONE,
        ],
        responses=s.ExemptionAnswerSerializer,
    )
    @action(detail=True, methods=["get"], url_path="exemption", pagination_class=None)
    def exemption(self, request, code=None):
        obj = self.get_object()
        stage = request.query_params.get("stage", "").strip()
        if not stage:
            raise ValidationFailed(
                _("The stage is required."), code="catalog.stage_required", field="stage"
            )
        rows = queries.is_exempt(
            obj, stage, queryset=Exemption.objects.restrict(request.user, "view")
        )
        data = {
            "code": obj.code,
            "edition": obj.edition.code,
            "stage": stage,
            "exempt": bool(rows),
            "exemptions": rows,
        }
        return Response(
            s.ExemptionAnswerSerializer(data, context=self.get_serializer_context()).data
        )


@extend_schema_view(
    list=extend_schema(summary="Waste categories (HW01–HW50) of an edition", parameters=[EDITION]),
    retrieve=extend_schema(summary="One waste category", parameters=[EDITION_ONE]),
)
class WasteCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    lookup_value_regex = r"[Hh][Ww]\d{1,2}"
    pagination_class = ByCode
    serializer_class = s.WasteCategorySerializer
    queryset = WasteCategory.objects.none()

    def get_queryset(self):
        qs = WasteCategory.objects.restrict(self.request.user, "view").select_related("edition")
        edition, all_editions = _edition_param(self.request)
        if all_editions:
            return qs
        ed = queries.resolve_edition(edition)
        return qs.filter(edition=ed) if ed else qs.none()

    def get_object(self):
        code = queries.normalize_category(self.kwargs["code"])
        obj = self.get_queryset().filter(code=code).first()
        if obj is None:
            raise NotFound()
        return obj


@extend_schema_view(
    list=extend_schema(
        summary="The exemption list (豁免管理清单) of an edition",
        parameters=[
            EDITION,
            OpenApiParameter(
                "stage",
                OpenApiTypes.STR,
                enum=ExemptionStage.values,
                description="Rows at this stage.",
            ),
            OpenApiParameter(
                "code", OpenApiTypes.STR, description="Rows naming this waste code or its category."
            ),
        ],
    ),
    retrieve=extend_schema(summary="One exemption row"),
)
class ExemptionViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = ByPk
    serializer_class = s.ExemptionSerializer
    queryset = Exemption.objects.none()

    def get_queryset(self):
        qs = Exemption.objects.restrict(self.request.user, "view").select_related("edition")
        qs = qs.prefetch_related("codes", "categories")
        if self.action != "list":
            return qs
        p = self.request.query_params
        edition, all_editions = _edition_param(self.request)
        if not all_editions:
            ed = queries.resolve_edition(edition)
            qs = qs.filter(edition=ed) if ed else qs.none()
        stage = p.get("stage", "").strip()
        if stage:
            if stage not in ExemptionStage.values:
                raise ValidationFailed(
                    _("Unknown stage %(value)s.") % {"value": stage},
                    code="catalog.stage_invalid",
                    field="stage",
                )
            qs = qs.filter(stage=stage)
        code = p.get("code", "").strip()
        if code:
            found = queries.find_code(code, None if all_editions else edition)
            if found is None:
                return qs.none()
            qs = queries.exemptions_for(found, queryset=qs)
        return qs


@extend_schema_view(
    list=extend_schema(summary="Utilisation / disposal method codes (利用/处置方式)"),
    retrieve=extend_schema(summary="One treatment method"),
)
class TreatmentMethodViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    pagination_class = ByCode
    serializer_class = s.TreatmentMethodSerializer
    queryset = TreatmentMethod.objects.none()

    def get_queryset(self):
        qs = TreatmentMethod.objects.restrict(self.request.user, "view")
        kind = self.request.query_params.get("kind")
        return qs.filter(kind=kind) if kind and self.action == "list" else qs


@extend_schema_view(
    list=extend_schema(summary="General industrial solid waste classes (SWxx / Sxx)"),
    retrieve=extend_schema(summary="One general waste class"),
)
class GeneralWasteCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code_2021"
    pagination_class = ByCode2021
    serializer_class = s.GeneralWasteCategorySerializer
    queryset = GeneralWasteCategory.objects.none()

    def get_queryset(self):
        return GeneralWasteCategory.objects.restrict(self.request.user, "view")


@extend_schema_view(
    list=extend_schema(
        summary="Administrative regions (GB/T 2260)",
        parameters=[
            OpenApiParameter("level", OpenApiTypes.STR, enum=Region.Level.values),
            OpenApiParameter("parent", OpenApiTypes.STR, description="Code of the parent region."),
            OpenApiParameter(
                "within", OpenApiTypes.STR, description="Code of a region: everything below it."
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="One region",
        parameters=[
            OpenApiParameter(
                "geometry", OpenApiTypes.BOOL, description="Include the boundary (GeoJSON)."
            )
        ],
    ),
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    lookup_value_regex = r"\d{6}"
    pagination_class = ByCode
    queryset = Region.objects.none()

    def get_serializer_class(self):
        return s.RegionDetailSerializer if self.action == "retrieve" else s.RegionSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["geometry"] = self.request.query_params.get("geometry", "").lower() in {
            "1",
            "true",
            "yes",
        }
        return context

    def get_queryset(self):
        qs = Region.objects.restrict(self.request.user, "view").select_related("parent")
        if self.action != "list":
            return qs
        p = self.request.query_params
        level = p.get("level", "").strip()
        if level:
            if level not in Region.Level.values:
                raise ValidationFailed(
                    _("Unknown level %(value)s.") % {"value": level},
                    code="catalog.level_invalid",
                    field="level",
                )
            qs = qs.filter(level=level)
        if parent := p.get("parent", "").strip():
            qs = qs.filter(parent__code=parent)
        if within := p.get("within", "").strip():
            region = qs.model.objects.filter(code=within).first()
            qs = (
                qs.filter(prefix__startswith=region.prefix).exclude(pk=region.pk)
                if region
                else qs.none()
            )
        return qs
