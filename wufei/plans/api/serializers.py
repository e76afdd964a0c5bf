"""API shapes for plans. Serializers only check shape; the actions validate and write."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import ManagementPlan, PlanReduction, PlanWaste

TONNES: dict[str, Any] = {"max_digits": 14, "decimal_places": 4, "coerce_to_string": True}


class PlanWasteSerializer(serializers.ModelSerializer):
    waste_code = serializers.CharField(source="waste_code.code")
    catalogue_edition = serializers.CharField(source="waste_code.edition.code", read_only=True)
    category = serializers.CharField(source="waste_code.category.code", read_only=True)
    hazard = serializers.CharField(source="waste_code.hazard", read_only=True)
    annual_tonnes = serializers.DecimalField(**TONNES)
    storage_facility = serializers.CharField(
        source="storage_facility.code", allow_null=True, default=None
    )
    storage_remaining_tonnes = serializers.DecimalField(allow_null=True, **TONNES)
    treatment_facility = serializers.CharField(
        source="treatment_facility.code", allow_null=True, default=None
    )
    treatment_method = serializers.CharField(
        source="treatment_method.code", allow_null=True, default=None
    )
    treatment_tonnes = serializers.DecimalField(allow_null=True, **TONNES)
    transfer_tonnes = serializers.DecimalField(allow_null=True, **TONNES)
    transfer_method = serializers.CharField(
        source="transfer_method.code", allow_null=True, default=None
    )
    receiver = serializers.CharField(source="receiver.uscc", allow_null=True, default=None)

    class Meta:
        model = PlanWaste
        fields = [
            "id",
            "source_facility",
            "process",
            "internal_name",
            "waste_code",
            "catalogue_edition",
            "category",
            "hazard",
            "hazardous_components",
            "form",
            "annual_tonnes",
            "internal_treatment",
            "storage_facility",
            "packaging",
            "storage_remaining_tonnes",
            "treatment_facility",
            "treatment_method",
            "treatment_tonnes",
            "transfer_type",
            "transfer_tonnes",
            "transfer_method",
            "receiver_type",
            "receiver",
            "receiver_permit_number",
            "version",
        ]


class PlanWasteWriteSerializer(serializers.Serializer):
    """Shape only: codes as text (waste code, facility codes, method codes, receiver USCC)."""

    source_facility = serializers.CharField(required=False, allow_blank=True)
    process = serializers.CharField(required=False, allow_blank=True)
    internal_name = serializers.CharField(required=False, allow_blank=True)
    waste_code = serializers.CharField(required=False, allow_blank=True)
    hazardous_components = serializers.CharField(required=False, allow_blank=True)
    form = serializers.CharField(required=False, allow_blank=True)
    annual_tonnes = serializers.CharField(required=False, allow_blank=True)
    internal_treatment = serializers.CharField(required=False, allow_blank=True)
    storage_facility = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    packaging = serializers.CharField(required=False, allow_blank=True)
    storage_remaining_tonnes = serializers.CharField(
        required=False, allow_blank=True, allow_null=True
    )
    treatment_facility = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    treatment_method = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    treatment_tonnes = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    transfer_type = serializers.CharField(required=False, allow_blank=True)
    transfer_tonnes = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    transfer_method = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    receiver_type = serializers.CharField(required=False, allow_blank=True)
    receiver = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    receiver_permit_number = serializers.CharField(required=False, allow_blank=True)


class PlanReductionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanReduction
        fields = ["id", "measure", "expected_effect"]


class ManagementPlanSerializer(serializers.ModelSerializer):
    site = serializers.IntegerField(source="site_id")
    organization = serializers.CharField(source="site.organization.uscc", read_only=True)
    supersedes = serializers.IntegerField(source="supersedes_id", read_only=True, allow_null=True)
    wastes = PlanWasteSerializer(many=True, read_only=True)
    reductions = PlanReductionSerializer(many=True, read_only=True)

    class Meta:
        model = ManagementPlan
        fields = [
            "id",
            "site",
            "organization",
            "year",
            "revision",
            "supersedes",
            "is_current",
            "status",
            "management_class",
            "technical_lead",
            "technical_lead_phone",
            "eia_reference",
            "pollutant_permit_number",
            "amendment_reason",
            "filing_number",
            "filed_at",
            "is_late",
            "basic_info",
            "receipt_digest",
            "wastes",
            "reductions",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ManagementPlanWriteSerializer(serializers.Serializer):
    site = serializers.IntegerField(required=False)
    year = serializers.CharField(required=False)
    technical_lead = serializers.CharField(required=False, allow_blank=True)
    technical_lead_phone = serializers.CharField(required=False, allow_blank=True)
    eia_reference = serializers.CharField(required=False, allow_blank=True)
    pollutant_permit_number = serializers.CharField(required=False, allow_blank=True)


class AmendSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class ReductionWriteSerializer(serializers.Serializer):
    measure = serializers.CharField(allow_blank=True)
    expected_effect = serializers.CharField(required=False, allow_blank=True)
