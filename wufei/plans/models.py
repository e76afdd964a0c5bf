"""Management plans (危险废物管理计划, HJ 1259-2022 §5 and Appendix A).

A plan belongs to one production site (生产经营场所) and one year. It is drafted, then filed
(备案) with a filing number (备案编号) and a receipt; an amendment during the year is a new
version that supersedes the filed one when it is filed in turn, and the earlier versions are
kept. Rows change only through ``plans.actions`` (audited); see docs/plans.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wufei.catalog.models import TreatmentMethod, WasteCode
from wufei.core.permissions import Policy, RestrictedManager
from wufei.registry.models import Facility, ManagementClass, Organization, Site


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FILED = "filed", _("Filed (备案)")
    SUPERSEDED = "superseded", _("Superseded")


class WasteForm(models.TextChoices):
    """形态 (HJ 1259 Table A.3)."""

    SOLID = "solid", _("Solid (固态)")
    SEMI_SOLID = "semi_solid", _("Semi-solid (半固态)")
    LIQUID = "liquid", _("Liquid (液态)")
    GAS = "gas", _("Gaseous (气态)")


class TransferType(models.TextChoices):
    """转移类型 (HJ 1259 Table A.7)."""

    IN_PROVINCE = "in_province", _("Within the province (省内)")
    CROSS_PROVINCE = "cross_province", _("Cross-province (跨省)")
    ABROAD = "abroad", _("Abroad (境外)")


class ReceiverType(models.TextChoices):
    """拟接收单位类型 (HJ 1259 Table A.7)."""

    LICENSED = "licensed", _("Holder of an operating permit (经营许可证持有单位)")
    EXEMPT = "exempt", _("Exempt utilisation/disposal unit (利用处置环节豁免管理单位)")
    ABROAD = "abroad", _("Utilisation/disposal unit abroad (境外利用处置单位)")


PLAN_POLICY = Policy(org_path="site__organization", region_path="site__region__prefix")


class ManagementPlan(models.Model):
    """管理计划: one per site and year (HJ 1259 §5.1), filed (备案) by 31 March.

    ``revision`` numbers the versions of the plan for a site and year (1 = the first filing, 2…
    amendments); ``supersedes`` points to the version it replaces. ``is_current`` marks the
    version in force: the draft before the first filing, then the last filed version (a draft
    amendment is not current until it is filed). ``management_class`` is the unit's class when
    the plan was filed (HJ 1259 §4.2), which decides the tables it contains (``rules.SECTIONS``).
    ``basic_info`` is the Table A.1 snapshot of the organisation and site taken at filing.
    ``version`` is the optimistic-concurrency counter (ETag), as on every model.
    """

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="management_plans", verbose_name=_("site")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    revision = models.PositiveSmallIntegerField(_("plan version"), default=1)
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
        verbose_name=_("supersedes"),
    )
    is_current = models.BooleanField(_("current version"), default=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    management_class = models.CharField(
        _("management class"), max_length=20, choices=ManagementClass.choices, blank=True
    )
    # Table A.1 items the registry does not hold.
    technical_lead = models.CharField(_("technical lead"), max_length=50, blank=True)
    technical_lead_phone = models.CharField(_("technical lead's phone"), max_length=30, blank=True)
    eia_reference = models.CharField(_("EIA approval or filing number"), max_length=100, blank=True)
    pollutant_permit_number = models.CharField(
        _("pollutant discharge permit or registration number"), max_length=50, blank=True
    )
    amendment_reason = models.TextField(_("reason for the amendment"), blank=True)

    filing_number = models.CharField(
        _("filing number"), max_length=30, unique=True, null=True, blank=True
    )
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filed by"),
    )
    is_late = models.BooleanField(_("filed after the deadline"), default=False)
    basic_info = models.JSONField(_("basic information (A.1)"), default=dict, blank=True)
    receipt_digest = models.CharField(_("receipt check code"), max_length=64, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = PLAN_POLICY

    class Meta:
        ordering = ["-year", "site", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "year", "revision"], name="plans_plan_site_year_revision"
            ),
            models.UniqueConstraint(
                fields=["site", "year"],
                condition=models.Q(is_current=True),
                name="plans_plan_one_current",
            ),
            models.UniqueConstraint(
                fields=["site", "year"],
                condition=models.Q(status="draft"),
                name="plans_plan_one_draft",
            ),
        ]
        indexes = [models.Index(fields=["site", "year", "status", "is_current"])]
        verbose_name = _("management plan")
        verbose_name_plural = _("management plans")

    def __str__(self) -> str:
        return f"{self.year} {self.site.name} v{self.revision}"

    @property
    def organization(self) -> Organization:
        return self.site.organization

    def can_edit(self) -> bool:
        return self.status == PlanStatus.DRAFT

    def can_file(self) -> bool:
        return self.status == PlanStatus.DRAFT

    def can_amend(self) -> bool:
        return self.status == PlanStatus.FILED and self.is_current


class PlanWaste(models.Model):
    """One hazardous waste of a plan: generation (产生, Table A.3), storage (贮存, A.4), own
    utilisation/disposal (自行利用/处置, A.5) and transfer (转移, A.7).

    ``waste_code`` points to the code row of the catalogue edition chosen when the line was
    written, so the edition stays with the plan when a new 名录 edition comes into force.
    One line per waste code and plan (the ledger looks a waste up by its code).
    """

    plan = models.ForeignKey(
        ManagementPlan, on_delete=models.CASCADE, related_name="wastes", verbose_name=_("plan")
    )
    # A.3 产生
    source_facility = models.CharField(
        _("generating facility (code/name)"), max_length=100, blank=True
    )
    process = models.CharField(_("generating process (产生环节)"), max_length=200)
    internal_name = models.CharField(_("internal name (行业俗称/单位内部名称)"), max_length=100)
    waste_code = models.ForeignKey(
        WasteCode, on_delete=models.PROTECT, related_name="+", verbose_name=_("waste code")
    )
    hazardous_components = models.CharField(_("hazardous components"), max_length=200, blank=True)
    form = models.CharField(_("form"), max_length=20, choices=WasteForm.choices)
    annual_tonnes = models.DecimalField(
        _("expected quantity this year (t)"), max_digits=14, decimal_places=4
    )
    internal_treatment = models.CharField(
        _("internal treatment and destination"), max_length=300, blank=True
    )
    # A.4 贮存
    storage_facility = models.ForeignKey(
        Facility,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("storage facility"),
    )
    packaging = models.CharField(_("packaging"), max_length=100, blank=True)
    storage_remaining_tonnes = models.DecimalField(
        _("expected remaining in storage at year end (t)"),
        null=True,
        blank=True,
        max_digits=14,
        decimal_places=4,
    )
    # A.5 自行利用/处置
    treatment_facility = models.ForeignKey(
        Facility,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("own utilisation/disposal facility"),
    )
    treatment_method = models.ForeignKey(
        TreatmentMethod,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("own utilisation/disposal method"),
    )
    treatment_tonnes = models.DecimalField(
        _("expected own utilisation/disposal (t)"),
        null=True,
        blank=True,
        max_digits=14,
        decimal_places=4,
    )
    # A.7 转移
    transfer_type = models.CharField(
        _("transfer type"), max_length=20, choices=TransferType.choices, blank=True
    )
    transfer_tonnes = models.DecimalField(
        _("expected transfer (t)"), null=True, blank=True, max_digits=14, decimal_places=4
    )
    transfer_method = models.ForeignKey(
        TreatmentMethod,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("receiver's utilisation/disposal method"),
    )
    receiver_type = models.CharField(
        _("intended receiver type"), max_length=20, choices=ReceiverType.choices, blank=True
    )
    receiver = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("intended receiver"),
    )
    receiver_permit_number = models.CharField(
        _("receiver's permit number"), max_length=50, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = Policy(org_path="plan__site__organization", region_path="plan__site__region__prefix")

    class Meta:
        ordering = ["plan", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "waste_code"], name="plans_waste_plan_code")
        ]
        verbose_name = _("planned waste")
        verbose_name_plural = _("planned wastes")

    def __str__(self) -> str:
        return f"{self.waste_code.code} {self.internal_name}"


class PlanReduction(models.Model):
    """减量化计划和措施 (HJ 1259 Table A.6): key and simplified units only."""

    plan = models.ForeignKey(
        ManagementPlan,
        on_delete=models.CASCADE,
        related_name="reductions",
        verbose_name=_("plan"),
    )
    measure = models.TextField(_("reduction measure"))
    expected_effect = models.CharField(_("expected effect"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()
    policy = Policy(org_path="plan__site__organization", region_path="plan__site__region__prefix")

    class Meta:
        ordering = ["plan", "pk"]
        verbose_name = _("reduction measure")
        verbose_name_plural = _("reduction measures")

    def __str__(self) -> str:
        return self.measure[:50]


# Declarations (申报, HJ 1259 §7) live in their own module; imported here so Django sees them.
from .declarations_models import (  # noqa: E402
    Declaration,
    DeclarationLine,
    DeclarationStatus,
    LineSection,
)

__all__ = [
    "Declaration",
    "DeclarationLine",
    "DeclarationStatus",
    "LineSection",
    "ManagementPlan",
    "PlanReduction",
    "PlanStatus",
    "PlanWaste",
    "ReceiverType",
    "TransferType",
    "WasteForm",
]
