"""Admin: read-only views of plans (writes go through the pages and API, which call
``plans.actions``)."""

from django.contrib import admin

from wufei.registry.admin import ReadOnlyAdmin

from .models import Declaration, DeclarationLine, ManagementPlan, PlanReduction, PlanWaste


class PlanWasteInline(admin.TabularInline):
    model = PlanWaste
    extra = 0
    can_delete = False
    fields = ("waste_code", "internal_name", "process", "form", "annual_tonnes", "transfer_type")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ManagementPlan)
class ManagementPlanAdmin(ReadOnlyAdmin):
    list_display = ["site", "year", "revision", "status", "filing_number", "is_current", "is_late"]
    list_filter = ["status", "year", "management_class", "is_late"]
    search_fields = ["filing_number", "site__name", "site__organization__name"]
    inlines = [PlanWasteInline]


@admin.register(PlanReduction)
class PlanReductionAdmin(ReadOnlyAdmin):
    list_display = ["plan", "measure"]


class DeclarationLineInline(admin.TabularInline):
    model = DeclarationLine
    extra = 0
    can_delete = False
    fields = ("section", "waste_code", "method_code", "receiver_name", "opening_tonnes", "tonnes")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    list_display = ["site", "period_kind", "year", "number", "revision", "status", "deadline"]
    list_filter = ["status", "period_kind", "year", "is_late"]
    search_fields = ["site__name", "site__organization__name", "site__organization__uscc"]
    inlines = [DeclarationLineInline]
