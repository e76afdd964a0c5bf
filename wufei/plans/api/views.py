"""Management-plan API: reads through ``restrict(request.user, "view")``, writes through
``plans.actions``. State changes are POSTs to verbs under the plan (``…/file/``,
``…/amend/``); lines are added under ``…/wastes/`` and changed with PATCH (If-Match)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from wufei.core.api.idempotency import idempotent
from wufei.core.errors import NotFound
from wufei.registry.api.views import IDEMPOTENCY, IF_MATCH, if_match
from wufei.registry.models import Site

from .. import actions
from ..models import ManagementPlan, PlanReduction, PlanWaste
from . import serializers as s


def _data(serializer_class: type, request: Any, partial: bool = False) -> dict[str, Any]:
    ser = serializer_class(data=request.data, partial=partial)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


@extend_schema_view(
    list=extend_schema(summary="List management plans (filters: site, year, status, current)"),
    retrieve=extend_schema(summary="Get one management plan with its wastes and measures"),
    create=extend_schema(
        summary="Create a draft plan for a site and year",
        request=s.ManagementPlanWriteSerializer,
        responses={201: s.ManagementPlanSerializer},
        parameters=[IDEMPOTENCY],
    ),
    partial_update=extend_schema(
        summary="Change a draft's Table A.1 items",
        request=s.ManagementPlanWriteSerializer,
        responses={200: s.ManagementPlanSerializer},
        parameters=[IF_MATCH],
    ),
)
class ManagementPlanViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.ManagementPlanSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = (
            ManagementPlan.objects.restrict(self.request.user, "view")
            .select_related("site", "site__organization")
            .prefetch_related(
                "reductions",
                "wastes__waste_code__edition",
                "wastes__waste_code__category",
                "wastes__storage_facility",
                "wastes__treatment_facility",
                "wastes__treatment_method",
                "wastes__transfer_method",
                "wastes__receiver",
            )
        )
        params = self.request.query_params
        if params.get("site", "").isdigit():
            qs = qs.filter(site_id=int(params["site"]))
        if params.get("year", "").isdigit():
            qs = qs.filter(year=int(params["year"]))
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("current") in ("1", "true"):
            qs = qs.filter(is_current=True)
        return qs

    def _respond(self, plan: ManagementPlan, code: int = status.HTTP_200_OK) -> Response:
        plan = self.get_queryset().get(pk=plan.pk)
        response = Response(self.get_serializer(plan).data, status=code)
        response["ETag"] = f'"{plan.version}"'
        return response

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    @idempotent
    def create(self, request, *args, **kwargs):
        data = _data(s.ManagementPlanWriteSerializer, request)
        site = Site.objects.restrict(request.user, "view").filter(pk=data.pop("site", 0)).first()
        if site is None:
            raise NotFound(_("site not found."), code="not_found", field="site")
        year = data.pop("year", "")
        plan = actions.create_plan(request.user, site, year, **data)
        return self._respond(plan, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        plan = self.get_object()
        data = _data(s.ManagementPlanWriteSerializer, request, partial=True)
        plan = actions.update_plan(request.user, plan, version=if_match(request), **data)
        return self._respond(plan)

    @extend_schema(
        summary="File the plan (备案): number, receipt, late flag after 31 March",
        request=None,
        responses={200: s.ManagementPlanSerializer},
        parameters=[IDEMPOTENCY, IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="file")
    @idempotent
    def file(self, request, pk=None):
        plan = actions.file_plan(request.user, self.get_object(), version=if_match(request))
        return self._respond(plan)

    @extend_schema(
        summary="Amend a filed plan: a new draft version",
        request=s.AmendSerializer,
        responses={201: s.ManagementPlanSerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"], url_path="amend")
    @idempotent
    def amend(self, request, pk=None):
        data = _data(s.AmendSerializer, request)
        plan = actions.amend_plan(request.user, self.get_object(), reason=data["reason"])
        return self._respond(plan, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a waste line (Tables A.3–A.5, A.7)",
        request=s.PlanWasteWriteSerializer,
        responses={201: s.PlanWasteSerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"], url_path="wastes")
    @idempotent
    def add_waste(self, request, pk=None):
        data = _data(s.PlanWasteWriteSerializer, request)
        line = actions.add_plan_waste(request.user, self.get_object(), **data)
        return Response(s.PlanWasteSerializer(line).data, status=status.HTTP_201_CREATED)

    def _line(self, line_id: Any) -> PlanWaste:
        line = (
            PlanWaste.objects.restrict(self.request.user, "view")
            .filter(pk=line_id, plan=self.get_object())
            .first()
        )
        if line is None:
            raise NotFound(_("planned waste not found."), code="not_found")
        return line

    @extend_schema(
        summary="Change a waste line of a draft",
        request=s.PlanWasteWriteSerializer,
        responses={200: s.PlanWasteSerializer},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["patch"], url_path=r"wastes/(?P<line_id>\d+)")
    def update_waste(self, request, pk=None, line_id=None):
        data = _data(s.PlanWasteWriteSerializer, request, partial=True)
        line = actions.update_plan_waste(
            request.user, self._line(line_id), version=if_match(request), **data
        )
        response = Response(s.PlanWasteSerializer(line).data)
        response["ETag"] = f'"{line.version}"'
        return response

    @extend_schema(summary="Remove a waste line of a draft", request=None, responses={204: None})
    @action(detail=True, methods=["post"], url_path=r"wastes/(?P<line_id>\d+)/remove")
    @idempotent
    def remove_waste(self, request, pk=None, line_id=None):
        actions.remove_plan_waste(request.user, self._line(line_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Add a reduction measure (Table A.6)",
        request=s.ReductionWriteSerializer,
        responses={201: s.PlanReductionSerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"], url_path="reductions")
    @idempotent
    def add_reduction(self, request, pk=None):
        data = _data(s.ReductionWriteSerializer, request)
        reduction = actions.add_plan_reduction(request.user, self.get_object(), **data)
        return Response(s.PlanReductionSerializer(reduction).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Remove a reduction measure", request=None, responses={204: None})
    @action(detail=True, methods=["post"], url_path=r"reductions/(?P<reduction_id>\d+)/remove")
    @idempotent
    def remove_reduction(self, request, pk=None, reduction_id=None):
        reduction = (
            PlanReduction.objects.restrict(request.user, "view")
            .filter(pk=reduction_id, plan=self.get_object())
            .first()
        )
        if reduction is None:
            raise NotFound(_("reduction measure not found."), code="not_found")
        actions.remove_plan_reduction(request.user, reduction)
        return Response(status=status.HTTP_204_NO_CONTENT)
