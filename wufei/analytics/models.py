"""Analytics data (统计数据 · 汇总): official statistics and the platform's running aggregates.

- :class:`RegionStatistics` — official statistics per region and year (统计年鉴/环境统计: 工业增加值,
  一般工业固废与危险废物的产生、利用、处置、填埋量, 处置能力与负荷率), imported from Excel in
  batches (:class:`StatisticsImport`) by ``analytics.statistics``.
- :class:`DailyFlow` / :class:`MonthlyFlow` — tonnes per day (month) × county × waste code ×
  flow × method, folded incrementally from ledger entries and manifest receipts by
  ``analytics.aggregates.fold`` (watermarks in :class:`FoldState`). Dashboards read these, never
  the raw rows.
- :class:`ProducerYear` — per hazardous-waste producer and year: generation, shipments, whether
  every shipment went on an electronic manifest and whether the year's plan is filed (the
  full-process coverage indicator and the top-producer list).

Rows change only through ``aggregates.fold`` / ``aggregates.rebuild`` and the statistics
import action (audited). See docs/indicators.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wufei.catalog.models import Region
from wufei.core.permissions import Policy, RestrictedManager
from wufei.registry.models import Organization

AGG_TONNES = {"max_digits": 18, "decimal_places": 4, "default": 0}
STAT_TONNES = {"max_digits": 18, "decimal_places": 4, "null": True, "blank": True}


class Flow(models.TextChoices):
    """What happened to the tonnes of an aggregate row (流向)."""

    GENERATED = "generated", _("Generated (产生)")
    UTILISED_ON_SITE = "utilised_on_site", _("Utilised on site (自行利用)")
    DISPOSED_ON_SITE = "disposed_on_site", _("Disposed on site (自行处置)")
    SENT_OUT = "sent_out", _("Sent out (委外转移)")
    RECEIVED = "received", _("Received (接收)")
    SENT_TREATED = "sent_treated", _("Sent out and treated by the receiver (委外利用处置)")


# Aggregates are read by the bureaus covering the county (and platform administrators);
# nobody writes them but the fold.
AGGREGATE_POLICY = Policy(
    org_path=None,
    region_path="county_code",
    add_roles=frozenset(),
    change_roles=frozenset(),
    regulator_actions=frozenset({"view"}),
    admin_actions=frozenset({"view"}),
)


class FlowBase(models.Model):
    county_code = models.CharField(_("county"), max_length=6)
    city_code = models.CharField(_("city"), max_length=6)
    province_code = models.CharField(_("province"), max_length=6)
    hazardous = models.BooleanField(_("hazardous"))
    category = models.CharField(_("category"), max_length=6)  # HW08 / SW01
    waste_code = models.CharField(_("waste code"), max_length=12)  # 900-249-08 / SW01
    flow = models.CharField(_("flow"), max_length=20, choices=Flow.choices)
    method = models.CharField(_("method"), max_length=6, blank=True)  # R4, D1, … or ""
    tonnes = models.DecimalField(_("tonnes"), **AGG_TONNES)  # type: ignore[arg-type]
    manifests = models.IntegerField(_("manifests"), default=0)
    entries = models.IntegerField(_("records"), default=0)

    objects = RestrictedManager()
    policy = AGGREGATE_POLICY

    class Meta:
        abstract = True


class DailyFlow(FlowBase):
    """日汇总: tonnes of one day (Asia/Shanghai) × county × waste code × flow × method."""

    day = models.DateField(_("day"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "county_code", "waste_code", "flow", "method"],
                name="analytics_daily_key",
            )
        ]
        indexes = [
            models.Index(fields=["province_code", "day"]),
            models.Index(fields=["city_code", "day"]),
            models.Index(fields=["county_code", "day"]),
        ]
        verbose_name = _("daily flow")
        verbose_name_plural = _("daily flows")

    def __str__(self) -> str:
        return f"{self.day} {self.county_code} {self.waste_code} {self.flow} {self.tonnes}"


class MonthlyFlow(FlowBase):
    """月汇总: the same per month (``month`` is the first day); what dashboards read."""

    month = models.DateField(_("month"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "county_code", "waste_code", "flow", "method"],
                name="analytics_monthly_key",
            )
        ]
        indexes = [
            models.Index(fields=["province_code", "month"]),
            models.Index(fields=["city_code", "month"]),
            models.Index(fields=["county_code", "month"]),
        ]
        verbose_name = _("monthly flow")
        verbose_name_plural = _("monthly flows")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.county_code} {self.waste_code} {self.flow} {self.tonnes}"


class ProducerYear(models.Model):
    """产废单位年度汇总: one hazardous-waste producer's year, for coverage and top producers."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    county_code = models.CharField(_("county"), max_length=6)
    city_code = models.CharField(_("city"), max_length=6)
    province_code = models.CharField(_("province"), max_length=6)
    registered = models.BooleanField(_("registered hazardous-waste producer"), default=False)
    has_filed_plan = models.BooleanField(_("management plan filed"), default=False)
    hw_generated_t = models.DecimalField(_("hazardous generated (t)"), **AGG_TONNES)  # type: ignore[arg-type]
    gw_generated_t = models.DecimalField(_("general generated (t)"), **AGG_TONNES)  # type: ignore[arg-type]
    hw_entries = models.IntegerField(_("hazardous ledger records"), default=0)
    hw_shipments = models.IntegerField(_("hazardous shipments"), default=0)
    shipments_off_manifest = models.IntegerField(
        _("shipments without an electronic manifest"), default=0
    )

    objects = RestrictedManager()
    policy = Policy(
        org_path="organization",
        region_path="county_code",
        add_roles=frozenset(),
        change_roles=frozenset(),
        regulator_actions=frozenset({"view"}),
        admin_actions=frozenset({"view"}),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="analytics_producer_year")
        ]
        indexes = [
            models.Index(fields=["year", "province_code"]),
            models.Index(fields=["year", "city_code"]),
            models.Index(fields=["year", "county_code"]),
        ]
        verbose_name = _("producer year")
        verbose_name_plural = _("producer years")

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year}"


