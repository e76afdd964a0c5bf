"""Electronic transfer manifests (危险废物电子转移联单, 令第23号 Art. 14–20).

One manifest per vehicle trip per 移出人 (Art. 16): the shipper (产生单位 or 小微收集单位)
drafts it with the receiver (接受人), the carrier (承运人), vehicle, driver and the containers
from its storage; submitting numbers it (Art. 15: year + province + city + 6-digit serial);
the driver scans every container at pickup (Art. 13), the shipper signs the hand-over and the
carrier the pickup; later carriers (联运, Art. 17) each scan and sign; the receiver scans and
weighs each container and accepts or refuses within 5 working days (Art. 12, 18); treatment of
each container closes the manifest (闭环). A signed manifest changes only by a revision request
(修正申请) that the other parties approve. Paper manifests (Art. 20) are entered back with
their scan. The rules that differ per kind (hazardous / general / medical) live in
``kinds.py``; the state machine in ``states.py``; every change goes through ``actions/``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wufei.catalog.models import GeneralWasteCategory, Region, TreatmentMethod, WasteCode
from wufei.core.permissions import ADMIN, ALL_ROLES, DRIVER, MEMBER, Policy, RestrictedManager
from wufei.ledger.models import Container, PackageType
from wufei.plans.models import WasteForm
from wufei.registry.models import TONNES, Driver, Organization, Permit, Site, Vehicle

PARTY_ROLES = frozenset({ADMIN, MEMBER, DRIVER})

# Every party to a manifest sees it (shipper, receiver, first and later carriers); drivers
# are members of their carrier. Regulators see the manifests leaving or entering their
# jurisdiction. Which party may do which step is the actions' business (states.py).
MANIFEST_POLICY = Policy(
    org_path="shipper",
    party_paths=("receiver", "carrier"),
    related_party_paths=("legs__carrier",),
    region_path="origin_region__prefix",
    extra_region_paths=("destination_region__prefix",),
    view_roles=ALL_ROLES,
    add_roles=frozenset({ADMIN, MEMBER}),
    change_roles=PARTY_ROLES,
    regulator_actions=frozenset({"view"}),
    admin_actions=frozenset({"view"}),
)


def _child_policy(prefix: str) -> Policy:
    """Rows that belong to a manifest follow the manifest's policy."""
    return Policy(
        org_path=f"{prefix}__shipper",
        party_paths=(f"{prefix}__receiver", f"{prefix}__carrier"),
        related_party_paths=(f"{prefix}__legs__carrier",),
        region_path=f"{prefix}__origin_region__prefix",
        extra_region_paths=(f"{prefix}__destination_region__prefix",),
        view_roles=ALL_ROLES,
        add_roles=PARTY_ROLES,
        change_roles=PARTY_ROLES,
        regulator_actions=frozenset({"view"}),
        admin_actions=frozenset({"view"}),
    )


class ManifestKind(models.TextChoices):
    HAZARDOUS = "hazardous", _("Hazardous waste (危险废物)")
    GENERAL = "general", _("General industrial solid waste (一般工业固体废物)")
    MEDICAL = "medical", _("Medical waste (医疗废物)")


class ManifestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (草稿)")
    SUBMITTED = "submitted", _("Awaiting pickup (待转移)")
    IN_TRANSIT = "in_transit", _("In transit (运输中)")
    ARRIVED = "arrived", _("Arrived (已到达)")
    RECEIVED = "received", _("Received (已接收)")
    REFUSED = "refused", _("Refused (已拒收)")
    CLOSED = "closed", _("Closed (已闭环)")
    CANCELLED = "cancelled", _("Cancelled (已作废)")


class Outcome(models.TextChoices):
    """接受人的处理意见 (Art. 18)."""

    ACCEPTED = "accepted", _("Accepted (接受)")
    PARTLY_REFUSED = "partly_refused", _("Partly refused (部分拒收)")
    REFUSED = "refused", _("Refused (拒收)")


class RefusalRoute(models.TextChoices):
    """Where refused waste goes (Art. 18): back to the shipper or to another receiver."""

    RETURN = "return", _("Back to the shipper (退回移出人)")
    REDIRECT = "redirect", _("To another receiver (转其他接受人)")


