"""Read-only admin for the reference data: it changes only through ``load_reference_data``."""

from __future__ import annotations

from django.contrib import admin

from .models import (
    CatalogueEdition,
    Exemption,
    GeneralWasteCategory,
    Region,
    TreatmentMethod,
    WasteCategory,
    WasteCode,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CatalogueEdition)
class CatalogueEditionAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "decree", "effective_from", "effective_until", "is_current"]


@admin.register(WasteCategory)
class WasteCategoryAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "edition"]
    list_filter = ["edition"]


@admin.register(WasteCode)
class WasteCodeAdmin(ReadOnlyAdmin):
    list_display = ["code", "category", "industry_source", "hazard", "edition"]
    list_filter = [
        "edition",
        "hazard_mode",
        "is_toxic",
        "is_corrosive",
        "is_ignitable",
        "is_reactive",
    ]
    search_fields = ["code", "description", "industry_source"]
    list_select_related = ["category", "edition"]


@admin.register(Exemption)
class ExemptionAdmin(ReadOnlyAdmin):
    list_display = ["row", "item", "category_text", "stage", "edition"]
    list_filter = ["edition", "stage"]
    search_fields = ["category_text", "waste", "condition"]


@admin.register(GeneralWasteCategory)
class GeneralWasteCategoryAdmin(ReadOnlyAdmin):
    list_display = ["code_2021", "code_2024", "name", "verified"]


@admin.register(TreatmentMethod)
class TreatmentMethodAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "name", "verified"]
    list_filter = ["kind", "verified"]


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    exclude = ["boundary"]
