"""Manifests API (转移联单): reads through ``restrict(request.user, "view")``, every change
through one action of ``wufei.manifests.actions``.

A draft is created with ``POST /manifests/`` and changed with ``PUT``/``PATCH`` (with
``If-Match``); each later step is a POST to a verb under the manifest (``submit``,
``scan-load``, ``sign-handover`` …). Every POST takes an ``Idempotency-Key``; every step takes
``If-Match`` (the ETag, i.e. the manifest's ``version``) and answers 409 ``stale_version``
when the manifest changed meanwhile. A replayed or concurrent signature answers 409.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from wufei.core.actions import check_version
from wufei.core.api.idempotency import idempotent
from wufei.core.errors import Conflict, NotFound, ValidationFailed
from wufei.registry.api.views import IDEMPOTENCY, IF_MATCH, if_match
from wufei.registry.models import Organization

from .. import actions
from ..actions import ScanResult
from ..models import (
    Manifest,
    ManifestItem,
    ManifestKind,
    ManifestLeg,
    ManifestLine,
    ManifestStatus,
    Signature,
)
from ..queries import manifests_for
from . import serializers as s

T = TypeVar("T")


def _data(serializer_class: type, request: Request, partial: bool = False) -> dict[str, Any]:
    ser = serializer_class(data=request.data, partial=partial)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


def _org(uscc: Any, field: str) -> Organization:
    """An organisation named by its USCC (public registration data, so not restricted)."""
    org = Organization.objects.filter(uscc=str(uscc or "").strip().upper(), is_active=True).first()
    if org is None:
        raise ValidationFailed(
            _("No active organisation has the USCC %(uscc)s.") % {"uscc": uscc},
            code="manifests.organization_unknown",
            field=field,
        )
    return org


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            _("Enter a date as YYYY-MM-DD."), code="validation.invalid", field=field
        ) from None


def _atomic_409(fn: Callable[[], T]) -> T:
    """Run an action; a unique index hit by a concurrent twin (the signature's
    (manifest, step, leg, revision), an item or leg) answers 409 instead of 500."""
    try:
        return fn()
    except IntegrityError:
        raise Conflict(
            _("Someone else did this step of the manifest at the same moment. Reload it."),
            code="manifests.concurrent_change",
            field="status",
        ) from None


def _minimal(request: Request) -> bool:
    """``Prefer: return=minimal`` (RFC 7240): answer a step with id, number, status and
    version only (a phone scanning containers needs no more)."""
    prefer = request.headers.get("Prefer", "")
    return "return=minimal" in prefer.replace(" ", "").lower()


def filtered(user: Any, params: Any) -> QuerySet[Manifest]:
    """The list's filters: status, kind, number (prefix), party (USCC of any party),
    waste_code, plate, date (planned transfer date), date_from, date_to."""
    qs = manifests_for(user).select_related("receiver_permit")
    wanted = [x for x in (params.get("status") or "").split(",") if x]
    if wanted:
        bad = [x for x in wanted if x not in ManifestStatus.values]
        if bad:
            raise ValidationFailed(
                _("Unknown status “%(value)s”.") % {"value": bad[0]},
                code="validation.invalid_choice",
                field="status",
            )
        qs = qs.filter(status__in=wanted)
    if params.get("kind"):
        if params["kind"] not in ManifestKind.values:
            raise ValidationFailed(
                _("Unknown kind “%(value)s”.") % {"value": params["kind"]},
                code="validation.invalid_choice",
                field="kind",
            )
        qs = qs.filter(kind=params["kind"])
    if params.get("number"):
        qs = qs.filter(number__startswith=params["number"].strip())
    if params.get("party"):
        uscc = params["party"].strip().upper()
        legs = ManifestLeg.objects.filter(carrier__uscc=uscc).values("manifest_id")
        qs = qs.filter(
            Q(shipper__uscc=uscc) | Q(receiver__uscc=uscc) | Q(carrier__uscc=uscc) | Q(pk__in=legs)
        )
    if params.get("waste_code"):
        code = params["waste_code"].strip()
        lines = ManifestLine.objects.filter(
            Q(waste_code__code=code) | Q(general_category__code_2021=code)
        ).values("manifest_id")
        qs = qs.filter(pk__in=lines)
    if params.get("plate"):
        plate = params["plate"].strip().upper()
        legs = ManifestLeg.objects.filter(vehicle__plate=plate).values("manifest_id")
        qs = qs.filter(Q(vehicle__plate=plate) | Q(pk__in=legs))
    for name, lookup in (
        ("date", "planned_pickup_on"),
        ("date_from", "planned_pickup_on__gte"),
        ("date_to", "planned_pickup_on__lte"),
    ):
        if params.get(name):
            qs = qs.filter(**{lookup: _date(params[name], name)})
    return qs


def with_details(qs: QuerySet[Manifest]) -> QuerySet[Manifest]:
    return qs.prefetch_related(
        Prefetch(
            "lines",
            queryset=ManifestLine.objects.select_related(
                "waste_code", "general_category", "method", "received_method"
            ),
        ),
        Prefetch(
            "items",
            queryset=ManifestItem.objects.select_related("container", "line", "treatment_method"),
        ),
        Prefetch(
            "legs", queryset=ManifestLeg.objects.select_related("carrier", "vehicle", "driver")
        ),
        Prefetch("signatures", queryset=Signature.objects.select_related("organization")),
    )


def _step(summary: str, request: Any = None, response: Any = s.ManifestSerializer) -> Any:
    return extend_schema(
        summary=summary,
        request=request,
        responses={200: response},
        parameters=[IF_MATCH, IDEMPOTENCY],
    )


LIST_FILTERS = [
    OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, description=text)
    for name, text in (
        ("status", "one status or several, comma-separated"),
        ("kind", "hazardous / general / medical"),
        ("number", "manifest number or its beginning (year, province, city)"),
        ("party", "USCC of the shipper, receiver or any carrier"),
        ("waste_code", "waste code of a line (e.g. 900-041-49)"),
        ("plate", "plate of the vehicle of any leg"),
        ("date", "planned transfer date YYYY-MM-DD"),
        ("date_from", "planned transfer date from"),
        ("date_to", "planned transfer date to"),
    )
]


@extend_schema_view(
    list=extend_schema(summary="List transfer manifests", parameters=LIST_FILTERS),
    retrieve=extend_schema(
        summary="Get a manifest: parties, lines, containers, legs and signatures (ETag = version)"
    ),
    create=extend_schema(
        summary="Create a draft manifest (草稿)",
        request=s.DraftSerializer,
        responses={201: s.ManifestSerializer},
        parameters=[IDEMPOTENCY],
    ),
    update=extend_schema(
        summary="Replace a draft (every field)",
        request=s.DraftSerializer,
        responses={200: s.ManifestSerializer},
        parameters=[IF_MATCH],
    ),
    partial_update=extend_schema(
        summary="Change some fields of a draft",
        request=s.DraftSerializer,
        responses={200: s.ManifestSerializer},
        parameters=[IF_MATCH],
    ),
)
class ManifestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Manifest]:
        if self.action == "list":
            return filtered(self.request.user, self.request.query_params)
        return with_details(manifests_for(self.request.user).select_related("receiver_permit"))

    def get_serializer_class(self) -> type:
        return s.ManifestListSerializer if self.action == "list" else s.ManifestSerializer

    def get_object(self) -> Manifest:
        raw = str(self.kwargs.get("pk", ""))
        found = (
            manifests_for(self.request.user).filter(pk=int(raw)).first()
            if raw.isdigit() and len(raw) < 19
            else None
        )
        if found is None:
            raise NotFound(_("%(what)s not found.") % {"what": Manifest._meta.verbose_name})
        return found

    def _visible(self) -> Manifest:
        """For the steps: only whether the user sees the manifest (404 otherwise); the
        action locks and reads it itself, so nothing else is loaded here."""
        raw = str(self.kwargs.get("pk", ""))
        pk = (
            Manifest.objects.restrict(self.request.user, "view")
            .filter(pk=int(raw))
            .values_list("pk", flat=True)
            .first()
            if raw.isdigit() and len(raw) < 19
            else None
        )
        if pk is None:
            raise NotFound(_("%(what)s not found.") % {"what": Manifest._meta.verbose_name})
        return Manifest(pk=pk)

    def _respond(self, manifest: Manifest, code: int = status.HTTP_200_OK) -> Response:
        if _minimal(self.request):
            state = Manifest.objects.values("id", "number", "status", "version").get(pk=manifest.pk)
            response = Response(state, status=code)
            response["Preference-Applied"] = "return=minimal"
            response["ETag"] = f'"{state["version"]}"'
            return response
        fresh = with_details(manifests_for(self.request.user)).get(pk=manifest.pk)
        response = Response(s.ManifestSerializer(fresh).data, status=code)
        response["ETag"] = f'"{fresh.version}"'
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(self.get_object())

    # --- Draft --------------------------------------------------------------------------

    def _draft_args(self, data: dict[str, Any]) -> dict[str, Any]:
        """Validated request fields → the action's arguments (organisations by USCC)."""
        out = dict(data)
        for field in ("receiver", "carrier"):
            if field in out:
                out[field] = _org(out[field], field).pk
        return out

    @staticmethod
    def _current_draft(m: Manifest) -> dict[str, Any]:
        lines = list(m.lines.select_related("waste_code", "general_category", "method"))
        return {
            "shipper_site": m.shipper_site_id,
            "receiver": m.receiver_id,
            "receiver_site": m.receiver_site_id,
            "receiver_permit": m.receiver_permit_id,
            "carrier": m.carrier_id,
            "vehicle": m.vehicle_id,
            "driver": m.driver_id,
            "planned_pickup_on": m.planned_pickup_on,
            "planned_arrival_at": m.planned_arrival_at,
            "route_note": m.route_note,
            "emergency_measures": m.emergency_measures,
            "containers": list(m.items.values_list("container_id", flat=True)),
            "methods": {line.code_text: line.method.code for line in lines},
            "exemptions": {
                line.code_text: line.exemption_id for line in lines if line.exemption_id
            },
            "kind": m.kind,
        }

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._draft_args(_data(s.DraftSerializer, request))
        manifest = actions.create_draft(request.user, **data)
        return self._respond(manifest, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = bool(kwargs.get("partial"))
        manifest = self.get_object()
        version = if_match(request)
        changes = self._draft_args(_data(s.DraftSerializer, request, partial=partial))
        data = {**self._current_draft(manifest), **changes} if partial else changes
        return self._respond(actions.update_draft(request.user, manifest, version=version, **data))

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    # --- Steps --------------------------------------------------------------------------

    def _sign(self, request: Request, fn: Callable[..., Any], **kwargs: Any) -> Response:
        manifest = self._visible()
        version = if_match(request)
        _atomic_409(lambda: fn(request.user, manifest, version=version, **kwargs))
        return self._respond(manifest)

    def _scan(self, request: Request, fn: Callable[..., ScanResult], **kwargs: Any) -> Response:
        """Scans take no version in the action: an ``If-Match`` is checked under the
        manifest's row lock, in the same transaction as the scan."""
        manifest = self._visible()
        version = if_match(request)

        def run() -> ScanResult:
            if version is None:
                return fn(request.user, manifest, **kwargs)
            with transaction.atomic():
                locked = Manifest.objects.select_for_update().get(pk=manifest.pk)
                check_version(locked, version)
                return fn(request.user, manifest, **kwargs)

        result = _atomic_409(run)
        state = Manifest.objects.values("status", "version").get(pk=manifest.pk)
        body = s.ScanResultSerializer(
            {
                "item": result.item,
                "already": result.already,
                "remaining": result.remaining,
                **state,
            }
        ).data
        response = Response(body, status=status.HTTP_200_OK)
        response["ETag"] = f'"{state["version"]}"'
        return response

    @_step("Submit the draft: checks, number (联单编号) and the shipper's signature")
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request: Request, pk: Any = None) -> Response:
        return self._sign(request, actions.submit)

    @_step("Cancel (作废) before the hand-over, with a reason", s.CancelSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request: Request, pk: Any = None) -> Response:
        data = _data(s.CancelSerializer, request)
        return self._sign(request, actions.cancel, reason=data["reason"])

    @_step(
        "The driver scans a container onto the vehicle (装车扫码)",
        s.ScanLoadSerializer,
        s.ScanResultSerializer,
    )
    @action(detail=True, methods=["post"], url_path="scan-load")
    @idempotent
    def scan_load(self, request: Request, pk: Any = None) -> Response:
        data = _data(s.ScanLoadSerializer, request)
        return self._scan(
            request,
            actions.scan_load,
            code=data["code"],
            label_waste_code=data.get("label_waste_code", ""),
            label_weight=data.get("label_weight"),
        )

    @_step("The shipper signs the hand-over (移出人交付); containers leave its inventory")
    @action(detail=True, methods=["post"], url_path="sign-handover")
    @idempotent
    def sign_handover(self, request: Request, pk: Any = None) -> Response:
        return self._sign(request, actions.sign_handover)

    @_step("The carrier signs the pickup (承运人接收): in transit")
    @action(detail=True, methods=["post"], url_path="sign-pickup")
    @idempotent
    def sign_pickup(self, request: Request, pk: Any = None) -> Response:
        return self._sign(request, actions.sign_pickup)

    @extend_schema(
        summary="The current carrier names the next carrier (联运)",
        request=s.LegWriteSerializer,
        responses={201: s.ManifestSerializer},
        parameters=[IF_MATCH, IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def legs(self, request: Request, pk: Any = None) -> Response:
        data = _data(s.LegWriteSerializer, request)
        manifest = self._visible()
        version = if_match(request)
        carrier = _org(data["carrier"], "carrier")
        _atomic_409(
            lambda: actions.add_leg(
                request.user,
                manifest,
                carrier=carrier,
                vehicle=data["vehicle"],
                driver=data["driver"],
                handover_place=data.get("handover_place", ""),
                version=version,
            )
        )
        return self._respond(manifest, status.HTTP_201_CREATED)

    @_step(
        "The next carrier scans a container at the hand-over",
        s.ScanSerializer,
        s.ScanResultSerializer,
    )
    @action(detail=True, methods=["post"], url_path="scan-leg")
    @idempotent
    def scan_leg(self, request: Request, pk: Any = None) -> Response:
        data = _data(s.ScanSerializer, request)
        return self._scan(request, actions.scan_leg, code=data["code"])

    @_step("The next carrier signs the take-over (联运交接)")
    @action(detail=True, methods=["post"], url_path="sign-leg")
    @idempotent
    def sign_leg(self, request: Request, pk: Any = None) -> Response:
        return self._sign(request, actions.sign_leg)

    @_step(
        "The receiver scans and weighs a container on arrival",
        s.ScanArrivalSerializer,
        s.ScanResultSerializer,
    )
    @action(detail=True, methods=["post"], url_path="scan-arrival")
    @idempotent
    def scan_arrival(self, request: Request, pk: Any = None) -> Response:
        data = _data(s.ScanArrivalSerializer, request)
        return self._scan(
            request, actions.scan_arrival, code=data["code"], weight_tonnes=data["weight_tonnes"]
        )

    @_step(
        "The receiver signs the receipt (签收): accepted, partly refused or refused",
        s.ReceiptSerializer,
    )
    @action(detail=True, methods=["post"], url_path="sign-receipt")
    @idempotent
    def sign_receipt(self, request: Request, pk: Any = None) -> Response:
        data = _data(s.ReceiptSerializer, request)
        lines = {
            int(x["position"]): {k: v for k, v in x.items() if k != "position"}
            for x in data.get("lines", [])
        }
        return self._sign(
            request,
            actions.sign_receipt,
            refused=data.get("refused") or {},
            lines=lines,
            reason=data.get("reason", ""),
            refusal_route=data.get("refusal_route", ""),
        )

    @_step(
        "The receiver records treatment (利用/处置); the last container closes it",
        s.TreatmentSerializer,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def treatment(self, request: Request, pk: Any = None) -> Response:
        data = _data(s.TreatmentSerializer, request)
        return self._sign(
            request,
            actions.record_treatment,
            codes=data.get("codes") or None,
            method=data.get("method") or None,
            note=data.get("note", ""),
        )
