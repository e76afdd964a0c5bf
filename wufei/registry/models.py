"""The registry (名录库): organisations and what they own — sites, facilities, permits,
vehicles, drivers — and who works for them (memberships, invitations).

Rows change only through ``registry.actions`` (audited); see docs/architecture.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wufei.catalog.models import Region, TreatmentMethod, WasteCategory, WasteCode
from wufei.core.permissions import (
    ADMIN,
    ALL_ROLES,
    DRIVER,
    MEMBER,
    READER,
    Policy,
    RestrictedManager,
)

TONNES: dict[str, Any] = {
    "max_digits": 14,
    "decimal_places": 4,
}  # weights: Decimal tonnes, 4 decimals (0.1 kg)


class ManagementClass(models.TextChoices):
    """管理类别 (HJ 1259-2022 §4.2)."""

    KEY = "key", _("Key supervision (重点监管)")
    SIMPLIFIED = "simplified", _("Simplified management (简化管理)")
    REGISTERED = "registered", _("Registration management (登记管理)")


class OrgRole(models.TextChoices):
    """The roles an organisation plays (it may play several)."""

    PRODUCER = "producer", _("Producer")
    CARRIER = "carrier", _("Carrier")
    RECEIVER = "receiver", _("Receiver / licensed operator")
    COLLECTOR = "collector", _("Micro collector")
    REGULATOR = "regulator", _("Regulator")


class MembershipRole(models.TextChoices):
    ADMIN = ADMIN, _("Administrator")
    MEMBER = MEMBER, _("Member")
    DRIVER = DRIVER, _("Driver")
    READER = READER, _("Reader")


class Organization(models.Model):
    """单位: identified by its 统一社会信用代码 (USCC, 18 characters, GB 32100-2015).

    A regulator (生态环境局) is an organisation too; its ``region`` is its jurisdiction.
    For producers the management class is derived (HJ 1259 §4.2) and may be overridden by a
    city-level or higher bureau with a reason (§4.2.2).
    """

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="organizations"
    )
    address = models.CharField(_("registered address"), max_length=300, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    industry_code = models.CharField(_("industry code (GB/T 4754)"), max_length=5, blank=True)
    industry_name = models.CharField(_("industry"), max_length=100, blank=True)

    is_producer = models.BooleanField(_("producer"), default=False, db_index=True)
    is_carrier = models.BooleanField(_("carrier"), default=False, db_index=True)
    is_receiver = models.BooleanField(_("receiver / operator"), default=False, db_index=True)
    is_collector = models.BooleanField(_("micro collector"), default=False, db_index=True)
    is_regulator = models.BooleanField(_("regulator"), default=False, db_index=True)

    annual_hazardous_tonnes = models.DecimalField(
        _("annual hazardous waste (t)"),
        null=True,
        blank=True,
        help_text=_("HJ 1259 §4.2.3: the largest of the last three years, or the EIA estimate"),
        **TONNES,
    )
    management_class = models.CharField(
        _("management class"), max_length=20, choices=ManagementClass.choices, blank=True
    )
    management_class_derived = models.CharField(
        _("derived management class"), max_length=20, choices=ManagementClass.choices, blank=True
    )
    management_class_overridden = models.BooleanField(_("set by a bureau"), default=False)
    management_class_reason = models.TextField(_("reason for the bureau's setting"), blank=True)

    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = Policy(
        org_path="",
        region_path="region__prefix",
        view_roles=ALL_ROLES,
        add_roles=frozenset(),
        change_roles=frozenset({ADMIN}),
        regulator_actions=frozenset({"view", "add", "change"}),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def roles(self) -> list[str]:
        return [r for r in OrgRole.values if getattr(self, f"is_{r}")]

    def get_roles_display(self) -> list[str]:
        return [str(OrgRole(r).label) for r in self.roles]


class Site(models.Model):
    """生产经营场所: one management plan per site (HJ 1259 §5.1); HJ 608 site code."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="sites", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    site_code = models.CharField(_("site code (HJ 608)"), max_length=22, blank=True, db_index=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="sites", verbose_name=_("region")
    )
    address = models.CharField(_("address"), max_length=300)
    longitude = models.DecimalField(
        _("longitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = Policy(org_path="organization", region_path="region__prefix")

    class Meta:
        ordering = ["organization__name", "name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return f"{self.organization.name} · {self.name}"


class FacilityKind(models.TextChoices):
    STORAGE = "storage", _("Storage (贮存)")
    UTILISATION = "utilisation", _("Utilisation (利用)")
    DISPOSAL = "disposal", _("Disposal (处置)")


class Facility(models.Model):
    """设施: a storage, utilisation or disposal facility on a site, with its capacity.

    Storage capacity is in tonnes held at once; utilisation/disposal capacity in tonnes a year.
    """

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("site")
    )
    code = models.CharField(_("facility code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    facility_type = models.CharField(
        _("type"), max_length=50, blank=True, help_text=_("e.g. 贮存库, 贮存罐区, 回转窑焚烧")
    )
    capacity_tonnes = models.DecimalField(_("capacity (t)"), **TONNES)
    methods = models.ManyToManyField(
        TreatmentMethod, blank=True, related_name="facilities", verbose_name=_("treatment methods")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = Policy(org_path="site__organization", region_path="site__region__prefix")

    class Meta:
        ordering = ["site", "code"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="registry_facility_site_code")
        ]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PermitStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class Permit(models.Model):
    """危险废物经营许可证: number, issuer, validity, and what it licenses (``PermitScope``).

    Permits are recorded by the issuing bureau (regulators in their jurisdiction); the holder
    sees them.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="permits", verbose_name=_("holder")
    )
    site = models.ForeignKey(
        Site,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="permits",
        verbose_name=_("site"),
    )
    number = models.CharField(_("permit number"), max_length=50, unique=True)
    issuer = models.CharField(_("issued by"), max_length=100)
    issued_on = models.DateField(_("issued on"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=20, choices=PermitStatus.choices, default=PermitStatus.VALID
    )
    is_comprehensive = models.BooleanField(
        _("comprehensive (收集、贮存、利用、处置)"), default=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = Policy(
        org_path="organization",
        region_path="organization__region__prefix",
        add_roles=frozenset(),
        change_roles=frozenset(),
        regulator_actions=frozenset({"view", "add", "change"}),
    )

    class Meta:
        ordering = ["-valid_until"]
        verbose_name = _("permit")
        verbose_name_plural = _("permits")

    def __str__(self) -> str:
        return self.number

    def is_valid_on(self, day) -> bool:
        return self.status == PermitStatus.VALID and self.valid_from <= day <= self.valid_until

    @property
    def total_capacity_tonnes(self) -> Decimal:
        return sum((s.annual_capacity_tonnes for s in self.scopes.all()), Decimal("0"))


class PermitScope(models.Model):
    """One licensed line of a permit: a waste code or a whole category, its annual capacity
    (t/yr) and the treatment methods allowed."""

    permit = models.ForeignKey(
        Permit, on_delete=models.CASCADE, related_name="scopes", verbose_name=_("permit")
    )
    waste_code = models.ForeignKey(
        WasteCode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("waste code"),
    )
    category = models.ForeignKey(
        WasteCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    annual_capacity_tonnes = models.DecimalField(_("annual capacity (t/yr)"), **TONNES)
    methods = models.ManyToManyField(
        TreatmentMethod, related_name="+", verbose_name=_("treatment methods")
    )

    objects = RestrictedManager()
    policy = Policy(
        org_path="permit__organization",
        region_path="permit__organization__region__prefix",
        add_roles=frozenset(),
        change_roles=frozenset(),
        regulator_actions=frozenset({"view", "add", "change"}),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(waste_code__isnull=False) | models.Q(category__isnull=False),
                name="registry_permitscope_code_or_category",
            )
        ]
        verbose_name = _("permit scope")
        verbose_name_plural = _("permit scopes")

    def __str__(self) -> str:
        return f"{self.waste_code or self.category}: {self.annual_capacity_tonnes} t/yr"

    def covers(self, code: WasteCode) -> bool:
        if self.waste_code_id is not None:
            return self.waste_code_id == code.pk
        return self.category_id == code.category_id


class Vehicle(models.Model):
    """A carrier's vehicle: Chinese plate, 道路运输证 number, dangerous-goods permit, load limit."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("carrier")
    )
    plate = models.CharField(_("plate number"), max_length=10, unique=True)
    transport_permit_no = models.CharField(_("road transport permit number"), max_length=30)
    dangerous_goods = models.BooleanField(_("licensed for dangerous goods"), default=True)
    vehicle_type = models.CharField(_("vehicle type"), max_length=50, blank=True)
    load_limit_tonnes = models.DecimalField(_("load limit (t)"), **TONNES)
    terminal_id = models.CharField(_("GNSS terminal id"), max_length=20, blank=True, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = Policy(
        org_path="organization", region_path="organization__region__prefix", view_roles=ALL_ROLES
    )

    class Meta:
        ordering = ["plate"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return self.plate


class Driver(models.Model):
    """A carrier's driver with the dangerous-goods qualification certificate (从业资格证)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="drivers", verbose_name=_("carrier")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="driver_profiles",
        verbose_name=_("user account"),
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30)
    qualification_no = models.CharField(_("qualification certificate number"), max_length=30)
    qualification_valid_until = models.DateField(
        _("qualification valid until"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = Policy(
        org_path="organization", region_path="organization__region__prefix", self_path="user_id"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "qualification_no"],
                name="registry_driver_org_qualification",
            )
        ]
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in an organisation: administrator, member, driver or reader."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()
    policy = Policy(
        org_path="organization",
        region_path="organization__region__prefix",
        self_path="user_id",
        view_roles=frozenset({ADMIN}),
        add_roles=frozenset({ADMIN}),
        change_roles=frozenset({ADMIN}),
    )

    class Meta:
        ordering = ["organization__name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="registry_membership_user_org"
            )
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"


class Invitation(models.Model):
    """An organisation administrator's invitation to join with a role. The token is stored
    hashed; it works once, before it expires."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=10, choices=MembershipRole.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = RestrictedManager()
    policy = Policy(
        org_path="organization",
        view_roles=frozenset({ADMIN}),
        add_roles=frozenset({ADMIN}),
        change_roles=frozenset({ADMIN}),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"
