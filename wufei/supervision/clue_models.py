"""Illegal-dumping clues, public reports and cases (线索 · 有奖举报 · 案件).

A clue comes from satellite images, drones, video, patrols, the hotline or the public: where,
when, photos, what was seen. It is matched with the track stops found near it in place and
time (a truck that stopped there links its manifest and carrier to the clue). A clue is
verified and either dismissed or turned into a case (案件) with findings, the penalty reference
and rectification, closed like a warning. A public report (no login) creates a clue and gives
the reporter a follow-up code; the reporter's identity is stored encrypted and shown to no one
but the officer who pays the reward.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wufei.catalog.models import Region
from wufei.core.permissions import ADMIN, MEMBER, Policy, RestrictedManager
from wufei.registry.models import Organization
from wufei.trips.models import Finding

from .models import Warning

# Clues and cases are the bureaus' business: only regulators of the area (and the platform
# administrator, read-only) see them; the enterprise of a case sees its case.
BUREAU_ONLY = Policy(
    org_path=None,
    region_path="region__prefix",
    add_roles=frozenset(),
    change_roles=frozenset(),
    regulator_actions=frozenset({"view", "add", "change"}),
    admin_actions=frozenset({"view"}),
)


class ClueSource(models.TextChoices):
    SATELLITE = "satellite", _("Satellite image (卫星遥感)")
    DRONE = "drone", _("Drone (无人机)")
    VIDEO = "video", _("Video surveillance (视频监控)")
    PATROL = "patrol", _("Patrol (巡查)")
    HOTLINE = "hotline", _("Hotline (12345/12369)")
    PUBLIC = "public", _("Public report (群众举报)")


class ClueStatus(models.TextChoices):
    NEW = "new", _("New (待核实)")
    VERIFYING = "verifying", _("Verifying (核实中)")
    CASE = "case", _("Case opened (已立案)")
    DISMISSED = "dismissed", _("Dismissed (不属实)")


class Clue(models.Model):
    """线索: a suspected illegal dumping, with where and when."""

    number = models.CharField(_("clue number"), max_length=20, unique=True)
    source = models.CharField(_("source"), max_length=10, choices=ClueSource.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ClueStatus.choices,
        default=ClueStatus.NEW,
        db_index=True,
    )
    latitude = models.FloatField(_("latitude (WGS-84)"))
    longitude = models.FloatField(_("longitude (WGS-84)"))
    region = models.ForeignKey(
        Region, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    observed_at = models.DateTimeField(_("seen at"))
    description = models.TextField(_("what was seen"))
    address = models.CharField(_("place"), max_length=200, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verification = models.TextField(_("verification result"), blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    dismissed_reason = models.TextField(_("reason for dismissal"), blank=True)
    warning = models.ForeignKey(
        Warning,
        verbose_name=_("warning"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clues",
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = BUREAU_ONLY

    class Meta:
        ordering = ["-observed_at", "-pk"]
        indexes = [models.Index(fields=["region", "status"])]
        verbose_name = _("clue")
        verbose_name_plural = _("clues")

    def __str__(self) -> str:
        return self.number


class ClueMatch(models.Model):
    """A track stop near the clue in place and time: the truck, its manifest and carrier."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="matches")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="clue_matches")
    distance_m = models.PositiveIntegerField(_("distance (m)"))
    hours_apart = models.FloatField(_("hours apart"))

    objects = RestrictedManager()
    policy = Policy(
        org_path=None,
        region_path="clue__region__prefix",
        add_roles=frozenset(),
        change_roles=frozenset(),
        regulator_actions=frozenset({"view"}),
        admin_actions=frozenset({"view"}),
    )

    class Meta:
        ordering = ["clue", "distance_m"]
        constraints = [
            models.UniqueConstraint(fields=["clue", "finding"], name="supervision_clue_match_once")
        ]
        verbose_name = _("clue match")
        verbose_name_plural = _("clue matches")

    def __str__(self) -> str:
        return f"{self.clue} ↔ {self.finding_id}"


