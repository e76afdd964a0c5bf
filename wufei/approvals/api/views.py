"""Approval API: reads through ``restrict(request.user, "view")``, writes through
``approvals.actions``. The application is created and changed (PATCH, If-Match) by the
applicant, documents are POSTed as multipart to ``…/documents/``; the procedure's steps are
POSTs to verbs under the approval (``submit``, ``accept``, ``incomplete``, ``review``,
``reply``, ``decide``, ``withdraw``); ``GET …/steps/`` lists the steps with their deadlines."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from wufei.core.api.idempotency import idempotent
from wufei.core.errors import NotFound
from wufei.registry.api.views import IDEMPOTENCY, IF_MATCH, if_match
from wufei.registry.models import Site

from .. import actions, queries
from ..models import ApprovalLine, ApprovalStep, CrossProvinceApproval
from . import serializers as s


def _data(serializer_class: type, request: Any, partial: bool = False) -> dict[str, Any]:
    ser = serializer_class(data=request.data, partial=partial)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


def _step(summary: str, request_serializer: type | None) -> Any:
    return extend_schema(
        summary=summary,
        request=request_serializer,
        responses={200: s.ApprovalSerializer},
        parameters=[IDEMPOTENCY, IF_MATCH],
    )


@extend_schema_view(
    list=extend_schema(
        summary="List cross-province transfer approvals (filters: status, province, "
        "applicant, number, q)"
    ),
    retrieve=extend_schema(summary="Get one approval with its wastes, steps and documents"),
    create=extend_schema(
        summary="Draft an application (the applicant's member)",
        request=s.ApprovalWriteSerializer,
        responses={201: s.ApprovalSerializer},
        parameters=[IDEMPOTENCY],
    ),
    partial_update=extend_schema(
        summary="Change a draft or an application sent back for missing items",
        request=s.ApprovalWriteSerializer,
        responses={200: s.ApprovalSerializer},
        parameters=[IF_MATCH],
    ),
)
class TransferApprovalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.ApprovalSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        params = self.request.query_params
        qs = queries.approvals(
            self.request.user,
            q=params.get("q", ""),
            status=params.get("status", ""),
            province=params.get("province", ""),
            applicant=params.get("applicant", ""),
        ).prefetch_related(
            Prefetch(
                "lines",
                queryset=ApprovalLine.objects.select_related(
                    "waste_code", "waste_code__category", "method"
                ).order_by("pk"),
            ),
            Prefetch("steps", queryset=ApprovalStep.objects.order_by("started_at", "pk")),
            "documents",
        )
        if params.get("number"):
            qs = qs.filter(number=params["number"])
        return qs

    def _respond(self, approval: CrossProvinceApproval, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=approval.pk)
        response = Response(self.get_serializer(fresh).data, status=code)
        response["ETag"] = f'"{fresh.version}"'
        return response

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    @idempotent
    def create(self, request, *args, **kwargs):
        data = _data(s.ApprovalWriteSerializer, request)
        site = (
            Site.objects.restrict(request.user, "view")
            .filter(pk=data.pop("applicant_site", 0))
            .first()
        )
        if site is None:
            raise NotFound(_("site not found."), code="not_found", field="applicant_site")
        approval = actions.create_application(request.user, site, **data)
        return self._respond(approval, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        approval = self.get_object()
        data = _data(s.ApprovalWriteSerializer, request, partial=True)
        data.pop("applicant_site", None)
        approval = actions.update_application(
            request.user, approval, version=if_match(request), **data
        )
        return self._respond(approval)

    @extend_schema(
        summary="Attach an application document (multipart: kind, title, file)",
        request={"multipart/form-data": s.DocumentWriteSerializer},
        responses={201: s.DocumentSerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[parsers.MultiPartParser, parsers.FormParser],
    )
    @idempotent
    def documents(self, request, pk=None):
        data = _data(s.DocumentWriteSerializer, request)
        doc = actions.add_document(request.user, self.get_object(), **data)
        return Response(s.DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The steps with their due dates and overdue flags",
        responses=s.StepSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def steps(self, request, pk=None):
        approval = self.get_object()
        return Response(s.StepSerializer(approval.steps.all(), many=True).data)

    @_step("Submit (or resubmit) the application: number and acceptance deadline", None)
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request, pk=None):
        return self._respond(
            actions.submit(request.user, self.get_object(), version=if_match(request))
        )

    @_step("Withdraw the application (the applicant)", s.WithdrawSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request, pk=None):
        data = _data(s.WithdrawSerializer, request)
        return self._respond(actions.withdraw(request.user, self.get_object(), **data))

    @_step("Accept the application (origin province's bureau, 5 working days)", s.NoteSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request, pk=None):
        data = _data(s.NoteSerializer, request)
        return self._respond(
            actions.accept(request.user, self.get_object(), version=if_match(request), **data)
        )

    @_step("Notice of the missing items (origin province's bureau)", s.IncompleteSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def incomplete(self, request, pk=None):
        data = _data(s.IncompleteSerializer, request)
        return self._respond(
            actions.notice_incomplete(
                request.user, self.get_object(), version=if_match(request), **data
            )
        )

    @_step(
        "Review; agreed: request letter to the receiving province (or, white-listed, the "
        "decision step)",
        s.OpinionSerializer,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def review(self, request, pk=None):
        data = _data(s.OpinionSerializer, request)
        return self._respond(
            actions.review(request.user, self.get_object(), version=if_match(request), **data)
        )

    @_step("Reply of the receiving province's bureau (10 working days)", s.OpinionSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def reply(self, request, pk=None):
        data = _data(s.OpinionSerializer, request)
        return self._respond(
            actions.record_reply(request.user, self.get_object(), version=if_match(request), **data)
        )

    @_step("Decide: approve (approval number, validity clipped) or not", s.DecisionSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def decide(self, request, pk=None):
        data = _data(s.DecisionSerializer, request)
        return self._respond(
            actions.decide(request.user, self.get_object(), version=if_match(request), **data)
        )
