"""The 五即 ledger (管理台账, HJ 1259-2022 §6 and Appendix B): containers and their entries.

即产生、即包装、即称重、即赋码、即入库 — "一码贯通": each container (容器/包装物) is recorded when
it is filled, weighed, given its HJ 1276 digital identification code (数字识别码) and scanned
into storage. Every step is a :class:`LedgerEntry` (append-only, with the Appendix B batch
number); a mistake is corrected by a reversing entry with a reason, never by an edit.
Inventory and warnings are derived from the containers and entries (``ledger.queries``).
Rows change only through ``ledger.actions`` (audited); see docs/ledger.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wufei.catalog.models import GeneralWasteCategory, TreatmentMethod, WasteCode
from wufei.core.permissions import ADMIN, Policy, RestrictedManager, RestrictedQuerySet
from wufei.plans.models import PlanWaste, ReceiverType, WasteForm
from wufei.registry.models import TONNES, Facility, Organization, Site


class WasteKind(models.TextChoices):
    HAZARDOUS = "hazardous", _("Hazardous waste (危险废物)")
    GENERAL = "general", _("General industrial solid waste (一般工业固体废物)")


class GeneralClass(models.TextChoices):
    """第I类 / 第II类 (GB 18599-2020)."""

    CLASS_I = "I", _("Class I (第I类)")
    CLASS_II = "II", _("Class II (第II类)")


class ContainerStatus(models.TextChoices):
    PRODUCED = "produced", _("Produced (已产生)")
    WEIGHED = "weighed", _("Weighed (已称重)")
    CODED = "coded", _("Coded (已赋码)")
    STORED = "stored", _("In storage (已入库)")
    OUT = "out", _("Out of storage (已出库)")
    SELF_TREATED = "self_treated", _("Treated on site (已自行利用/处置)")
    SHIPPED = "shipped", _("Sent out (已委外)")
    REVERSED = "reversed", _("Cancelled (已冲销)")


class PackageType(models.TextChoices):
    """容器/包装类型."""

    DRUM = "drum", _("Drum (桶)")
    IBC = "ibc", _("IBC tote (吨桶)")
    BAG = "bag", _("Bag (袋)")
    BULK_BAG = "bulk_bag", _("Bulk bag (吨袋)")
    BOX = "box", _("Box (箱)")
    TANK = "tank", _("Tank (罐)")
    PALLET = "pallet", _("Pallet (托盘)")
    BULK = "bulk", _("Bulk / heap (散装)")
    OTHER = "other", _("Other (其他)")


class WeighSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    SCALE = "scale", _("Networked scale")


class EntryKind(models.TextChoices):
    """The stages of HJ 1259 Appendix B (Tables B.1–B.5) and the reversing entry."""

    PRODUCED = "produced", _("Generation (产生)")
    STORED_IN = "stored_in", _("Into storage (入库)")
    STORED_OUT = "stored_out", _("Out of storage (出库)")
    SELF_TREATED = "self_treated", _("Own utilisation/disposal (自行利用/处置)")
    SHIPPED = "shipped", _("Sent out (委外利用/处置)")
    REVERSAL = "reversal", _("Reversal (冲销)")


LEDGER_POLICY = Policy(org_path="organization", region_path="site__region__prefix")


class Container(models.Model):
    """容器/包装物: one container or package of waste, with one code (HJ 1259 §6.2 "按每个容器
    和包装物进行记录"; HJ 1276-2022 数字识别码).

    Hazardous waste: ``waste_code`` is the 名录 code row of the edition used when it was
    recorded (the edition stays with the container) and ``plan_waste`` the line of the site's
    filed management plan that lists it; ``ident_code`` is the 37-character HJ 1276 code.
    General industrial solid waste (一般工业固废): ``general_category`` (SWxx) and
    ``general_class`` (I/II); ``ident_code`` then holds the lot code (``ledger.codes``), which
    is not an HJ 1276 code. ``ident_code`` is empty until the container is coded.
    ``weight_tonnes`` is the label weight (net, tonnes, 4 decimals).
    """

    ident_code = models.CharField(
        _("identification code"), max_length=37, unique=True, null=True, blank=True
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="containers",
        verbose_name=_("organisation"),
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="containers", verbose_name=_("site")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=WasteKind.choices)
    waste_code = models.ForeignKey(
        WasteCode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("waste code"),
    )
    general_category = models.ForeignKey(
        GeneralWasteCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("general waste class"),
    )
    general_class = models.CharField(
        _("class I/II"), max_length=2, choices=GeneralClass.choices, blank=True
    )
    plan_waste = models.ForeignKey(
        PlanWaste,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="containers",
        verbose_name=_("management plan line"),
    )
    internal_name = models.CharField(_("internal name (俗称)"), max_length=100)
    process = models.CharField(_("generating process (产生环节)"), max_length=200, blank=True)
    form = models.CharField(_("form"), max_length=20, choices=WasteForm.choices)
    hazardous_components = models.CharField(_("hazardous components"), max_length=200, blank=True)
    package_type = models.CharField(_("package type"), max_length=20, choices=PackageType.choices)
    volume_litres = models.DecimalField(_("volume (L)"), max_digits=10, decimal_places=1)
    count = models.PositiveIntegerField(_("number of packages"), default=1)
    weight_tonnes = models.DecimalField(_("weight (t)"), null=True, blank=True, **TONNES)
    weighed_by = models.CharField(
        _("weighed by"), max_length=10, choices=WeighSource.choices, blank=True
    )
    scale_device = models.ForeignKey(
        "ScaleDevice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("scale"),
    )
    weighed_at = models.DateTimeField(_("weighed"), null=True, blank=True)
    produced_on = models.DateField(_("production date"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ContainerStatus.choices,
        default=ContainerStatus.PRODUCED,
        db_index=True,
    )
    facility = models.ForeignKey(
        Facility,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="containers",
        verbose_name=_("storage facility"),
    )
    stored_since = models.DateTimeField(_("in storage since"), null=True, blank=True)
    coded_at = models.DateTimeField(_("coded"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = LEDGER_POLICY

    class Meta:
        ordering = ["-produced_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="hazardous", waste_code__isnull=False)
                    | models.Q(kind="general", general_category__isnull=False)
                ),
                name="ledger_container_code_by_kind",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["facility", "status"]),
            models.Index(fields=["organization", "produced_on"]),
        ]
        verbose_name = _("container")
        verbose_name_plural = _("containers")

    def __str__(self) -> str:
        return self.ident_code or f"#{self.pk} {self.internal_name}"

    @property
    def is_hazardous(self) -> bool:
        return self.kind == WasteKind.HAZARDOUS

    @property
    def code_text(self) -> str:
        """The waste's code: ``900-249-08`` or ``SW01``."""
        if self.is_hazardous and self.waste_code is not None:
            return self.waste_code.code
        return self.general_category.code_2021 if self.general_category else ""

    @property
    def category_text(self) -> str:
        """废物类别: ``HW08`` (hazardous) or the general class name."""
        if self.is_hazardous and self.waste_code is not None:
            return self.waste_code.category.code
        return self.general_category.name if self.general_category else ""

    @property
    def catalogue_name(self) -> str:
        if self.is_hazardous and self.waste_code is not None:
            return self.waste_code.description
        return self.general_category.name if self.general_category else ""

    def can_weigh(self) -> bool:
        return self.status == ContainerStatus.PRODUCED

    def can_code(self) -> bool:
        return self.status in (ContainerStatus.WEIGHED, ContainerStatus.CODED)

    def can_store_in(self) -> bool:
        return self.status in (ContainerStatus.CODED, ContainerStatus.OUT)

    def can_store_out(self) -> bool:
        return self.status == ContainerStatus.STORED

    def can_self_treat(self) -> bool:
        return self.status in (ContainerStatus.CODED, ContainerStatus.STORED, ContainerStatus.OUT)

    def can_ship(self) -> bool:
        return self.can_self_treat()


class AppendOnlyQuerySet(RestrictedQuerySet):
    """Ledger entries are never updated or deleted, not even in bulk."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("ledger entries are append-only: write a reversing entry instead")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("ledger entries are append-only: write a reversing entry instead")


class AppendOnlyManager(models.Manager.from_queryset(AppendOnlyQuerySet)):  # type: ignore[misc]
    pass


class LedgerEntry(models.Model):
    """管理台账记录: one step of one container (HJ 1259-2022 §6, Appendix B Tables B.1–B.5).

    Append-only: inserted by ``ledger.actions`` and never changed or deleted. A correction is
    an entry of kind ``reversal`` pointing at the entry it cancels (``reversal_of``) with a
    reason; its quantity is the negative of the original, so sums over entries stay right.
    ``batch_number`` follows the notes to Tables B.1–B.5 (``ledger.codes.batch_number``).
    ``production_batch`` / ``storage_batch`` link to the earlier batch (产生批次编码 /
    入库批次编码); ``operator`` is the 经办人 of the stage (产生/贮存/出库/利用处置部门) and
    ``transport_operator`` the 运送部门经办人. ``status_before`` is the container's status
    before this entry (a reversal restores it).
    """

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("organisation"),
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="ledger_entries", verbose_name=_("site")
    )
    container = models.ForeignKey(
        Container, on_delete=models.PROTECT, related_name="entries", verbose_name=_("container")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    batch_number = models.CharField(_("batch number"), max_length=30)
    at = models.DateTimeField(_("time"), db_index=True)
    quantity_tonnes = models.DecimalField(_("quantity (t)"), **TONNES)
    facility = models.ForeignKey(
        Facility,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("facility"),
    )
    method = models.ForeignKey(
        TreatmentMethod,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("utilisation/disposal method"),
    )
    operator = models.CharField(_("operator (经办人)"), max_length=50, blank=True)
    transport_operator = models.CharField(
        _("transport operator (运送部门经办人)"), max_length=50, blank=True
    )
    production_batch = models.CharField(_("generation batch number"), max_length=30, blank=True)
    storage_batch = models.CharField(_("storage batch number"), max_length=30, blank=True)
    destination = models.CharField(_("destination (去向)"), max_length=200, blank=True)
    receiver_name = models.CharField(_("receiver"), max_length=200, blank=True)
    receiver_permit_number = models.CharField(
        _("receiver's permit number"), max_length=50, blank=True
    )
    receiver_type = models.CharField(
        _("receiver type"), max_length=20, choices=ReceiverType.choices, blank=True
    )
    manifest_number = models.CharField(_("manifest number"), max_length=14, blank=True)
    status_before = models.CharField(
        _("status before"), max_length=20, choices=ContainerStatus.choices, blank=True
    )
    reversal_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    reason = models.TextField(_("reason"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = AppendOnlyManager()
    policy = Policy(
        org_path="organization",
        region_path="site__region__prefix",
        change_roles=frozenset(),  # append-only: nobody changes an entry
        admin_actions=frozenset({"view", "add"}),
    )

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "batch_number"], name="ledger_entry_org_batch"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "kind", "at"]),
            models.Index(fields=["container", "at"]),
        ]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self) -> str:
        return self.batch_number

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("ledger entries are append-only: write a reversing entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("ledger entries are append-only: write a reversing entry instead")


class ScaleDevice(models.Model):
    """联网电子秤 (GB 18597-2023 §4.7 电子地磅): a networked scale of an organisation.

    The scale (or its gateway) posts readings with its token (``token_hash`` keeps only the
    SHA-256 of it; the token is shown once, when registered or rotated).
    """

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="scale_devices",
        verbose_name=_("organisation"),
    )
    device_id = models.CharField(_("device id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    facility = models.ForeignKey(
        Facility,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scale_devices",
        verbose_name=_("facility"),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = Policy(
        org_path="organization",
        region_path="organization__region__prefix",
        add_roles=frozenset({ADMIN}),
        change_roles=frozenset({ADMIN}),
    )

    class Meta:
        ordering = ["device_id"]
        verbose_name = _("scale")
        verbose_name_plural = _("scales")

    def __str__(self) -> str:
        return self.device_id


class ReadingOutcome(models.TextChoices):
    APPLIED = "applied", _("Weight recorded")
    CHECKED = "checked", _("Check weighing")


class ScaleReading(models.Model):
    """One reading posted by a scale; unique per scale and the scale's own reading id, so a
    re-sent reading is answered with the first result and recorded once.

    ``applied``: the reading became the container's weight; ``checked``: the container was
    already weighed and the reading is a check (``deviation_tonnes`` = reading − label weight).
    """

    device = models.ForeignKey(
        ScaleDevice, on_delete=models.PROTECT, related_name="readings", verbose_name=_("scale")
    )
    reading_id = models.CharField(_("reading id"), max_length=64)
    container = models.ForeignKey(
        Container,
        on_delete=models.PROTECT,
        related_name="scale_readings",
        verbose_name=_("container"),
    )
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=12, decimal_places=1)
    weight_tonnes = models.DecimalField(_("weight (t)"), **TONNES)
    outcome = models.CharField(_("outcome"), max_length=10, choices=ReadingOutcome.choices)
    deviation_tonnes = models.DecimalField(
        _("difference from the label (t)"), null=True, blank=True, **TONNES
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    objects = RestrictedManager()
    policy = Policy(
        org_path="device__organization",
        region_path="device__organization__region__prefix",
        add_roles=frozenset(),  # only scales post readings
        change_roles=frozenset(),
        admin_actions=frozenset({"view"}),
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "reading_id"], name="ledger_reading_device_reading"
            )
        ]
        verbose_name = _("scale reading")
        verbose_name_plural = _("scale readings")

    def __str__(self) -> str:
        return f"{self.device_id}:{self.reading_id}"
