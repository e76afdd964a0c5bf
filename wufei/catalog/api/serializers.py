"""Read-only serializers for the catalogue API (no rules here: see ``catalog.queries``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    CatalogueEdition,
    Exemption,
    GeneralWasteCategory,
    Hazard,
    Region,
    TreatmentMethod,
    WasteCategory,
    WasteCode,
)


class CatalogueEditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogueEdition
        fields = ["code", "title", "decree", "effective_from", "effective_until", "is_current"]


class WasteCategorySerializer(serializers.ModelSerializer):
    edition = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = WasteCategory
        fields = ["edition", "code", "name"]


class WasteCodeSerializer(serializers.ModelSerializer):
    edition = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    hazards = serializers.ListField(
        child=serializers.ChoiceField(choices=Hazard.choices),
        read_only=True,
        help_text="Parsed hazard letters; `hazard` keeps the printed form and `hazard_mode` its meaning.",
    )

    class Meta:
        model = WasteCode
        fields = [
            "code",
            "edition",
            "category",
            "category_name",
            "industry_code",
            "industry_source",
            "description",
            "hazard",
            "hazard_mode",
            "hazards",
            "is_toxic",
            "is_corrosive",
            "is_ignitable",
            "is_reactive",
            "is_infectious",
            "source_page",
        ]


class ExemptionSerializer(serializers.ModelSerializer):
    edition = serializers.SlugRelatedField(slug_field="code", read_only=True)
    codes = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Exemption
        fields = [
            "id",
            "edition",
            "row",
            "item",
            "category_text",
            "waste",
            "stage",
            "stage_text",
            "condition",
            "content",
            "codes",
            "categories",
            "suspends_manifest",
            "suspends_permit",
            "suspends_transport_rules",
            "source_page",
        ]


class WasteCodeDetailSerializer(WasteCodeSerializer):
    exemptions = serializers.SerializerMethodField(
        help_text="Every exemption row that names this code or its category."
    )

    class Meta(WasteCodeSerializer.Meta):
        fields = [*WasteCodeSerializer.Meta.fields, "exemptions"]

    @extend_schema_field(ExemptionSerializer(many=True))
    def get_exemptions(self, obj: WasteCode) -> Any:
        rows = self.context.get("exemptions", [])
        return ExemptionSerializer(rows, many=True, context=self.context).data


class ExemptionAnswerSerializer(serializers.Serializer):
    """The answer to "is this code exempt at this stage?"."""

    code = serializers.CharField()
    edition = serializers.CharField()
    stage = serializers.CharField()
    exempt = serializers.BooleanField(
        help_text="True if at least one exemption covers the code at this stage (subject to its condition)."
    )
    exemptions = ExemptionSerializer(many=True)


class TreatmentMethodSerializer(serializers.ModelSerializer):
    verified_label = serializers.CharField(source="get_verified_display", read_only=True)

    class Meta:
        model = TreatmentMethod
        fields = ["code", "kind", "name", "verified", "verified_label"]


class GeneralWasteCategorySerializer(serializers.ModelSerializer):
    verified_label = serializers.CharField(source="get_verified_display", read_only=True)

    class Meta:
        model = GeneralWasteCategory
        fields = ["code_2021", "code_2024", "name", "verified", "verified_label"]


class RegionSerializer(serializers.ModelSerializer):
    # The metaclass moves declared fields into ``_declared_fields``, so this does not clash
    # with ``Field.parent`` at run time.
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[assignment]

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "prefix", "center_lon", "center_lat"]


class RegionDetailSerializer(RegionSerializer):
    boundary = serializers.SerializerMethodField(
        help_text="GeoJSON geometry (WGS-84, simplified) when requested with ?geometry=1, else null."
    )

    class Meta(RegionSerializer.Meta):
        fields = [*RegionSerializer.Meta.fields, "boundary"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_boundary(self, obj: Region) -> dict[str, Any] | None:
        return obj.boundary if self.context.get("geometry") else None
