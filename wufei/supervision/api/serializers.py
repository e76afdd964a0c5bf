"""Serializers of the supervision API: read shapes for warnings, notes, clues and cases, and the
inputs of each step (validated again by the actions)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import Case, Clue, ClueMatch, PublicReport, Warning, WarningNote


class WarningNoteSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()
    organization = serializers.CharField(source="organization.name", read_only=True)
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = WarningNote
        fields = [
            "id",
            "kind",
            "text",
            "author",
            "organization",
            "file_url",
            "file_sha256",
            "created_at",
        ]

    def get_file_url(self, obj: WarningNote) -> str | None:
        from django.urls import reverse

        return reverse("supervision:note_file", args=[obj.pk]) if obj.file else None


class WarningSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    organization = serializers.SerializerMethodField()
    assigned_to = serializers.SerializerMethodField()
    assignee = serializers.StringRelatedField()
    manifest = serializers.CharField(source="manifest.number", default=None, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Warning
        fields = [
            "id",
            "rule",
            "severity",
            "status",
            "title",
            "summary",
            "evidence",
            "region",
            "region_name",
            "organization",
            "assigned_to",
            "assignee",
            "escalated",
            "manifest",
            "finding",
            "latitude",
            "longitude",
            "raised_at",
            "stage_due_at",
            "overdue",
            "verification",
            "verified_at",
            "rectification",
            "rectification_due_on",
            "response",
            "responded_at",
            "closing_note",
            "closed_at",
            "dismissed_reason",
            "version",
        ]

    def get_organization(self, obj: Warning) -> dict[str, Any] | None:
        o = obj.organization
        return {"id": o.pk, "uscc": o.uscc, "name": o.name} if o else None

    def get_assigned_to(self, obj: Warning) -> dict[str, Any] | None:
        o = obj.assigned_to
        return {"id": o.pk, "name": o.name} if o else None

    def get_overdue(self, obj: Warning) -> bool:
        from ..queries import is_overdue

        return is_overdue(obj)


class WarningDetailSerializer(WarningSerializer):
    notes = serializers.SerializerMethodField()

    class Meta(WarningSerializer.Meta):
        fields = [*WarningSerializer.Meta.fields, "notes"]

    def get_notes(self, obj: Warning) -> Any:
        user = self.context["request"].user
        notes = WarningNote.objects.restrict(user, "view").filter(warning=obj)
        return WarningNoteSerializer(notes.select_related("author", "organization"), many=True).data


class NoteIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    file = serializers.FileField(required=False, allow_null=True, default=None)


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RectifyIn(serializers.Serializer):
    measures = serializers.CharField(required=False, allow_blank=True, default="")
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


class RespondIn(serializers.Serializer):
    response = serializers.CharField(required=False, allow_blank=True, default="")
    file = serializers.FileField(required=False, allow_null=True, default=None)


class ClueMatchSerializer(serializers.ModelSerializer):
    manifest = serializers.CharField(source="finding.trip.manifest.number", read_only=True)
    manifest_id = serializers.IntegerField(source="finding.trip.manifest_id", read_only=True)
    plate = serializers.CharField(source="finding.trip.manifest.vehicle.plate", read_only=True)
    carrier = serializers.CharField(source="finding.trip.manifest.carrier.name", read_only=True)
    stop_started_at = serializers.DateTimeField(source="finding.started_at", read_only=True)
    stop_ended_at = serializers.DateTimeField(source="finding.ended_at", read_only=True)

    class Meta:
        model = ClueMatch
        fields = [
            "finding",
            "manifest",
            "manifest_id",
            "plate",
            "carrier",
            "distance_m",
            "hours_apart",
            "stop_started_at",
            "stop_ended_at",
        ]


class ClueSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Clue
        fields = [
            "id",
            "number",
            "source",
            "status",
            "latitude",
            "longitude",
            "region",
            "region_name",
            "observed_at",
            "description",
            "address",
            "verification",
            "verified_at",
            "dismissed_reason",
            "created_at",
            "version",
        ]


class ClueDetailSerializer(ClueSerializer):
    matches = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    case = serializers.SerializerMethodField()

    class Meta(ClueSerializer.Meta):
        fields = [*ClueSerializer.Meta.fields, "matches", "photos", "case"]

    def get_matches(self, obj: Clue) -> Any:
        user = self.context["request"].user
        qs = (
            ClueMatch.objects.restrict(user, "view")
            .filter(clue=obj)
            .select_related("finding__trip__manifest__vehicle", "finding__trip__manifest__carrier")
        )
        return ClueMatchSerializer(qs, many=True).data

    def get_photos(self, obj: Clue) -> list[dict[str, Any]]:
        from django.urls import reverse

        return [
            {"id": a.pk, "url": reverse("supervision:clue_photo", args=[a.pk]), "sha256": a.sha256}
            for a in obj.attachments.all()
        ]

    def get_case(self, obj: Clue) -> int | None:
        case = Case.objects.filter(clue=obj).values_list("pk", flat=True).first()
        return case


class ClueIn(serializers.Serializer):
    source = serializers.CharField()  # type: ignore[assignment]  # the clue's source, not Field.source
    latitude = serializers.CharField(required=False, allow_blank=True, default="")
    longitude = serializers.CharField(required=False, allow_blank=True, default="")
    observed_at = serializers.CharField(required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    address = serializers.CharField(required=False, allow_blank=True, default="")


class OpenCaseIn(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, default="")
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    organization = serializers.IntegerField(required=False, allow_null=True, default=None)


class CaseSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    organization = serializers.SerializerMethodField()
    bureau = serializers.CharField(source="bureau.name", read_only=True)
    clue = serializers.CharField(source="clue.number", default=None, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "status",
            "title",
            "clue",
            "warning",
            "region",
            "organization",
            "bureau",
            "findings",
            "penalty_reference",
            "penalty_amount",
            "rectification",
            "rectification_due_on",
            "response",
            "opened_at",
            "closed_at",
            "closing_note",
            "version",
        ]

    def get_organization(self, obj: Case) -> dict[str, Any] | None:
        o = obj.organization
        return {"id": o.pk, "name": o.name} if o else None


class CaseRectifyIn(serializers.Serializer):
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    measures = serializers.CharField(required=False, allow_blank=True, default="")
    due_on = serializers.DateField()
    penalty_reference = serializers.CharField(required=False, allow_blank=True, default="")
    penalty_amount = serializers.CharField(required=False, allow_blank=True, default="")


class PublicReportIn(serializers.Serializer):
    description = serializers.CharField(required=False, allow_blank=True, default="")
    observed_at = serializers.CharField(required=False, allow_blank=True, default="")
    latitude = serializers.CharField(required=False, allow_blank=True, default="")
    longitude = serializers.CharField(required=False, allow_blank=True, default="")
    name = serializers.CharField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=5
    )


class FollowUpSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="clue.number")
    clue_status = serializers.CharField(source="clue.status")
    case_status = serializers.SerializerMethodField()

    class Meta:
        model = PublicReport
        fields = [
            "number",
            "clue_status",
            "case_status",
            "reward_status",
            "reward_amount",
            "created_at",
        ]

    def get_case_status(self, obj: PublicReport) -> str | None:
        return Case.objects.filter(clue_id=obj.clue_id).values_list("status", flat=True).first()
