"""Ledger API: reads through ``restrict(request.user, "view")``, writes through
``ledger.actions``. The 五即 steps are POSTs to verbs under the container (``…/weigh/``,
``…/code/``, ``…/store-in/``, ``…/store-out/``, ``…/self-treat/``); a container is addressed
by its identification code or, before it is coded, by its id. Scales post readings to
``/api/v1/scale-readings/`` with their own token (header ``X-Scale-Token``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import authentication, exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from wufei.core.api.idempotency import idempotent
from wufei.core.errors import NotFound, ValidationFailed
from wufei.registry.api.views import IDEMPOTENCY
from wufei.registry.models import Facility, Organization, Site

from .. import actions, queries
from ..actions import Result
from ..models import Container, LedgerEntry, ScaleDevice
from . import serializers as s

SCALE_HEADER = "X-Scale-Token"


def _data(serializer_class: type, request: Any) -> dict[str, Any]:
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


def _visible(request: Any, model: Any, pk: Any, field: str) -> Any:
    obj = model.objects.restrict(request.user, "view").filter(pk=pk).first()
    if obj is None:
        raise NotFound(
            _("%(what)s not found.") % {"what": model._meta.verbose_name},
            code="not_found",
            field=field,
        )
    return obj


def _step(summary: str, request_serializer: type | None = None) -> Any:
    return extend_schema(
        summary=summary,
        request=request_serializer,
        responses={200: s.StepResultSerializer},
        parameters=[IDEMPOTENCY],
    )


@extend_schema_view(
    list=extend_schema(summary="List containers (filters: status, kind, day=YYYY-MM-DD, site, q)"),
    retrieve=extend_schema(summary="Get a container by its identification code (or id)"),
    create=extend_schema(
        summary="Produce a container (即产生); with weight_tonnes it is weighed and coded, "
        "with facility also stored",
        request=s.ProduceSerializer,
        responses={201: s.StepResultSerializer},
        parameters=[IDEMPOTENCY],
    ),
)
class ContainerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ContainerSerializer
    lookup_field = "ref"
    lookup_value_regex = "[0-9A-Za-z]{1,37}"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        params = self.request.query_params
        return queries.containers(
            self.request.user,
            q=params.get("q", ""),
            status=params.get("status", ""),
            kind=params.get("kind", ""),
            day=params.get("day", ""),
            site=params.get("site", ""),
        ).prefetch_related(
            Prefetch(
                "entries",
                queryset=LedgerEntry.objects.order_by("at", "pk").select_related(
                    "organization", "container", "facility", "method", "reversal_of"
                ),
            )
        )

    def get_object(self) -> Container:
        ref = str(self.kwargs["ref"]).upper()
        qs = self.get_queryset()
        found = (
            qs.filter(pk=int(ref)).first()
            if ref.isdigit() and len(ref) < 18
            else qs.filter(ident_code=ref).first()
        )
        if found is None:
            raise NotFound(_("%(what)s not found.") % {"what": Container._meta.verbose_name})
        return found

    def _respond(self, result: Result | Container, code: int = status.HTTP_200_OK) -> Response:
        container = result.container if isinstance(result, Result) else result
        warnings = result.warnings if isinstance(result, Result) else []
        fresh = self.get_queryset().get(pk=container.pk)
        response = Response(
            {"container": s.ContainerSerializer(fresh).data, "warnings": warnings}, status=code
        )
        response["ETag"] = f'"{fresh.version}"'
        return response

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        response = Response(self.get_serializer(obj).data)
        response["ETag"] = f'"{obj.version}"'
        return response

    @idempotent
    def create(self, request, *args, **kwargs):
        data = _data(s.ProduceSerializer, request)
        site = _visible(request, Site, data.pop("site"), "site")
        facility_id = data.pop("facility", None)
        facility = _visible(request, Facility, facility_id, "facility") if facility_id else None
        allow, reason = data.pop("allow_over_capacity", False), data.pop("reason", "")
        if data.get("weight_tonnes") not in (None, ""):
            result = actions.produce_container(
                request.user,
                site,
                facility=facility,
                allow_over_capacity=allow,
                reason=reason,
                **data,
            )
            return self._respond(result, status.HTTP_201_CREATED)
        if facility is not None:
            raise ValidationFailed(
                _("Weigh the container before storing it: give weight_tonnes."),
                code="ledger.tonnes_required",
                field="weight_tonnes",
            )
        data.pop("weight_tonnes", None)
        container = actions.record_generation(request.user, site, **data)
        return self._respond(container, status.HTTP_201_CREATED)

    @_step("Weigh a container (即称重)", s.WeighSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def weigh(self, request, ref=None):
        data = _data(s.WeighSerializer, request)
        return self._respond(
            actions.record_weight(
                request.user,
                self.get_object(),
                data["weight_tonnes"],
                operator=data.get("operator", ""),
            )
        )

    @_step("Give the container its identification code (即赋码); idempotent")
    @action(detail=True, methods=["post"])
    @idempotent
    def code(self, request, ref=None):
        return self._respond(actions.assign_code(request.user, self.get_object()))

    @_step("Store the container in a storage facility (即入库)", s.StoreInSerializer)
    @action(detail=True, methods=["post"], url_path="store-in")
    @idempotent
    def store_in(self, request, ref=None):
        data = _data(s.StoreInSerializer, request)
        facility = _visible(request, Facility, data.pop("facility"), "facility")
        return self._respond(actions.store_in(request.user, self.get_object(), facility, **data))

    @_step("Take the container out of storage (出库)", s.StoreOutSerializer)
    @action(detail=True, methods=["post"], url_path="store-out")
    @idempotent
    def store_out(self, request, ref=None):
        data = _data(s.StoreOutSerializer, request)
        return self._respond(actions.store_out(request.user, self.get_object(), **data))

    @_step("Own utilisation/disposal (自行利用/处置)", s.SelfTreatSerializer)
    @action(detail=True, methods=["post"], url_path="self-treat")
    @idempotent
    def self_treat(self, request, ref=None):
        data = _data(s.SelfTreatSerializer, request)
        facility = _visible(request, Facility, data.pop("facility"), "facility")
        return self._respond(
            actions.self_treat(
                request.user,
                self.get_object(),
                facility,
                data["method"],
                operator=data.get("operator", ""),
            )
        )

    @_step(
        "Transfer out (委外 / 出厂): general waste directly, hazardous waste with its manifest",
        s.ShipOutSerializer,
    )
    @action(detail=True, methods=["post"], url_path="ship-out")
    @idempotent
    def ship_out(self, request, ref=None):
        data = _data(s.ShipOutSerializer, request)
        return self._respond(actions.ship_out(request.user, self.get_object(), **data))


@extend_schema_view(
    list=extend_schema(
        summary="List ledger entries (filters: kind, waste_kind, date_from, date_to, q)"
    ),
    retrieve=extend_schema(summary="Get one ledger entry"),
)
class LedgerEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.EntrySerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        params = self.request.query_params
        return queries.entries(
            self.request.user,
            q=params.get("q", ""),
            kind=params.get("kind", ""),
            waste_kind=params.get("waste_kind", ""),
            date_from=params.get("date_from", ""),
            date_to=params.get("date_to", ""),
        )

    @extend_schema(
        summary="Reverse an entry (冲销) with a reason: the container's latest step only",
        request=s.ReverseSerializer,
        responses={201: s.EntrySerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def reverse(self, request, pk=None):
        data = _data(s.ReverseSerializer, request)
        result = actions.reverse_entry(request.user, self.get_object(), reason=data["reason"])
        assert result.entry is not None
        entry = LedgerEntry.objects.select_related("organization", "container").get(
            pk=result.entry.pk
        )
        return Response(s.EntrySerializer(entry).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List networked scales"),
    retrieve=extend_schema(summary="Get one networked scale"),
    create=extend_schema(
        summary="Register a networked scale (organisation administrators); the token is "
        "answered once",
        request=s.ScaleDeviceWriteSerializer,
        responses={201: s.ScaleTokenSerializer},
        parameters=[IDEMPOTENCY],
    ),
)
class ScaleDeviceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ScaleDeviceSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return ScaleDevice.objects.restrict(self.request.user, "view").select_related(
            "organization"
        )

    def _token(self, device: ScaleDevice, token: str, code: int) -> Response:
        data = dict(s.ScaleDeviceSerializer(device).data)
        data["token"] = token
        return Response(data, status=code)

    def create(self, request, *args, **kwargs):
        # Not @idempotent: a replayed answer would hand out the token a second time.
        data = _data(s.ScaleDeviceWriteSerializer, request)
        org = (
            Organization.objects.restrict(request.user, "view")
            .filter(uscc=str(data["organization"]).upper())
            .first()
        )
        if org is None:
            raise NotFound(
                _("%(what)s not found.") % {"what": Organization._meta.verbose_name},
                code="not_found",
                field="organization",
            )
        facility_id = data.get("facility")
        facility = _visible(request, Facility, facility_id, "facility") if facility_id else None
        device, token = actions.register_scale(
            request.user,
            org,
            device_id=data["device_id"],
            name=data.get("name", ""),
            facility=facility,
        )
        return self._token(device, token, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Give the scale a new token (the old one stops working)",
        request=None,
        responses={200: s.ScaleTokenSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-token")
    def rotate_token(self, request, pk=None):
        device, token = actions.rotate_scale_token(request.user, self.get_object())
        return self._token(device, token, status.HTTP_200_OK)


class ScaleTokenAuthentication(authentication.BaseAuthentication):
    """A networked scale authenticates with its own token in ``X-Scale-Token``."""

    def authenticate(self, request):
        token = request.headers.get(SCALE_HEADER, "").strip()
        if not token:
            raise exceptions.NotAuthenticated(_("Send the scale's token in X-Scale-Token."))
        device = actions.device_for_token(token)
        if device is None:
            raise exceptions.AuthenticationFailed(_("Unknown or inactive scale token."))
        return (
            actions.ScaleActor(device_id=device.device_id, organization_id=device.organization_id),
            device,
        )

    def authenticate_header(self, request):
        return "Scale"


class ScaleReadingView(APIView):
    authentication_classes = [ScaleTokenAuthentication]
    permission_classes: list = []
    throttle_classes: list = []

    @extend_schema(
        summary="A networked scale posts a reading (即称重); idempotent by reading_id",
        request=s.ScaleReadingInSerializer,
        responses={201: s.ScaleReadingSerializer, 200: s.ScaleReadingSerializer},
        parameters=[
            OpenApiParameter(
                SCALE_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="the scale's token (shown once when it was registered)",
            )
        ],
        auth=[],
    )
    def post(self, request):
        device = request.auth
        data = _data(s.ScaleReadingInSerializer, request)
        if data["device_id"] != device.device_id:
            raise ValidationFailed(
                _("device_id does not match the scale's token."),
                code="ledger.device_mismatch",
                field="device_id",
            )
        reading, created = actions.record_scale_reading(
            device,
            reading_id=data["reading_id"],
            container=data["container"],
            weight_kg=data["weight_kg"],
        )
        response = Response(
            s.ScaleReadingSerializer(reading).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response