class LinkKind(models.TextChoices):
    RETURN = "return", _("Return of refused waste (退回)")
    REDIRECT = "redirect", _("Refused waste sent on (转移至其他接受人)")
    ONWARD = "onward", _("Consolidated and shipped onward (小微收集转运)")


class Manifest(models.Model):
    """转移联单: one vehicle trip of one shipper's waste to one receiver."""

    number = models.CharField(
        _("manifest number (联单编号)"), max_length=14, unique=True, null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ManifestKind.choices)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ManifestStatus.choices,
        default=ManifestStatus.DRAFT,
        db_index=True,
    )
    shipper = models.ForeignKey(
        Organization,
        verbose_name=_("shipper (移出人)"),
        on_delete=models.PROTECT,
        related_name="manifests_shipped",
    )
    shipper_site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="manifests"
    )
    receiver = models.ForeignKey(
        Organization,
        verbose_name=_("receiver (接受人)"),
        on_delete=models.PROTECT,
        related_name="manifests_received",
    )
    receiver_site = models.ForeignKey(
        Site,
        verbose_name=_("receiving site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="manifests_incoming",
    )
    receiver_permit = models.ForeignKey(
        Permit,
        verbose_name=_("receiver's permit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="manifests",
    )
    carrier = models.ForeignKey(
        Organization,
        verbose_name=_("carrier (承运人)"),
        on_delete=models.PROTECT,
        related_name="manifests_carried",
    )
    vehicle = models.ForeignKey(
        Vehicle, verbose_name=_("vehicle"), on_delete=models.PROTECT, related_name="manifests"
    )
    driver = models.ForeignKey(
        Driver, verbose_name=_("driver"), on_delete=models.PROTECT, related_name="manifests"
    )
    origin_region = models.ForeignKey(
        Region,
        verbose_name=_("origin"),
        on_delete=models.PROTECT,
        related_name="manifests_out",
    )
    destination_region = models.ForeignKey(
        Region,
        verbose_name=_("destination"),
        on_delete=models.PROTECT,
        related_name="manifests_in",
    )
    is_cross_province = models.BooleanField(_("cross-province (跨省)"), default=False)
    approval = models.ForeignKey(
        "approvals.CrossProvinceApproval",
        verbose_name=_("cross-province approval"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="manifests",
    )
    planned_pickup_on = models.DateField(_("planned transfer date"))
    planned_arrival_at = models.DateTimeField(_("planned arrival"), null=True, blank=True)
    route_note = models.CharField(_("route (运输路线)"), max_length=300, blank=True)
    emergency_measures = models.TextField(_("emergency measures (应急措施)"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("linked earlier manifest"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    link_kind = models.CharField(_("link"), max_length=10, choices=LinkKind.choices, blank=True)

    # Paper manifests entered back (Art. 20).
    is_paper = models.BooleanField(_("paper manifest (纸质联单)"), default=False)
    paper_number = models.CharField(_("paper manifest number"), max_length=30, blank=True)
    paper_scan = models.FileField(
        _("scan of the paper manifest"), upload_to="manifests/paper/", blank=True
    )
    paper_scan_sha256 = models.CharField(_("scan SHA-256"), max_length=64, blank=True)
    paper_transferred_on = models.DateField(_("paper transfer date"), null=True, blank=True)
    paper_entered_late = models.BooleanField(_("entered after 10 working days"), default=False)

    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    picked_up_at = models.DateTimeField(_("picked up"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    receipt_due_on = models.DateField(_("receipt due (5 working days)"), null=True, blank=True)
    received_at = models.DateTimeField(_("receipt signed"), null=True, blank=True)
    receipt_late = models.BooleanField(_("receipt late"), default=False)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    refusal_reason = models.TextField(_("reason for refusal or difference"), blank=True)
    refusal_route = models.CharField(
        _("refused waste goes"), max_length=10, choices=RefusalRoute.choices, blank=True
    )
    has_discrepancy = models.BooleanField(_("discrepancy (差异)"), default=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    current_leg = models.PositiveSmallIntegerField(_("current carrier leg"), default=1)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = MANIFEST_POLICY

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["shipper", "status"]),
            models.Index(fields=["receiver", "status"]),
            models.Index(fields=["carrier", "status"]),
            models.Index(fields=["status", "receipt_due_on"]),
            models.Index(fields=["planned_pickup_on"]),
        ]
        verbose_name = _("transfer manifest")
        verbose_name_plural = _("transfer manifests")

    def __str__(self) -> str:
        return self.number or _("draft manifest #%(pk)s") % {"pk": self.pk}

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("manifests:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status not in (ManifestStatus.CLOSED, ManifestStatus.CANCELLED)


class ManifestLine(models.Model):
    """A waste line of the manifest: code, name, form, hazard, packaging, quantity."""

    manifest = models.ForeignKey(
        Manifest, verbose_name=_("manifest"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("line"), default=1)
    waste_code = models.ForeignKey(
        WasteCode, verbose_name=_("waste code"), null=True, blank=True, on_delete=models.PROTECT
    )
    general_category = models.ForeignKey(
        GeneralWasteCategory,
        verbose_name=_("general waste class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    name = models.CharField(_("waste name"), max_length=100)
    form = models.CharField(_("form"), max_length=20, choices=WasteForm.choices)
    hazard = models.CharField(_("hazard characteristics"), max_length=20, blank=True)
    hazardous_components = models.CharField(_("hazardous components"), max_length=200, blank=True)
    package_type = models.CharField(_("package type"), max_length=20, choices=PackageType.choices)
    package_count = models.PositiveIntegerField(_("number of packages"), default=0)
    quantity_tonnes = models.DecimalField(_("quantity shipped (t)"), **TONNES)
    method = models.ForeignKey(
        TreatmentMethod,
        verbose_name=_("planned utilisation/disposal method"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_tonnes = models.DecimalField(
        _("quantity received (t)"), null=True, blank=True, **TONNES
    )
    accepted_tonnes = models.DecimalField(
        _("quantity accepted (t)"), null=True, blank=True, **TONNES
    )
    received_method = models.ForeignKey(
        TreatmentMethod,
        verbose_name=_("method used by the receiver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    discrepancy = models.JSONField(_("discrepancies"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    exemption = models.ForeignKey(
        "catalog.Exemption",
        verbose_name=_("exemption claimed (豁免清单)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The shipper states that the row's condition is met, so no permit is needed."),
    )

    objects = RestrictedManager()
    policy = _child_policy("manifest")

    class Meta:
        ordering = ["manifest", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["manifest", "position"], name="manifests_line_position_unique"
            )
        ]
        verbose_name = _("manifest line")
        verbose_name_plural = _("manifest lines")

    def __str__(self) -> str:
        return f"{self.code_text} {self.name}"

    @property
    def code_text(self) -> str:
        if self.waste_code_id:
            return self.waste_code.code  # type: ignore[union-attr]
        return self.general_category.code_2021 if self.general_category_id else ""  # type: ignore[union-attr]


class ItemStatus(models.TextChoices):
    LISTED = "listed", _("Listed (待装车)")
    LOADED = "loaded", _("Loaded (已装车)")
    RECEIVED = "received", _("Received (已接收)")
    REFUSED = "refused", _("Refused (拒收)")
    TREATED = "treated", _("Treated (已利用/处置)")
    CONSOLIDATED = "consolidated", _("Consolidated (已合并转运)")
    RETURNED = "returned", _("Returned (已退回)")


class ManifestItem(models.Model):
    """A container on the manifest (一码贯通): each scan and weight along the trip."""

    manifest = models.ForeignKey(
        Manifest, verbose_name=_("manifest"), on_delete=models.CASCADE, related_name="items"
    )
    line = models.ForeignKey(
        ManifestLine, verbose_name=_("line"), on_delete=models.CASCADE, related_name="items"
    )
    container = models.ForeignKey(
        Container,
        verbose_name=_("container"),
        on_delete=models.PROTECT,
        related_name="manifest_items",
    )
    status = models.CharField(
        _("status"), max_length=14, choices=ItemStatus.choices, default=ItemStatus.LISTED
    )
    dispatch_tonnes = models.DecimalField(_("weight at dispatch (t)"), **TONNES)
    loaded_at = models.DateTimeField(_("scanned at pickup"), null=True, blank=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_scanned_leg = models.PositiveSmallIntegerField(_("last carrier leg scanned"), default=0)
    arrived_scanned_at = models.DateTimeField(_("scanned at arrival"), null=True, blank=True)
    received_tonnes = models.DecimalField(
        _("weight at receipt (t)"), null=True, blank=True, **TONNES
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refused = models.BooleanField(_("refused"), default=False)
    refusal_reason = models.CharField(_("reason"), max_length=300, blank=True)
    label_mismatch = models.CharField(_("label mismatch"), max_length=300, blank=True)
    treated_at = models.DateTimeField(_("treated"), null=True, blank=True)
    treatment_method = models.ForeignKey(
        TreatmentMethod,
        verbose_name=_("method"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    treatment_note = models.CharField(_("treatment note"), max_length=300, blank=True)

    objects = RestrictedManager()
    policy = _child_policy("manifest")

    class Meta:
        ordering = ["manifest", "line__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["manifest", "container"], name="manifests_item_container_unique"
            )
        ]
        indexes = [models.Index(fields=["container", "status"])]
        verbose_name = _("manifest container")
        verbose_name_plural = _("manifest containers")

    def __str__(self) -> str:
        return str(self.container)


class ManifestLeg(models.Model):
    """A carrier's part of the trip (联运, Art. 17). Leg 1 is the manifest's own carrier."""

    manifest = models.ForeignKey(
        Manifest, verbose_name=_("manifest"), on_delete=models.CASCADE, related_name="legs"
    )
    sequence = models.PositiveSmallIntegerField(_("leg"))
    carrier = models.ForeignKey(
        Organization, verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="+"
    )
    vehicle = models.ForeignKey(Vehicle, verbose_name=_("vehicle"), on_delete=models.PROTECT)
    driver = models.ForeignKey(Driver, verbose_name=_("driver"), on_delete=models.PROTECT)
    handover_place = models.CharField(_("hand-over place"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("took over"), null=True, blank=True)

    objects = RestrictedManager()
    policy = _child_policy("manifest")

    class Meta:
        ordering = ["manifest", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["manifest", "sequence"], name="manifests_leg_unique")
        ]
        verbose_name = _("carrier leg")
        verbose_name_plural = _("carrier legs")

    def __str__(self) -> str:
        return f"{self.sequence}: {self.carrier}"


class SignatureStep(models.TextChoices):
    SUBMIT = "submit", _("Submitted by the shipper (移出人提交)")
    HANDOVER = "handover", _("Handed over by the shipper (移出人交付)")
    PICKUP = "pickup", _("Picked up by the carrier (承运人接收)")
    LEG_HANDOVER = "leg_handover", _("Handed between carriers (联运交接)")
    RECEIPT = "receipt", _("Receipt by the receiver (接受人签收)")
    TREATMENT = "treatment", _("Treatment completed (利用/处置完成)")
    CANCEL = "cancel", _("Cancelled (作废)")
    REVISION = "revision", _("Revision decided (修正)")
    PAPER = "paper", _("Paper manifest entered (纸质联单补录)")


class Signature(models.Model):
    """电子签名: who signed which step, over which content (SHA-256), countersigned by the
    platform's Ed25519 key so that a printed manifest can be verified offline."""

    manifest = models.ForeignKey(
        Manifest, verbose_name=_("manifest"), on_delete=models.PROTECT, related_name="signatures"
    )
    step = models.CharField(_("step"), max_length=14, choices=SignatureStep.choices)
    leg = models.PositiveSmallIntegerField(_("leg"), default=0)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signer_name = models.CharField(_("signer"), max_length=150)
    role = models.CharField(_("role"), max_length=20)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed"))
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64)
    key_id = models.CharField(_("platform key id"), max_length=16)
    platform_signature = models.CharField(_("platform signature (Ed25519)"), max_length=100)

    objects = RestrictedManager()
    policy = _child_policy("manifest")

    class Meta:
        ordering = ["manifest", "signed_at", "pk"]
        constraints = [
            # A step is signed once: a replayed or concurrent signature fails here at the latest.
            models.UniqueConstraint(
                fields=["manifest", "step", "leg", "revision"], name="manifests_signature_once"
            )
        ]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")

    def __str__(self) -> str:
        return f"{self.get_step_display()} · {self.signer_name}"


class RevisionStatus(models.TextChoices):
    OPEN = "open", _("Awaiting approval (待确认)")
    APPROVED = "approved", _("Approved and applied (已通过)")
    REFUSED = "refused", _("Refused (已驳回)")
    WITHDRAWN = "withdrawn", _("Withdrawn (已撤回)")


class Revision(models.Model):
    """修正申请: a change to a signed manifest, proposed by one party and approved by the
    others (Trackdéchets' révision, e-Manifest's correction). One open at a time."""

    manifest = models.ForeignKey(
        Manifest, verbose_name=_("manifest"), on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    status = models.CharField(
        _("status"), max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.OPEN
    )
    requested_by = models.ForeignKey(
        Organization, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"))
    original = models.JSONField(_("original values"))
    proposed = models.JSONField(_("proposed values"))
    approvers = models.JSONField(_("parties that must approve"), default=list)
    decisions = models.JSONField(_("decisions"), default=list)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = _child_policy("manifest")

    class Meta:
        ordering = ["manifest", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["manifest", "number"], name="manifests_revision_number"
            ),
            models.UniqueConstraint(
                fields=["manifest"],
                condition=models.Q(status="open"),
                name="manifests_one_open_revision",
            ),
        ]
        verbose_name = _("revision request")
        verbose_name_plural = _("revision requests")

    def __str__(self) -> str:
        return f"{self.manifest} · {self.number}"


class Consolidation(models.Model):
    """小微收运: a collector packs containers received from small producers into one of its own
    containers; the link keeps every source so a receiver's container traces back to each
    producer (一码贯通 survives consolidation)."""

    container = models.ForeignKey(
        Container,
        verbose_name=_("consolidated container"),
        on_delete=models.PROTECT,
        related_name="sources",
    )
    source_item = models.OneToOneField(
        ManifestItem,
        verbose_name=_("source container on its manifest"),
        on_delete=models.PROTECT,
        related_name="consolidated_into",
    )
    tonnes = models.DecimalField(_("tonnes"), **TONNES)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()
    policy = Policy(
        org_path="container__organization",
        region_path="container__site__region__prefix",
        regulator_actions=frozenset({"view"}),
        admin_actions=frozenset({"view"}),
    )

    class Meta:
        ordering = ["container", "pk"]
        verbose_name = _("consolidation")
        verbose_name_plural = _("consolidations")

    def __str__(self) -> str:
        return f"{self.source_item} → {self.container}"


class AccessLink(models.Model):
    """A short-lived link that lets a roadside officer open a manifest without logging in."""

    manifest = models.ForeignKey(
        Manifest, verbose_name=_("manifest"), on_delete=models.CASCADE, related_name="links"
    )
    token_sha256 = models.CharField(_("token hash"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    opened_count = models.PositiveIntegerField(_("opened"), default=0)

    objects = RestrictedManager()
    policy = _child_policy("manifest")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("access link")
        verbose_name_plural = _("access links")

    def __str__(self) -> str:
        return f"{self.manifest} · {self.expires_at:%Y-%m-%d %H:%M}"


def party_of(manifest: Manifest, org_id: int | None) -> list[str]:
    """Which parties of ``manifest`` the organisation is: shipper, carrier, receiver."""
    roles: list[str] = []
    if org_id is None:
        return roles
    if manifest.shipper_id == org_id:
        roles.append("shipper")
    if manifest.carrier_id == org_id or any(
        leg.carrier_id == org_id for leg in manifest.legs.all()
    ):
        roles.append("carrier")
    if manifest.receiver_id == org_id:
        roles.append("receiver")
    return roles
