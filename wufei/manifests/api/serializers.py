"""API shapes of transfer manifests (转移联单). Serializers only check shape; the actions in
``wufei.manifests.actions`` validate and write."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import (
    Manifest,
    ManifestItem,
    ManifestKind,
    ManifestLeg,
    ManifestLine,
    ManifestStatus,
    RefusalRoute,
    Signature,
)

TONNES: dict[str, Any] = {"max_digits": 14, "decimal_places": 4, "coerce_to_string": True}


class PartySerializer(serializers.Serializer):
    """An organisation on the manifest: its USCC (统一社会信用代码) and name."""

    id = serializers.IntegerField(read_only=True)
    uscc = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class LineSerializer(serializers.ModelSerializer):
    """A waste line (废物明细): planned, and what the receiver found."""

    code = serializers.CharField(source="code_text", read_only=True)
    quantity_tonnes = serializers.DecimalField(read_only=True, **TONNES)
    received_tonnes = serializers.DecimalField(read_only=True, allow_null=True, **TONNES)
    accepted_tonnes = serializers.DecimalField(read_only=True, allow_null=True, **TONNES)
    method = serializers.CharField(source="method.code", read_only=True)
    received_method = serializers.CharField(
        source="received_method.code", read_only=True, default=None
    )
    exemption = serializers.IntegerField(source="exemption_id", read_only=True, allow_null=True)

    class Meta:
        model = ManifestLine
        fields = [
            "position",
            "code",
            "name",
            "form",
            "hazard",
            "hazardous_components",
            "package_type",
            "package_count",
            "quantity_tonnes",
            "method",
            "exemption",
            "received_tonnes",
            "accepted_tonnes",
            "received_method",
            "outcome",
            "discrepancy",
            "note",
        ]
        read_only_fields = fields


class ItemSerializer(serializers.ModelSerializer):
    """A container on the manifest (一码贯通) with each scan along the trip."""

    code = serializers.CharField(source="container.ident_code", read_only=True)
    container_id = serializers.IntegerField(read_only=True)
    line = serializers.IntegerField(source="line.position", read_only=True)
    dispatch_tonnes = serializers.DecimalField(read_only=True, **TONNES)
    received_tonnes = serializers.DecimalField(read_only=True, allow_null=True, **TONNES)
    treatment_method = serializers.CharField(
        source="treatment_method.code", read_only=True, default=None
    )

    class Meta:
        model = ManifestItem
        fields = [
            "code",
            "container_id",
            "line",
            "status",
            "dispatch_tonnes",
            "loaded_at",
            "last_scanned_leg",
            "arrived_scanned_at",
            "received_tonnes",
            "refused",
            "refusal_reason",
            "label_mismatch",
            "treated_at",
            "treatment_method",
            "treatment_note",
        ]
        read_only_fields = fields


class LegSerializer(serializers.ModelSerializer):
    """A carrier's part of the trip (联运)."""

    carrier = PartySerializer(read_only=True)
    vehicle = serializers.CharField(source="vehicle.plate", read_only=True)
    vehicle_id = serializers.IntegerField(read_only=True)
    driver = serializers.CharField(source="driver.name", read_only=True)
    driver_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = ManifestLeg
        fields = [
            "sequence",
            "carrier",
            "vehicle",
            "vehicle_id",
            "driver",
            "driver_id",
            "handover_place",
            "started_at",
        ]
        read_only_fields = fields


class SignatureSerializer(serializers.ModelSerializer):
    """电子签名, countersigned by the platform (verify with ``/manifests/public-key``)."""

    organization = serializers.CharField(source="organization.uscc", read_only=True)

    class Meta:
        model = Signature
        fields = [
            "step",
            "leg",
            "revision",
            "signer_name",
            "role",
            "organization",
            "signed_at",
            "content_sha256",
            "key_id",
            "platform_signature",
        ]
        read_only_fields = fields


_MANIFEST_FIELDS = [
    "id",
    "number",
    "kind",
    "status",
    "version",
    "shipper",
    "shipper_site",
    "receiver",
    "receiver_site",
    "receiver_permit",
    "carrier",
    "vehicle",
    "vehicle_id",
    "driver",
    "driver_id",
    "origin_region",
    "destination_region",
    "is_cross_province",
    "approval",
    "planned_pickup_on",
    "planned_arrival_at",
    "route_note",
    "emergency_measures",
    "current_leg",
    "submitted_at",
    "picked_up_at",
    "arrived_at",
    "receipt_due_on",
    "received_at",
    "receipt_late",
    "outcome",
    "refusal_reason",
    "refusal_route",
    "has_discrepancy",
    "closed_at",
    "cancelled_at",
    "cancel_reason",
    "is_paper",
    "created_at",
    "updated_at",
]


