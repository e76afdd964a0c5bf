"""API shapes. Serializers only check shape; the actions validate and write."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import (
    Driver,
    Facility,
    FacilityKind,
    ManagementClass,
    Membership,
    MembershipRole,
    Organization,
    OrgRole,
    Permit,
    PermitScope,
    Site,
    Vehicle,
)

TONNES: dict[str, Any] = {"max_digits": 14, "decimal_places": 4, "coerce_to_string": True}


class OrganizationSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", help_text="GB/T 2260 region code")
    roles = serializers.ListField(child=serializers.ChoiceField(OrgRole.choices), allow_empty=False)
    annual_hazardous_tonnes = serializers.DecimalField(required=False, allow_null=True, **TONNES)
    management_class_derived = serializers.CharField(
        read_only=True, help_text="key / simplified / registered"
    )

    class Meta:
        model = Organization
        fields = [
            "uscc",
            "name",
            "region",
            "roles",
            "address",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "contact_email",
            "industry_code",
            "industry_name",
            "annual_hazardous_tonnes",
            "management_class",
            "management_class_derived",
            "management_class_overridden",
            "management_class_reason",
            "is_active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "management_class",
            "management_class_derived",
            "management_class_overridden",
            "management_class_reason",
            "version",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"uscc": {"validators": []}, "contact_email": {"required": False}}


class OrganizationWriteSerializer(serializers.Serializer):
    """Shape only (no rules): the action validates the code, region and every field."""

    uscc = serializers.CharField(required=False)
    name = serializers.CharField(required=False, allow_blank=True)
    region = serializers.CharField(required=False)
    roles = serializers.ListField(child=serializers.CharField(), required=False)
    address = serializers.CharField(required=False, allow_blank=True)
    legal_representative = serializers.CharField(required=False, allow_blank=True)
    contact_name = serializers.CharField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(required=False, allow_blank=True)
    contact_email = serializers.CharField(required=False, allow_blank=True)
    industry_code = serializers.CharField(required=False, allow_blank=True)
    industry_name = serializers.CharField(required=False, allow_blank=True)
    annual_hazardous_tonnes = serializers.CharField(
        required=False, allow_null=True, allow_blank=True
    )
    is_active = serializers.BooleanField(required=False)


class ManagementClassSerializer(serializers.Serializer):
    management_class = serializers.ChoiceField(
        ManagementClass.choices,
        required=False,
        allow_blank=True,
        help_text="empty with clear=true returns to the derived class",
    )
    reason = serializers.CharField(allow_blank=True)
    clear = serializers.BooleanField(required=False, default=False)


class SiteSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.uscc")
    region = serializers.CharField(source="region.code")

    class Meta:
        model = Site
        fields = [
            "id",
            "organization",
            "name",
            "site_code",
            "region",
            "address",
            "longitude",
            "latitude",
            "is_active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "created_at", "updated_at"]


class FacilitySerializer(serializers.ModelSerializer):
    site = serializers.IntegerField(source="site_id")
    kind = serializers.ChoiceField(FacilityKind.choices)
    capacity_tonnes = serializers.DecimalField(**TONNES)
    methods = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Facility
        fields = [
            "id",
            "site",
            "code",
            "name",
            "kind",
            "facility_type",
            "capacity_tonnes",
            "methods",
            "is_active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "created_at", "updated_at"]


class FacilityWriteSerializer(serializers.Serializer):
    site = serializers.IntegerField(required=False)
    code = serializers.CharField(required=False)
    name = serializers.CharField(required=False)
    kind = serializers.CharField(required=False)
    facility_type = serializers.CharField(required=False, allow_blank=True)
    capacity_tonnes = serializers.CharField(required=False)
    methods = serializers.ListField(child=serializers.CharField(), required=False)
    is_active = serializers.BooleanField(required=False)


class PermitScopeSerializer(serializers.ModelSerializer):
    waste_code = serializers.CharField(source="waste_code.code", allow_null=True, required=False)
    category = serializers.CharField(source="category.code", allow_null=True, required=False)
    annual_capacity_tonnes = serializers.DecimalField(**TONNES)
    methods = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = PermitScope
        fields = ["waste_code", "category", "annual_capacity_tonnes", "methods"]


class PermitSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.uscc")
    scopes = PermitScopeSerializer(many=True)

    class Meta:
        model = Permit
        fields = [
            "id",
            "organization",
            "site",
            "number",
            "issuer",
            "issued_on",
            "valid_from",
            "valid_until",
            "status",
            "is_comprehensive",
            "scopes",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "version", "created_at", "updated_at"]


class ScopeWriteSerializer(serializers.Serializer):
    waste_code = serializers.CharField(required=False, allow_null=True)
    category = serializers.CharField(required=False, allow_null=True)
    annual_capacity_tonnes = serializers.CharField()
    methods = serializers.ListField(child=serializers.CharField(), required=False)


class PermitWriteSerializer(serializers.Serializer):
    organization = serializers.CharField(required=False, help_text="holder's USCC (create only)")
    site = serializers.IntegerField(required=False, allow_null=True)
    number = serializers.CharField(required=False)
    issuer = serializers.CharField(required=False)
    issued_on = serializers.DateField(required=False)
    valid_from = serializers.DateField(required=False)
    valid_until = serializers.DateField(required=False)
    is_comprehensive = serializers.BooleanField(required=False)
    scopes = ScopeWriteSerializer(many=True, required=False)


class PermitStatusSerializer(serializers.Serializer):
    status = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)


class VehicleSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.uscc")
    load_limit_tonnes = serializers.DecimalField(**TONNES)

    class Meta:
        model = Vehicle
        fields = [
            "id",
            "organization",
            "plate",
            "transport_permit_no",
            "dangerous_goods",
            "vehicle_type",
            "load_limit_tonnes",
            "terminal_id",
            "is_active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "created_at", "updated_at"]


class VehicleWriteSerializer(serializers.Serializer):
    organization = serializers.CharField(required=False, help_text="carrier's USCC (create only)")
    plate = serializers.CharField(required=False)
    transport_permit_no = serializers.CharField(required=False)
    dangerous_goods = serializers.BooleanField(required=False)
    vehicle_type = serializers.CharField(required=False, allow_blank=True)
    load_limit_tonnes = serializers.CharField(required=False)
    terminal_id = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class DriverSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.uscc")

    class Meta:
        model = Driver
        fields = [
            "id",
            "organization",
            "user",
            "name",
            "phone",
            "qualification_no",
            "qualification_valid_until",
            "is_active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "created_at", "updated_at"]


class DriverWriteSerializer(serializers.Serializer):
    organization = serializers.CharField(required=False, help_text="carrier's USCC (create only)")
    user = serializers.CharField(required=False, allow_null=True)
    name = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    qualification_no = serializers.CharField(required=False)
    qualification_valid_until = serializers.DateField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)


class MembershipSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.uscc")
    user = serializers.CharField(source="user.username")

    class Meta:
        model = Membership
        fields = ["id", "organization", "user", "role", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]


class MembershipWriteSerializer(serializers.Serializer):
    organization = serializers.CharField(required=False)
    user = serializers.CharField(required=False, help_text="username")
    role = serializers.ChoiceField(MembershipRole.choices)
