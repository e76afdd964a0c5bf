"""Admin: read-only views of approvals (writes go through the pages and the API, which call
``approvals.actions``)."""

from django.contrib import admin

from wufei.registry.admin import ReadOnlyAdmin

from .models import ApprovalLine, ApprovalStep, CrossProvinceApproval, ProvincePair


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LineInline(_ReadOnlyInline):
    model = ApprovalLine
    fields = ("waste_code", "name", "method", "quantity_tonnes", "used_tonnes")
    readonly_fields = fields


class StepInline(_ReadOnlyInline):
    model = ApprovalStep
    fields = ("kind", "round", "started_at", "due_on", "done_at", "outcome", "note")
    readonly_fields = fields


@admin.register(CrossProvinceApproval)
class CrossProvinceApprovalAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "decision_number",
        "status",
        "applicant",
        "receiver",
        "origin_region",
        "destination_region",
        "valid_until",
    ]
    list_filter = ["status", "simplified"]
    search_fields = ["number", "decision_number", "applicant__name", "receiver__name"]
    inlines = [LineInline, StepInline]


@admin.register(ProvincePair)
class ProvincePairAdmin(ReadOnlyAdmin):
    list_display = ["origin", "destination", "white_list", "note"]
