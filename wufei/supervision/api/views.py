"""Supervision API: warnings (list with the page's filters, detail with notes, one POST per loop
step), clues (list, detail with matches and photos, create by a bureau, verify / dismiss /
open-case), cases (list, detail, rectify / respond / close), and the public report (anonymous
multipart POST, rate limited per client address like the page; follow-up GET by code).

Reads start from ``restrict(request.user, "view")`` (forbidden = 404); every write is one
action; POSTs take ``Idempotency-Key`` and ``If-Match`` (the ETag is the version)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, parsers, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from wufei.core.api.idempotency import idempotent
from wufei.core.errors import ActionError
from wufei.registry.api.views import IDEMPOTENCY, IF_MATCH, if_match

from .. import actions, clues, queries
from ..views_public import client_of
from . import serializers as s

PARSERS = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]


def _data(serializer_class: type, request: Any) -> dict[str, Any]:
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


def _step(summary: str, request_serializer: type | None, response: type) -> Any:
    return extend_schema(
        summary=summary,
        request=request_serializer,
        responses={200: response},
        parameters=[IDEMPOTENCY, IF_MATCH],
    )


class _Versioned:
    def _respond(self, obj: Any, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)  # type: ignore[attr-defined]
        ser = self.detail_serializer(fresh, context={"request": self.request})  # type: ignore[attr-defined]
        response = Response(ser.data, status=code)
        response["ETag"] = f'"{fresh.version}"'
        return response

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())  # type: ignore[attr-defined]


@extend_schema_view(
    list=extend_schema(
        summary="List warnings (filters: status [or 'active'], severity, rule, region prefix, "
        "overdue, escalated, q)"
    ),
    retrieve=extend_schema(
        summary="One warning with its notes", responses=s.WarningDetailSerializer
    ),
)
class WarningViewSet(_Versioned, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.WarningSerializer
    detail_serializer = s.WarningDetailSerializer
    parser_classes = PARSERS

    def get_queryset(self):
        return queries.warnings(
            self.request.user, queries.WarningFilters.from_params(self.request.query_params)
        ).select_related("manifest")

    @extend_schema(
        summary="The notes and files of the warning", responses=s.WarningNoteSerializer(many=True)
    )
    @action(detail=True, methods=["get"])
    def notes(self, request, pk=None):
        w = self.get_object()
        return Response(s.WarningDetailSerializer(w, context={"request": request}).data["notes"])

    @_step("Take the warning (the bureau of the area)", None, s.WarningDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def assign(self, request, pk=None):
        return self._respond(
            actions.assign(request.user, self.get_object(), version=if_match(request))
        )

    @_step(
        "Verify with a note and an optional file (multipart)", s.NoteIn, s.WarningDetailSerializer
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def verify(self, request, pk=None):
        d = _data(s.NoteIn, request)
        return self._respond(
            actions.verify(
                request.user,
                self.get_object(),
                note=d["note"],
                upload=d["file"],
                version=if_match(request),
            )
        )

    @_step("Require rectification (measures, due_on)", s.RectifyIn, s.WarningDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def rectify(self, request, pk=None):
        d = _data(s.RectifyIn, request)
        return self._respond(
            actions.require_rectification(
                request.user,
                self.get_object(),
                measures=d["measures"],
                due_on=d["due_on"],
                version=if_match(request),
            )
        )

    @_step(
        "The enterprise's response with an optional file", s.RespondIn, s.WarningDetailSerializer
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def respond(self, request, pk=None):
        d = _data(s.RespondIn, request)
        return self._respond(
            actions.respond(
                request.user,
                self.get_object(),
                response=d["response"],
                upload=d["file"],
                version=if_match(request),
            )
        )

    @_step("Close (销号) with a note", s.NoteIn, s.WarningDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def close(self, request, pk=None):
        d = _data(s.NoteIn, request)
        return self._respond(
            actions.close(
                request.user, self.get_object(), note=d["note"], version=if_match(request)
            )
        )

    @_step("Dismiss with a reason", s.ReasonIn, s.WarningDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def dismiss(self, request, pk=None):
        d = _data(s.ReasonIn, request)
        return self._respond(
            actions.dismiss(
                request.user, self.get_object(), reason=d["reason"], version=if_match(request)
            )
        )


class WarningStatisticsView(APIView):
    @extend_schema(
        summary="Warning statistics (by rule, region, severity; median hours to "
        "close; rectification rate) over the warnings the user sees",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        return Response(
            queries.statistics(request.user, region=request.query_params.get("region", ""))
        )


@extend_schema_view(
    list=extend_schema(summary="List clues (filters: status, source, region)"),
    retrieve=extend_schema(
        summary="One clue with its matches and photos", responses=s.ClueDetailSerializer
    ),
    create=extend_schema(
        summary="Record a clue (a bureau of the area; multipart with photos allowed)",
        request=s.ClueIn,
        responses={201: s.ClueDetailSerializer},
        parameters=[IDEMPOTENCY],
    ),
)
class ClueViewSet(_Versioned, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ClueSerializer
    detail_serializer = s.ClueDetailSerializer
    parser_classes = PARSERS

    def get_queryset(self):
        p = self.request.query_params
        return queries.clues(
            self.request.user,
            status=p.get("status", ""),
            source=p.get("source", ""),
            region=p.get("region", ""),
        )

    @idempotent
    def create(self, request, *args, **kwargs):
        d = _data(s.ClueIn, request)
        clue = clues.record_clue(request.user, photos=request.FILES.getlist("photos"), **d)
        return self._respond(clue, status.HTTP_201_CREATED)

    @_step("Verify the clue", s.NoteIn, s.ClueDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def verify(self, request, pk=None):
        d = _data(s.NoteIn, request)
        return self._respond(
            clues.verify_clue(
                request.user, self.get_object(), note=d["note"], version=if_match(request)
            )
        )

    @_step("Dismiss the clue", s.ReasonIn, s.ClueDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def dismiss(self, request, pk=None):
        d = _data(s.ReasonIn, request)
        return self._respond(
            clues.dismiss_clue(
                request.user, self.get_object(), reason=d["reason"], version=if_match(request)
            )
        )

    @extend_schema(
        summary="Open a case from a verified clue",
        request=s.OpenCaseIn,
        responses={201: s.CaseSerializer},
        parameters=[IDEMPOTENCY, IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="open-case")
    @idempotent
    def open_case(self, request, pk=None):
        d = _data(s.OpenCaseIn, request)
        case = clues.open_case(
            request.user,
            self.get_object(),
            title=d["title"],
            findings=d["findings"],
            organization=d["organization"],
            version=if_match(request),
        )
        return Response(s.CaseSerializer(case).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List cases (filter: status)"),
    retrieve=extend_schema(summary="One case", responses=s.CaseSerializer),
)
class CaseViewSet(_Versioned, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.CaseSerializer
    detail_serializer = s.CaseSerializer
    parser_classes = PARSERS

    def get_queryset(self):
        return queries.cases(self.request.user, status=self.request.query_params.get("status", ""))

    @_step("Findings, penalty and the rectification required", s.CaseRectifyIn, s.CaseSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def rectify(self, request, pk=None):
        d = _data(s.CaseRectifyIn, request)
        return self._respond(
            clues.require_case_rectification(
                request.user, self.get_object(), version=if_match(request), **d
            )
        )

    @_step("The party's response", s.RespondIn, s.CaseSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def respond(self, request, pk=None):
        d = _data(s.RespondIn, request)
        return self._respond(
            clues.respond_case(
                request.user, self.get_object(), response=d["response"], version=if_match(request)
            )
        )

    @_step("Close the case", s.NoteIn, s.CaseSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def close(self, request, pk=None):
        d = _data(s.NoteIn, request)
        return self._respond(
            clues.close_case(
                request.user, self.get_object(), note=d["note"], version=if_match(request)
            )
        )


class PublicReportView(APIView):
    """有奖举报 without login: multipart (description, observed_at, latitude, longitude,
    photos ≤ 5, name, phone). Rate limited per client address (the page's rule): 429."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    @extend_schema(
        summary="Report illegal dumping (no login); answers the follow-up code, shown once",
        request={"multipart/form-data": s.PublicReportIn},
        responses={201: None},
    )
    def post(self, request):
        photos = request.FILES.getlist("photos")
        d = _data(s.PublicReportIn, request)
        d.pop("photos", None)
        d["observed_at"] = d["observed_at"] or timezone.now()  # default: now, like the page
        try:
            done = clues.submit_public_report(photos=photos, client=client_of(request), **d)
        except ActionError as exc:
            if exc.code == "supervision.rate_limited":
                return Response(exc.as_dict(), status=status.HTTP_429_TOO_MANY_REQUESTS)
            raise
        return Response(
            {"number": done.clue.number, "code": done.code, "status": done.clue.status},
            status=status.HTTP_201_CREATED,
        )


class FollowUpView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        summary="The progress of a public report by its follow-up code",
        responses=s.FollowUpSerializer,
    )
    def get(self, request, code: str):
        return Response(s.FollowUpSerializer(clues.report_by_code(code)).data)
