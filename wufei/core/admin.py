"""Admin: users, and the audit log read-only (no add, change or delete, for anyone)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AuditEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("wufei", {"fields": ("display_name", "phone")}))  # type: ignore[misc]
    list_display = ("username", "display_name", "email", "is_active", "is_superuser", "last_login")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("seq", "at", "actor_repr", "action", "object_repr", "request_id")
    list_filter = ("action",)
    search_fields = ("action", "object_repr", "object_id", "request_id")
    ordering = ("-seq",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
