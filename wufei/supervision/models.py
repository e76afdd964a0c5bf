"""Warnings and their closed loop (预警 · 发现→分级预警→核实→整改→销号).

A warning is raised by a rule of the registry (``rules.py``) for one *fact* (a stop of a trip,
a receipt overdue on a manifest, a container stored past a year…), never twice for the same
fact (unique rule × fact key). It is assigned to the county bureau of the subject's area and
escalated to the city bureau when a stage is overdue; the bureau verifies it (notes, photos,
files), requires rectification from the enterprise with a deadline, the enterprise responds,
and the bureau closes it (销号) — or dismisses it with a reason. Deadlines depend on the
severity (red / orange / yellow). Every step is an action, audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wufei.catalog.models import Region
from wufei.core.permissions import ADMIN, MEMBER, Policy, RestrictedManager
from wufei.manifests.models import Manifest
from wufei.registry.models import Organization
from wufei.trips.models import Finding


class Severity(models.TextChoices):
    RED = "red", _("Red (红色)")
    ORANGE = "orange", _("Orange (橙色)")
    YELLOW = "yellow", _("Yellow (黄色)")


class WarningStatus(models.TextChoices):
    OPEN = "open", _("Raised (待处理)")
    ASSIGNED = "assigned", _("Assigned (已分派)")
    VERIFYING = "verifying", _("Verifying (核实中)")
    RECTIFYING = "rectifying", _("Rectifying (整改中)")
    CLOSED = "closed", _("Closed (已销号)")
    DISMISSED = "dismissed", _("Dismissed (已排除)")


WARNING_POLICY = Policy(
    org_path="organization",
    region_path="region__prefix",
    view_roles=frozenset({ADMIN, MEMBER}),
    add_roles=frozenset(),
    change_roles=frozenset({ADMIN, MEMBER}),
    regulator_actions=frozenset({"view", "change"}),
    admin_actions=frozenset({"view"}),
)


class Warning(models.Model):  # noqa: A001 - the domain's word (预警)
    """预警: one fact found by one rule, and where it is in the loop."""

    rule = models.CharField(_("rule"), max_length=40, db_index=True)
    fact_key = models.CharField(_("fact"), max_length=200)
    severity = models.CharField(_("severity"), max_length=6, choices=Severity.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=WarningStatus.choices,
        default=WarningStatus.OPEN,
        db_index=True,
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="warnings",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("area"), on_delete=models.PROTECT, related_name="warnings"
    )
    assigned_to = models.ForeignKey(
        Organization,
        verbose_name=_("bureau in charge"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="warnings_assigned",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalated = models.BooleanField(_("escalated to the city"), default=False)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    manifest = models.ForeignKey(
        Manifest,
        verbose_name=_("manifest"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="warnings",
    )
    finding = models.ForeignKey(
        Finding,
        verbose_name=_("track finding"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="warnings",
    )
    subject_type = models.CharField(_("subject type"), max_length=60, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=40, blank=True)
    subject_repr = models.CharField(_("subject"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    raised_at = models.DateTimeField(_("raised"), db_index=True)
    stage_due_at = models.DateTimeField(_("current step due"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verification = models.TextField(_("verification result"), blank=True)
    rectification = models.TextField(_("rectification required"), blank=True)
    rectification_due_on = models.DateField(_("rectify by"), null=True, blank=True)
    response = models.TextField(_("enterprise's response"), blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    dismissed_reason = models.TextField(_("reason for dismissal"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = WARNING_POLICY

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "fact_key"], name="supervision_warning_once")
        ]
        indexes = [
            models.Index(fields=["status", "severity"]),
            models.Index(fields=["assigned_to", "status"]),
            models.Index(fields=["region", "status"]),
        ]
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")

    def __str__(self) -> str:
        return f"{self.get_severity_display()} · {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("supervision:warning", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status not in (WarningStatus.CLOSED, WarningStatus.DISMISSED)


class NoteKind(models.TextChoices):
    VERIFICATION = "verification", _("Verification evidence (核实)")
    RECTIFICATION = "rectification", _("Rectification required (整改要求)")
    RESPONSE = "response", _("Enterprise's response (整改反馈)")
    COMMENT = "comment", _("Comment")


class WarningNote(models.Model):
    """Evidence and correspondence on a warning: notes with photos and files."""

    warning = models.ForeignKey(
        Warning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="notes"
    )
    kind = models.CharField(_("kind"), max_length=14, choices=NoteKind.choices)
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("attachment"), upload_to="warnings/", blank=True)
    file_sha256 = models.CharField(_("attachment SHA-256"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    objects = RestrictedManager()
    policy = Policy(
        org_path="warning__organization",
        region_path="warning__region__prefix",
        view_roles=frozenset({ADMIN, MEMBER}),
        add_roles=frozenset({ADMIN, MEMBER}),
        change_roles=frozenset(),
        regulator_actions=frozenset({"view", "add"}),
        admin_actions=frozenset({"view"}),
    )

    class Meta:
        ordering = ["warning", "created_at", "pk"]
        verbose_name = _("warning note")
        verbose_name_plural = _("warning notes")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.text[:40]}"


# Clues, public reports and cases live in their own module (kept under 500 lines each).
from .clue_models import (  # noqa: E402
    Case,
    CaseStatus,
    Clue,
    ClueAttachment,
    ClueMatch,
    ClueSource,
    ClueStatus,
    PublicReport,
    RewardStatus,
)

__all__ = [
    "Case",
    "CaseStatus",
    "Clue",
    "ClueAttachment",
    "ClueMatch",
    "ClueSource",
    "ClueStatus",
    "NoteKind",
    "PublicReport",
    "RewardStatus",
    "Severity",
    "Warning",
    "WarningNote",
    "WarningStatus",
]
