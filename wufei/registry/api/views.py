"""Registry API: reads through ``restrict(request.user, "view")``, writes through actions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from wufei.core.api.idempotency import idempotent
from wufei.core.errors import NotFound, ValidationFailed

from .. import actions
from ..models import Driver, Facility, Membership, Organization, Permit, Site, Vehicle
from . import serializers as s

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="the ETag (version) the change was made on; stale → 409",
)
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="a repeated key returns the first answer and writes nothing",
)


def if_match(request) -> int | None:
    raw = (request.headers.get("If-Match") or "").strip().strip("W/").strip('"')
    if not raw or raw == "*":
        return None
    if not raw.isdigit():
        raise ValidationFailed(
            _("If-Match must be the ETag of the record."),
            code="validation.if_match",
            field="If-Match",
        )
    return int(raw)


def _org_by_uscc(request, uscc: Any) -> Organization:
    org = (
        Organization.objects.restrict(request.user, "view")
        .filter(uscc=str(uscc or "").upper())
        .first()
    )
    if org is None:
        raise NotFound(
            _("%(what)s not found.") % {"what": Organization._meta.verbose_name},
            code="not_found",
            field="organization",
        )
    return org


class RegistryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List/retrieve on restrict(view); create and partial_update call the actions."""

    model: type = Organization
    write_serializer: type = s.OrganizationWriteSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return self.model.objects.restrict(self.request.user, "view")

    def _respond(self, obj, code=status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(pk=obj.pk) if hasattr(obj, "pk") else obj
        response = Response(self.get_serializer(obj).data, status=code)
        if hasattr(obj, "version"):
            response["ETag"] = f'"{obj.version}"'
        return response

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    def _write_data(self, partial: bool) -> dict[str, Any]:
        ser = self.write_serializer(data=self.request.data, partial=partial)
        ser.is_valid(raise_exception=True)
        return dict(ser.validated_data)

    def perform_action_create(self, data: dict[str, Any]):  # pragma: no cover - overridden
        raise NotImplementedError

    def perform_action_update(
        self, obj, data: dict[str, Any], version: int | None
    ):  # pragma: no cover
        raise NotImplementedError

    @idempotent
    def create(self, request, *args, **kwargs):
        return self._respond(
            self.perform_action_create(self._write_data(partial=False)), status.HTTP_201_CREATED
        )

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        return self._respond(
            self.perform_action_update(obj, self._write_data(partial=True), if_match(request))
        )


def _schema(name: str, read, write):
    return extend_schema_view(
        list=extend_schema(summary=f"List {name}"),
        retrieve=extend_schema(summary=f"Get one of the {name}"),
        create=extend_schema(
            summary=f"Create ({name})",
            request=write,
            responses={201: read},
            parameters=[IDEMPOTENCY],
        ),
        partial_update=extend_schema(
            summary=f"Change ({name})", request=write, responses={200: read}, parameters=[IF_MATCH]
        ),
    )


@_schema("organisations", s.OrganizationSerializer, s.OrganizationWriteSerializer)
class OrganizationViewSet(RegistryViewSet):
    model = Organization
    serializer_class = s.OrganizationSerializer
    lookup_field = "uscc"
    lookup_value_regex = "[0-9A-Za-z]{18}"

    def get_queryset(self):
        qs = super().get_queryset().select_related("region")
        for role in ("producer", "carrier", "receiver", "collector", "regulator"):
            if self.request.query_params.get("role") == role:
                qs = qs.filter(**{f"is_{role}": True})
        if self.request.query_params.get("region"):
            qs = qs.filter(
                region__prefix__startswith=self.request.query_params["region"].rstrip("0") or "x"
            )
        if self.request.query_params.get("management_class"):
            qs = qs.filter(management_class=self.request.query_params["management_class"])
        return qs

    def perform_action_create(self, data):
        data.setdefault("roles", [])
        for key in ("uscc", "name", "region"):
            data.setdefault(key, "")
        data.pop("is_active", None)
        return actions.create_organization(self.request.user, **data)

    def perform_action_update(self, obj, data, version):
        return actions.update_organization(self.request.user, obj, version=version, **data)

    @extend_schema(
        summary="Set or clear the management class (city bureau, HJ 1259 §4.2.2)",
        request=s.ManagementClassSerializer,
        responses={200: s.OrganizationSerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"], url_path="management-class")
    @idempotent
    def management_class(self, request, uscc=None):
        org = self.get_object()
        ser = s.ManagementClassSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        if d.get("clear"):
            org = actions.clear_management_class_override(request.user, org, reason=d["reason"])
        else:
            org = actions.override_management_class(
                request.user, org, d.get("management_class", ""), reason=d["reason"]
            )
        return self._respond(org)


@_schema("sites", s.SiteSerializer, s.SiteSerializer)
class SiteViewSet(RegistryViewSet):
    model = Site
    serializer_class = s.SiteSerializer
    write_serializer = s.SiteSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("organization", "region")

    def _write_data(self, partial):
        data = super()._write_data(partial)
        if "organization" in data:
            data["organization"] = data["organization"]["uscc"]
        if "region" in data:
            data["region"] = data["region"]["code"]
        return data

    def perform_action_create(self, data):
        org = _org_by_uscc(self.request, data.pop("organization", ""))
        data.pop("is_active", None)
        return actions.create_site(self.request.user, org, **data)

    def perform_action_update(self, obj, data, version):
        data.pop("organization", None)
        return actions.update_site(self.request.user, obj, version=version, **data)


@_schema("facilities", s.FacilitySerializer, s.FacilityWriteSerializer)
class FacilityViewSet(RegistryViewSet):
    model = Facility
    serializer_class = s.FacilitySerializer
    write_serializer = s.FacilityWriteSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("site").prefetch_related("methods")

    def perform_action_create(self, data):
        site = (
            Site.objects.restrict(self.request.user, "view")
            .filter(pk=data.pop("site", None))
            .first()
        )
        if site is None:
            raise NotFound(
                _("%(what)s not found.") % {"what": Site._meta.verbose_name},
                code="not_found",
                field="site",
            )
        data.pop("is_active", None)
        for key in ("code", "name", "kind", "capacity_tonnes"):
            data.setdefault(key, "")
        return actions.create_facility(self.request.user, site, **data)

    def perform_action_update(self, obj, data, version):
        data.pop("site", None)
        return actions.update_facility(self.request.user, obj, version=version, **data)


@_schema("permits", s.PermitSerializer, s.PermitWriteSerializer)
class PermitViewSet(RegistryViewSet):
    model = Permit
    serializer_class = s.PermitSerializer
    write_serializer = s.PermitWriteSerializer

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("organization")
            .prefetch_related("scopes__waste_code", "scopes__category", "scopes__methods")
        )

    def _write_data(self, partial):
        data = super()._write_data(partial)
        if "scopes" in data:
            data["scopes"] = [dict(x) for x in data["scopes"]]
        return data

    def perform_action_create(self, data):
        org = _org_by_uscc(self.request, data.pop("organization", ""))
        for key in ("number", "issuer", "issued_on", "valid_from", "valid_until"):
            data.setdefault(key, None)
        data.setdefault("scopes", [])
        return actions.create_permit(self.request.user, org, **data)

    def perform_action_update(self, obj, data, version):
        data.pop("organization", None)
        return actions.update_permit(self.request.user, obj, version=version, **data)

    @extend_schema(
        summary="Suspend, revoke or restore a permit",
        request=s.PermitStatusSerializer,
        responses={200: s.PermitSerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"], url_path="status")
    @idempotent
    def set_status(self, request, pk=None):
        ser = s.PermitStatusSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        permit = actions.set_permit_status(
            request.user,
            self.get_object(),
            ser.validated_data["status"],
            reason=ser.validated_data["reason"],
        )
        return self._respond(permit)


@_schema("vehicles", s.VehicleSerializer, s.VehicleWriteSerializer)
class VehicleViewSet(RegistryViewSet):
    model = Vehicle
    serializer_class = s.VehicleSerializer
    write_serializer = s.VehicleWriteSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("organization")

    def perform_action_create(self, data):
        org = _org_by_uscc(self.request, data.pop("organization", ""))
        data.pop("is_active", None)
        for key in ("plate", "transport_permit_no", "load_limit_tonnes"):
            data.setdefault(key, "")
        return actions.create_vehicle(self.request.user, org, **data)

    def perform_action_update(self, obj, data, version):
        data.pop("organization", None)
        return actions.update_vehicle(self.request.user, obj, version=version, **data)


@_schema("drivers", s.DriverSerializer, s.DriverWriteSerializer)
class DriverViewSet(RegistryViewSet):
    model = Driver
    serializer_class = s.DriverSerializer
    write_serializer = s.DriverWriteSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("organization")

    def perform_action_create(self, data):
        org = _org_by_uscc(self.request, data.pop("organization", ""))
        data.pop("is_active", None)
        for key in ("name", "phone", "qualification_no"):
            data.setdefault(key, "")
        return actions.create_driver(self.request.user, org, **data)

    def perform_action_update(self, obj, data, version):
        data.pop("organization", None)
        return actions.update_driver(self.request.user, obj, version=version, **data)


@extend_schema_view(
    list=extend_schema(summary="List memberships"),
    retrieve=extend_schema(summary="Get a membership"),
    create=extend_schema(
        summary="Add a member",
        request=s.MembershipWriteSerializer,
        responses={201: s.MembershipSerializer},
        parameters=[IDEMPOTENCY],
    ),
    partial_update=extend_schema(
        summary="Change a member's role",
        request=s.MembershipWriteSerializer,
        responses={200: s.MembershipSerializer},
    ),
    destroy=extend_schema(
        summary="Remove a member (deactivates)", responses={200: s.MembershipSerializer}
    ),
)
class MembershipViewSet(RegistryViewSet):
    model = Membership
    serializer_class = s.MembershipSerializer
    write_serializer = s.MembershipWriteSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().select_related("organization", "user")

    def perform_action_create(self, data):
        org = _org_by_uscc(self.request, data.get("organization", ""))
        user = get_user_model().objects.filter(username=data.get("user", "")).first()
        if user is None:
            raise ValidationFailed(
                _("Unknown user %(user)s.") % {"user": data.get("user", "")},
                code="registry.user_unknown",
                field="user",
            )
        return actions.add_member(self.request.user, org, user, data["role"])

    def perform_action_update(self, obj, data, version):
        return actions.change_member_role(self.request.user, obj, data["role"])

    def destroy(self, request, *args, **kwargs):
        return self._respond(actions.remove_member(request.user, self.get_object()))
