"""API shapes. Serializers check shape only; the actions validate and write."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Notification, WebhookDelivery, WebhookEndpoint


class NotificationSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.uscc", read_only=True)
    object_type = serializers.SerializerMethodField()
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "event",
            "event_id",
            "title",
            "body",
            "url",
            "organization",
            "object_type",
            "object_id",
            "object_label",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_object_type(self, obj: Notification) -> str | None:
        ct = obj.content_type
        return f"{ct.app_label}.{ct.model}" if ct else None


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class UnreadSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class EndpointSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.uscc", read_only=True)
    events = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "organization",
            "url",
            "description",
            "events",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EndpointSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="shown only in this answer")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class EndpointWriteSerializer(serializers.Serializer):
    organization = serializers.CharField(
        max_length=18, required=True, help_text="统一社会信用代码 of the organisation"
    )
    url = serializers.CharField(max_length=500)
    events = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        help_text='["*"] (default), exact names ("manifest.submitted") or families ("manifest.*")',
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class EndpointUpdateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, required=False)
    events = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class DisableSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class DeliverySerializer(serializers.ModelSerializer):
    endpoint = serializers.IntegerField(source="endpoint_id", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_id",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
            "payload",
        ]
        read_only_fields = fields
