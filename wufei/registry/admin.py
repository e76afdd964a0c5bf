"""Admin: read-only views of the registry (writes go through the pages, API and commands,
which call ``registry.actions``)."""

from django.contrib import admin

from .models import (
    Driver,
    Facility,
    Invitation,
    Membership,
    Organization,
    Permit,
    PermitScope,
    Site,
    Vehicle,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PermitScopeInline(admin.TabularInline):
    model = PermitScope
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = ["name", "uscc", "region", "management_class", "is_active"]
    list_filter = [
        "is_producer",
        "is_carrier",
        "is_receiver",
        "is_collector",
        "is_regulator",
        "management_class",
    ]
    search_fields = ["name", "uscc"]


@admin.register(Permit)
class PermitAdmin(ReadOnlyAdmin):
    list_display = ["number", "organization", "valid_from", "valid_until", "status"]
    search_fields = ["number", "organization__name"]
    inlines = [PermitScopeInline]


for model, fields in [
    (Site, ["name", "organization", "site_code", "region"]),
    (Facility, ["code", "name", "site", "kind", "capacity_tonnes"]),
    (Vehicle, ["plate", "organization", "load_limit_tonnes", "is_active"]),
    (Driver, ["name", "organization", "qualification_no", "is_active"]),
    (Membership, ["user", "organization", "role", "is_active"]),
    (Invitation, ["email", "organization", "role", "expires_at", "accepted_at", "revoked_at"]),
]:
    admin.site.register(
        model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": fields})
    )
