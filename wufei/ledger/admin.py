"""Admin: read-only views of the ledger (writes go through the pages and API, which call
``ledger.actions``; entries are append-only)."""

from django.contrib import admin

from wufei.registry.admin import ReadOnlyAdmin

from .models import Container, LedgerEntry, ScaleDevice, ScaleReading


@admin.register(Container)
class ContainerAdmin(ReadOnlyAdmin):
    list_display = ["ident_code", "organization", "kind", "waste_code", "status", "weight_tonnes"]
    list_filter = ["status", "kind", "package_type"]
    search_fields = ["ident_code", "internal_name", "organization__name"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["batch_number", "kind", "at", "container", "quantity_tonnes", "organization"]
    list_filter = ["kind"]
    search_fields = ["batch_number", "container__ident_code"]


@admin.register(ScaleDevice)
class ScaleDeviceAdmin(ReadOnlyAdmin):
    list_display = ["device_id", "organization", "facility", "is_active"]
    exclude = ["token_hash"]


@admin.register(ScaleReading)
class ScaleReadingAdmin(ReadOnlyAdmin):
    list_display = ["device", "reading_id", "container", "weight_kg", "outcome", "received_at"]
