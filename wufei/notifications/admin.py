"""Admin: read-only views (writes go through the pages and the API, which call the actions)."""

from django.contrib import admin

from wufei.registry.admin import ReadOnlyAdmin

from .models import Notification, WebhookDelivery, WebhookEndpoint


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "organization", "event", "title", "read_at"]
    list_filter = ["event"]
    search_fields = ["title", "recipient__username", "object_label"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["url", "organization", "is_active", "consecutive_failures", "disabled_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "organization__name"]
    exclude = ["secret"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "endpoint", "event", "status", "attempts", "last_status_code"]
    list_filter = ["status", "event"]
    search_fields = ["event_id", "event"]