class FoldState(models.Model):
    """Watermark of one incremental fold (``ledger``: last entry id; ``receipts``: last
    receipt time and manifest id)."""

    name = models.CharField(_("name"), max_length=20, primary_key=True)
    last_id = models.BigIntegerField(_("last id"), default=0)
    last_at = models.DateTimeField(_("last time"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()
    policy = Policy(
        org_path=None,
        region_path=None,
        add_roles=frozenset(),
        change_roles=frozenset(),
        regulator_actions=frozenset(),
        admin_actions=frozenset({"view"}),
    )

    class Meta:
        verbose_name = _("aggregation watermark")
        verbose_name_plural = _("aggregation watermarks")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_id}"


class StatisticsImport(models.Model):
    """统计数据导入批次: one Excel file, imported all or nothing."""

    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    source = models.CharField(_("source"), max_length=300)
    region_prefix = models.CharField(_("region scope"), max_length=6, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)

    objects = RestrictedManager()
    policy = Policy(
        org_path=None,
        region_path="region_prefix",
        add_roles=frozenset(),
        change_roles=frozenset(),
        regulator_actions=frozenset({"view", "add"}),
        admin_actions=frozenset({"view", "add"}),
    )

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = _("statistics import")
        verbose_name_plural = _("statistics imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows})"


class RegionStatistics(models.Model):
    """官方统计数据: one region's official figures for one year (empty = not reported).

    ``industrial_value_added`` in 万元 (10,000 yuan); tonnes in t; ``facility_load_rate`` in %.
    Which indicator uses which field, and whether it overrides the platform's own figure, is
    in docs/indicators.md (``indicators.DEFINITIONS``).
    """

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    industrial_value_added = models.DecimalField(
        _("industrial value added (10,000 yuan)"),
        **STAT_TONNES,  # type: ignore[arg-type]
    )
    general_generated_t = models.DecimalField(_("general generated (t)"), **STAT_TONNES)  # type: ignore[arg-type]
    general_utilised_t = models.DecimalField(_("general utilised (t)"), **STAT_TONNES)  # type: ignore[arg-type]
    general_disposed_t = models.DecimalField(_("general disposed (t)"), **STAT_TONNES)  # type: ignore[arg-type]
    hazardous_generated_t = models.DecimalField(_("hazardous generated (t)"), **STAT_TONNES)  # type: ignore[arg-type]
    hazardous_utilised_t = models.DecimalField(_("hazardous utilised (t)"), **STAT_TONNES)  # type: ignore[arg-type]
    hazardous_disposed_t = models.DecimalField(_("hazardous disposed (t)"), **STAT_TONNES)  # type: ignore[arg-type]
    hazardous_landfilled_t = models.DecimalField(_("hazardous landfilled (t)"), **STAT_TONNES)  # type: ignore[arg-type]
    hw_capacity_t = models.DecimalField(_("hazardous-waste capacity (t/yr)"), **STAT_TONNES)  # type: ignore[arg-type]
    facility_load_rate = models.DecimalField(
        _("facility load rate (%)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    batch = models.ForeignKey(
        StatisticsImport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statistics",
        verbose_name=_("import batch"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = Policy(
        org_path=None,
        region_path="region__prefix",
        add_roles=frozenset(),
        change_roles=frozenset(),
        regulator_actions=frozenset({"view", "add", "change"}),
        admin_actions=frozenset({"view", "add", "change"}),
    )

    class Meta:
        ordering = ["region__code", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="analytics_statistics_once")
        ]
        verbose_name = _("official statistics")
        verbose_name_plural = _("official statistics")

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}"
