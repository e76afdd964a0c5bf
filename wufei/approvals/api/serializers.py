"""API shapes for approvals. Serializers only check shape; the actions validate and write."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from .. import rules
from ..models import ApprovalDocument, ApprovalLine, ApprovalStep, CrossProvinceApproval

TONNES: dict[str, Any] = {"max_digits": 14, "decimal_places": 4, "coerce_to_string": True}


@extend_schema_serializer(component_name="ApprovalLine")
class LineSerializer(serializers.ModelSerializer):
    waste_code = serializers.CharField(source="waste_code.code")
    category = serializers.CharField(source="waste_code.category.code", read_only=True)
    method = serializers.CharField(source="method.code")
    quantity_tonnes = serializers.DecimalField(**TONNES)
    used_tonnes = serializers.DecimalField(**TONNES)
    remaining_tonnes = serializers.DecimalField(read_only=True, **TONNES)

    class Meta:
        model = ApprovalLine
        fields = [
            "id",
            "waste_code",
            "category",
            "name",
            "method",
            "quantity_tonnes",
            "used_tonnes",
            "remaining_tonnes",
        ]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()
    late = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalStep
        fields = [
            "id",
            "kind",
            "round",
            "started_at",
            "due_on",
            "done_at",
            "outcome",
            "note",
            "overdue",
            "late",
        ]
        read_only_fields = fields

    def get_overdue(self, step: ApprovalStep) -> bool:
        """Open and past its due day."""
        return step.done_at is None and timezone.localdate() > step.due_on

    def get_late(self, step: ApprovalStep) -> bool:
        """Done after its due day."""
        return step.done_at is not None and timezone.localdate(step.done_at) > step.due_on


class DocumentSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalDocument
        fields = ["id", "kind", "title", "sha256", "uploaded_at", "download"]
        read_only_fields = fields

    def get_download(self, doc: ApprovalDocument) -> str:
        return reverse("approvals:document_file", args=[doc.pk])


class ApprovalSerializer(serializers.ModelSerializer):
    applicant = serializers.CharField(source="applicant.uscc")
    applicant_name = serializers.CharField(source="applicant.name")
    applicant_site = serializers.IntegerField(source="applicant_site_id")
    receiver = serializers.CharField(source="receiver.uscc")
    receiver_name = serializers.CharField(source="receiver.name")
    receiver_permit = serializers.CharField(source="receiver_permit.number")
    origin_region = serializers.CharField(source="origin_region.code")
    destination_region = serializers.CharField(source="destination_region.code")
    lines = LineSerializer(many=True)
    steps = StepSerializer(many=True)
    documents = DocumentSerializer(many=True)

    class Meta:
        model = CrossProvinceApproval
        fields = [
            "id",
            "number",
            "decision_number",
            "status",
            "applicant",
            "applicant_name",
            "applicant_site",
            "receiver",
            "receiver_name",
            "receiver_permit",
            "origin_region",
            "destination_region",
            "requested_from",
            "requested_until",
            "valid_from",
            "valid_until",
            "simplified",
            "purpose",
            "decision_note",
            "submitted_at",
            "decided_at",
            "lines",
            "steps",
            "documents",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class LineWriteSerializer(serializers.Serializer):
    waste_code = serializers.CharField(allow_blank=True)
    name = serializers.CharField(allow_blank=True)
    method = serializers.CharField(allow_blank=True)
    quantity_tonnes = serializers.CharField(allow_blank=True)


class ApprovalWriteSerializer(serializers.Serializer):
    """Shape only: the receiver by credit code, its permit by number, dates as YYYY-MM-DD."""

    applicant_site = serializers.IntegerField(required=False)
    receiver = serializers.CharField(required=False, allow_blank=True)
    receiver_permit = serializers.CharField(required=False, allow_blank=True)
    requested_from = serializers.CharField(required=False, allow_blank=True)
    requested_until = serializers.CharField(required=False, allow_blank=True)
    purpose = serializers.CharField(required=False, allow_blank=True)
    lines = LineWriteSerializer(many=True, required=False)


class DocumentWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=rules.DocumentKind.choices)
    title = serializers.CharField(required=False, allow_blank=True, default="")
    file = serializers.FileField()


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class IncompleteSerializer(serializers.Serializer):
    missing = serializers.CharField(allow_blank=True)


class OpinionSerializer(serializers.Serializer):
    agree = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    decision_number = serializers.CharField(required=False, allow_blank=True, default="")
    valid_from = serializers.CharField(required=False, allow_blank=True, default="")
    valid_until = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
