"""API shapes. Serializers only check shape; the ledger actions validate and write."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from ..models import Container, LedgerEntry, ScaleDevice, ScaleReading

TONNES: dict[str, Any] = {"max_digits": 14, "decimal_places": 4, "coerce_to_string": True}


class EntrySerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.uscc", read_only=True)
    container = serializers.CharField(source="container.ident_code", read_only=True)
    container_id = serializers.IntegerField(read_only=True)
    quantity_tonnes = serializers.DecimalField(read_only=True, **TONNES)
    facility = serializers.CharField(source="facility.code", read_only=True, default=None)
    method = serializers.CharField(source="method.code", read_only=True, default=None)
    reversal_of = serializers.CharField(
        source="reversal_of.batch_number", read_only=True, default=None
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "batch_number",
            "kind",
            "at",
            "organization",
            "container",
            "container_id",
            "quantity_tonnes",
            "facility",
            "method",
            "operator",
            "transport_operator",
            "production_batch",
            "storage_batch",
            "destination",
            "reversal_of",
            "reason",
        ]
        read_only_fields = fields


class ContainerSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.uscc", read_only=True)
    waste_code = serializers.CharField(source="waste_code.code", read_only=True, default=None)
    catalogue_edition = serializers.CharField(
        source="waste_code.edition.code", read_only=True, default=None
    )
    general_category = serializers.CharField(
        source="general_category.code_2021", read_only=True, default=None
    )
    weight_tonnes = serializers.DecimalField(read_only=True, allow_null=True, **TONNES)
    volume_litres = serializers.DecimalField(max_digits=10, decimal_places=1, read_only=True)
    facility = serializers.CharField(source="facility.code", read_only=True, default=None)
    facility_id = serializers.IntegerField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()
    entries = EntrySerializer(many=True, read_only=True)

    class Meta:
        model = Container
        fields = [
            "id",
            "ident_code",
            "url",
            "organization",
            "site",
            "kind",
            "waste_code",
            "catalogue_edition",
            "general_category",
            "general_class",
            "plan_waste",
            "internal_name",
            "process",
            "form",
            "hazardous_components",
            "package_type",
            "volume_litres",
            "count",
            "weight_tonnes",
            "weighed_by",
            "weighed_at",
            "produced_on",
            "status",
            "facility",
            "facility_id",
            "stored_since",
            "version",
            "entries",
        ]
        read_only_fields = fields

    def get_url(self, obj: Container) -> str | None:
        return reverse("container_short", args=[obj.ident_code]) if obj.ident_code else None


class ProduceSerializer(serializers.Serializer):
    """Shape only: the action checks the plan, the catalogue and every value."""

    site = serializers.IntegerField()
    waste_code = serializers.CharField(required=False, allow_blank=True)
    general_category = serializers.CharField(required=False, allow_blank=True)
    general_class = serializers.CharField(required=False, allow_blank=True)
    internal_name = serializers.CharField(required=False, allow_blank=True)
    process = serializers.CharField(required=False, allow_blank=True)
    form = serializers.CharField(required=False, allow_blank=True)
    hazardous_components = serializers.CharField(required=False, allow_blank=True)
    package_type = serializers.CharField()
    volume_litres = serializers.CharField()
    count = serializers.IntegerField(required=False, default=1)
    produced_on = serializers.CharField(required=False, allow_blank=True)
    weight_tonnes = serializers.CharField(
        required=False, allow_blank=True, help_text="with a weight the container is also coded"
    )
    facility = serializers.IntegerField(
        required=False, allow_null=True, help_text="storage facility id: store it at once"
    )
    allow_over_capacity = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(required=False, allow_blank=True)
    operator = serializers.CharField(required=False, allow_blank=True)


class WeighSerializer(serializers.Serializer):
    weight_tonnes = serializers.CharField()
    operator = serializers.CharField(required=False, allow_blank=True)


class StoreInSerializer(serializers.Serializer):
    facility = serializers.IntegerField()
    allow_over_capacity = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(required=False, allow_blank=True)
    operator = serializers.CharField(required=False, allow_blank=True)
    transport_operator = serializers.CharField(required=False, allow_blank=True)


class StoreOutSerializer(serializers.Serializer):
    destination = serializers.CharField(allow_blank=True)
    operator = serializers.CharField(required=False, allow_blank=True)
    transport_operator = serializers.CharField(required=False, allow_blank=True)


class SelfTreatSerializer(serializers.Serializer):
    facility = serializers.IntegerField()
    method = serializers.CharField(help_text="treatment method code, e.g. R9, D10")
    operator = serializers.CharField(required=False, allow_blank=True)


class ShipOutSerializer(serializers.Serializer):
    receiver_name = serializers.CharField(allow_blank=True)
    method = serializers.CharField(help_text="treatment method code, e.g. R15, D1")
    receiver_permit_number = serializers.CharField(required=False, allow_blank=True)
    receiver_type = serializers.CharField(
        required=False, allow_blank=True, help_text="licensed / exempt / abroad"
    )
    manifest_number = serializers.CharField(
        required=False, allow_blank=True, help_text="required for hazardous waste"
    )


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class StepResultSerializer(serializers.Serializer):
    container = ContainerSerializer()
    warnings = serializers.ListField(child=serializers.CharField())


class ScaleReadingInSerializer(serializers.Serializer):
    device_id = serializers.CharField()
    reading_id = serializers.CharField()
    container = serializers.CharField(help_text="identification code, or the container id")
    weight_kg = serializers.CharField()


class ScaleReadingSerializer(serializers.ModelSerializer):
    device_id = serializers.CharField(source="device.device_id")
    container = serializers.CharField(source="container.ident_code", default=None)
    container_id = serializers.IntegerField()
    weight_kg = serializers.DecimalField(max_digits=12, decimal_places=1, coerce_to_string=True)
    weight_tonnes = serializers.DecimalField(**TONNES)
    deviation_tonnes = serializers.DecimalField(allow_null=True, **TONNES)
    container_status = serializers.CharField(source="container.status")

    class Meta:
        model = ScaleReading
        fields = [
            "device_id",
            "reading_id",
            "container",
            "container_id",
            "weight_kg",
            "weight_tonnes",
            "outcome",
            "deviation_tonnes",
            "container_status",
            "received_at",
        ]
        read_only_fields = fields


class ScaleDeviceSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.uscc", read_only=True)
    facility = serializers.IntegerField(source="facility_id", read_only=True, allow_null=True)

    class Meta:
        model = ScaleDevice
        fields = ["id", "device_id", "name", "organization", "facility", "is_active", "version"]
        read_only_fields = fields


class ScaleDeviceWriteSerializer(serializers.Serializer):
    organization = serializers.CharField(help_text="USCC of the organisation")
    device_id = serializers.CharField()
    name = serializers.CharField(required=False, allow_blank=True)
    facility = serializers.IntegerField(required=False, allow_null=True)


class ScaleTokenSerializer(ScaleDeviceSerializer):
    token = serializers.CharField(read_only=True, help_text="shown once: keep it in the scale")

    class Meta(ScaleDeviceSerializer.Meta):
        fields = [*ScaleDeviceSerializer.Meta.fields, "token"]
        read_only_fields = fields