class ClueAttachment(models.Model):
    """A photo or file of a clue; public photos are re-encoded without metadata."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="clues/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("type"), max_length=50)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = RestrictedManager()
    policy = Policy(
        org_path=None,
        region_path="clue__region__prefix",
        add_roles=frozenset(),
        change_roles=frozenset(),
        regulator_actions=frozenset({"view", "add"}),
        admin_actions=frozenset({"view"}),
    )

    class Meta:
        ordering = ["clue", "pk"]
        verbose_name = _("clue attachment")
        verbose_name_plural = _("clue attachments")

    def __str__(self) -> str:
        return self.file.name


class RewardStatus(models.TextChoices):
    NONE = "none", _("Not claimed")
    CLAIMED = "claimed", _("Claimed (已申领)")
    APPROVED = "approved", _("Approved (已核准)")
    PAID = "paid", _("Paid (已发放)")
    REFUSED = "refused", _("Not eligible (不予奖励)")


class PublicReport(models.Model):
    """有奖举报: a report from the public. The follow-up code is shown once to the reporter
    (only its hash is kept); the identity is encrypted (Fernet) and revealed only to the
    reward officer through an audited action."""

    clue = models.OneToOneField(Clue, on_delete=models.CASCADE, related_name="public_report")
    code_sha256 = models.CharField(_("follow-up code hash"), max_length=64, unique=True)
    identity_encrypted = models.TextField(_("identity (encrypted)"), blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=True)
    client_hash = models.CharField(_("client fingerprint"), max_length=64, db_index=True)
    reward_status = models.CharField(
        _("reward"), max_length=10, choices=RewardStatus.choices, default=RewardStatus.NONE
    )
    reward_amount = models.DecimalField(
        _("reward (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    reward_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)

    objects = RestrictedManager()
    policy = Policy(
        org_path=None,
        region_path="clue__region__prefix",
        add_roles=frozenset(),
        change_roles=frozenset(),
        regulator_actions=frozenset({"view", "change"}),
        admin_actions=frozenset(),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("public report")
        verbose_name_plural = _("public reports")

    def __str__(self) -> str:
        return str(self.clue)


class CaseStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating (调查中)")
    RECTIFYING = "rectifying", _("Rectifying (整改中)")
    CLOSED = "closed", _("Closed (已结案)")


class Case(models.Model):
    """案件: opened from a clue (or a warning), with findings, penalty and rectification."""

    number = models.CharField(_("case number"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=14, choices=CaseStatus.choices, default=CaseStatus.INVESTIGATING
    )
    clue = models.OneToOneField(
        Clue, null=True, blank=True, on_delete=models.PROTECT, related_name="case"
    )
    warning = models.ForeignKey(
        Warning, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("party responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    bureau = models.ForeignKey(
        Organization,
        verbose_name=_("bureau"),
        on_delete=models.PROTECT,
        related_name="cases_handled",
    )
    title = models.CharField(_("title"), max_length=200)
    findings = models.TextField(_("findings (调查结论)"), blank=True)
    penalty_reference = models.CharField(_("legal basis (处罚依据)"), max_length=200, blank=True)
    penalty_amount = models.DecimalField(
        _("fine (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    rectification = models.TextField(_("rectification required"), blank=True)
    rectification_due_on = models.DateField(_("rectify by"), null=True, blank=True)
    response = models.TextField(_("party's response"), blank=True)
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = Policy(
        org_path="organization",
        region_path="region__prefix",
        view_roles=frozenset({ADMIN, MEMBER}),
        add_roles=frozenset(),
        change_roles=frozenset({ADMIN, MEMBER}),
        regulator_actions=frozenset({"view", "add", "change"}),
        admin_actions=frozenset({"view"}),
    )

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"