class ManifestListSerializer(serializers.ModelSerializer):
    """One row of the manifest list (联单查询)."""

    shipper = PartySerializer(read_only=True)
    receiver = PartySerializer(read_only=True)
    carrier = PartySerializer(read_only=True)
    shipper_site = serializers.IntegerField(source="shipper_site_id", read_only=True)
    receiver_site = serializers.IntegerField(
        source="receiver_site_id", read_only=True, allow_null=True
    )
    receiver_permit = serializers.CharField(
        source="receiver_permit.number", read_only=True, default=None
    )
    vehicle = serializers.CharField(source="vehicle.plate", read_only=True)
    vehicle_id = serializers.IntegerField(read_only=True)
    driver = serializers.CharField(source="driver.name", read_only=True)
    driver_id = serializers.IntegerField(read_only=True)
    origin_region = serializers.CharField(source="origin_region.code", read_only=True)
    destination_region = serializers.CharField(source="destination_region.code", read_only=True)
    approval = serializers.IntegerField(source="approval_id", read_only=True, allow_null=True)

    class Meta:
        model = Manifest
        fields = _MANIFEST_FIELDS
        read_only_fields = fields


class ManifestSerializer(ManifestListSerializer):
    """A manifest with its lines, containers, carrier legs and signatures."""

    lines = LineSerializer(many=True, read_only=True)
    items = ItemSerializer(many=True, read_only=True)
    legs = LegSerializer(many=True, read_only=True)
    signatures = SignatureSerializer(many=True, read_only=True)

    class Meta(ManifestListSerializer.Meta):
        fields = [*_MANIFEST_FIELDS, "lines", "items", "legs", "signatures"]
        read_only_fields = fields


# --- Requests --------------------------------------------------------------------------------


class DraftSerializer(serializers.Serializer):
    """A draft (草稿). Organisations by USCC; site, vehicle, driver, permit by id; containers by
    identification code (or id); ``methods`` one code for all lines or ``{waste code: method}``."""

    shipper_site = serializers.IntegerField()
    receiver = serializers.CharField(max_length=18, help_text="the receiver's USCC")
    receiver_site = serializers.IntegerField(required=False, allow_null=True)
    receiver_permit = serializers.IntegerField(required=False, allow_null=True)
    carrier = serializers.CharField(max_length=18, help_text="the carrier's USCC")
    vehicle = serializers.IntegerField()
    driver = serializers.IntegerField()
    planned_pickup_on = serializers.DateField()
    planned_arrival_at = serializers.DateTimeField(required=False, allow_null=True)
    route_note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    emergency_measures = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    containers = serializers.ListField(
        child=serializers.CharField(max_length=40), allow_empty=False, max_length=2000
    )
    methods = serializers.JSONField(help_text='"D10" or {"900-041-49": "D10"}')
    exemptions = serializers.DictField(
        child=serializers.IntegerField(allow_null=True), required=False
    )
    kind = serializers.ChoiceField(ManifestKind.choices, required=False, allow_blank=True)

    def validate_methods(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
            return value
        raise serializers.ValidationError(
            _("Give one method code (e.g. D10) or an object {waste code: method code}."),
            code="invalid",
        )


class VersionOnlySerializer(serializers.Serializer):
    """Signing steps take no body; send ``If-Match`` with the ETag to refuse a stale copy."""


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ScanSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=300, help_text="the identification code or the QR URL")


class ScanLoadSerializer(ScanSerializer):
    label_waste_code = serializers.CharField(required=False, allow_blank=True, max_length=20)
    label_weight = serializers.DecimalField(
        required=False, allow_null=True, max_digits=14, decimal_places=4
    )


class ScanArrivalSerializer(ScanSerializer):
    weight_tonnes = serializers.DecimalField(max_digits=14, decimal_places=4)


class ScanResultSerializer(serializers.Serializer):
    item = ItemSerializer()
    already = serializers.BooleanField(help_text="this container was scanned before")
    remaining = serializers.IntegerField(help_text="containers still to scan at this step")
    status = serializers.ChoiceField(ManifestStatus.choices)
    version = serializers.IntegerField()


class LegWriteSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=18, help_text="the next carrier's USCC")
    vehicle = serializers.IntegerField()
    driver = serializers.IntegerField()
    handover_place = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ReceiptLineSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=1)
    method = serializers.CharField(required=False, allow_blank=True, max_length=10)
    discrepancies = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ReceiptSerializer(serializers.Serializer):
    refused = serializers.DictField(
        child=serializers.CharField(max_length=300, allow_blank=True),
        required=False,
        help_text="{container code: reason}",
    )
    lines = ReceiptLineSerializer(many=True, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    refusal_route = serializers.ChoiceField(RefusalRoute.choices, required=False, allow_blank=True)


class TreatmentSerializer(serializers.Serializer):
    codes = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        allow_empty=True,
        help_text="the containers treated; empty = every received container",
    )
    method = serializers.CharField(required=False, allow_blank=True, max_length=10)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)
