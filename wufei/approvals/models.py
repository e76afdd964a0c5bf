"""Cross-province transfer approval (跨省转移审批, 令第23号 Art. 21–28).

The shipper applies to its province's bureau with the documents (Art. 22) → the bureau accepts
it or asks for the missing items within 5 working days (Art. 23) → reviews it and sends a
request letter (商请函) to the receiving province within 5 working days → the receiving
province replies within 10 working days (Art. 24) → the origin bureau decides within 5 working
days (Art. 25). An approval is valid for at most 12 months and never past the receiver's
permit (Art. 26); many manifests draw on it until its quantity is used; a change of waste,
method, receiver or quantity needs a new application (Art. 27). A province pair may run the
Yangtze-delta white-list simplification (长三角白名单): the reply step is skipped.
The deadlines live in ``rules.py``; every change goes through ``actions.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wufei.catalog.models import Region, TreatmentMethod, WasteCode
from wufei.core.permissions import ADMIN, MEMBER, Policy, RestrictedManager
from wufei.registry.models import TONNES, Organization, Permit, Site

APPROVAL_POLICY = Policy(
    org_path="applicant",
    party_paths=("receiver",),
    region_path="origin_region__prefix",
    extra_region_paths=("destination_region__prefix",),
    add_roles=frozenset({ADMIN, MEMBER}),
    change_roles=frozenset({ADMIN, MEMBER}),
    regulator_actions=frozenset({"view", "change"}),
    admin_actions=frozenset({"view"}),
)


def _child(prefix: str) -> Policy:
    return Policy(
        org_path=f"{prefix}__applicant",
        party_paths=(f"{prefix}__receiver",),
        region_path=f"{prefix}__origin_region__prefix",
        extra_region_paths=(f"{prefix}__destination_region__prefix",),
        add_roles=frozenset({ADMIN, MEMBER}),
        change_roles=frozenset({ADMIN, MEMBER}),
        regulator_actions=frozenset({"view", "change"}),
        admin_actions=frozenset({"view"}),
    )


class ApprovalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (草稿)")
    SUBMITTED = "submitted", _("Applied (已申请)")
    INCOMPLETE = "incomplete", _("Missing items requested (需补正)")
    ACCEPTED = "accepted", _("Accepted (已受理)")
    REQUESTED = "requested", _("Request letter sent (已商请)")
    REPLIED = "replied", _("Receiving province replied (已复函)")
    APPROVED = "approved", _("Approved (已批准)")
    REJECTED = "rejected", _("Not approved (不予批准)")
    WITHDRAWN = "withdrawn", _("Withdrawn (已撤回)")


class CrossProvinceApproval(models.Model):
    """跨省转移申请/批准: one shipper, one receiver, the waste lines and their quantities."""

    number = models.CharField(
        _("application number"), max_length=20, unique=True, null=True, blank=True
    )
    decision_number = models.CharField(_("approval number (批准文号)"), max_length=50, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.DRAFT,
        db_index=True,
    )
    applicant = models.ForeignKey(
        Organization,
        verbose_name=_("applicant (移出人)"),
        on_delete=models.PROTECT,
        related_name="approvals_applied",
    )
    applicant_site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="approvals"
    )
    receiver = models.ForeignKey(
        Organization,
        verbose_name=_("receiver (接受人)"),
        on_delete=models.PROTECT,
        related_name="approvals_received",
    )
    receiver_permit = models.ForeignKey(
        Permit,
        verbose_name=_("receiver's permit"),
        on_delete=models.PROTECT,
        related_name="approvals",
    )
    origin_region = models.ForeignKey(
        Region, verbose_name=_("origin province"), on_delete=models.PROTECT, related_name="+"
    )
    destination_region = models.ForeignKey(
        Region, verbose_name=_("receiving province"), on_delete=models.PROTECT, related_name="+"
    )
    requested_from = models.DateField(_("transfer from"))
    requested_until = models.DateField(_("transfer until"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    simplified = models.BooleanField(_("white-list simplification (白名单)"), default=False)
    purpose = models.TextField(_("purpose and method of the transfer"), blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    submitted_at = models.DateTimeField(_("applied"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = APPROVAL_POLICY

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["applicant", "status"])]
        verbose_name = _("cross-province transfer approval")
        verbose_name_plural = _("cross-province transfer approvals")

    def __str__(self) -> str:
        return (
            self.decision_number or self.number or _("draft application #%(pk)s") % {"pk": self.pk}
        )

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("approvals:detail", args=[self.pk])


class ApprovalLine(models.Model):
    """A waste on the approval, with its approved quantity and what manifests used of it."""

    approval = models.ForeignKey(
        CrossProvinceApproval,
        verbose_name=_("approval"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    waste_code = models.ForeignKey(
        WasteCode, verbose_name=_("waste code"), on_delete=models.PROTECT
    )
    name = models.CharField(_("waste name"), max_length=100)
    method = models.ForeignKey(
        TreatmentMethod, verbose_name=_("method"), on_delete=models.PROTECT, related_name="+"
    )
    quantity_tonnes = models.DecimalField(_("approved quantity (t)"), **TONNES)
    used_tonnes = models.DecimalField(_("used (t)"), default=0, **TONNES)

    objects = RestrictedManager()
    policy = _child("approval")

    class Meta:
        ordering = ["approval", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["approval", "waste_code", "method"], name="approvals_line_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(used_tonnes__lte=models.F("quantity_tonnes")),
                name="approvals_line_within_quantity",
            ),
        ]
        verbose_name = _("approved waste")
        verbose_name_plural = _("approved wastes")

    def __str__(self) -> str:
        return f"{self.waste_code.code} {self.quantity_tonnes} t"

    @property
    def remaining_tonnes(self):  # type: ignore[no-untyped-def]
        return self.quantity_tonnes - self.used_tonnes


class StepKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("Acceptance or notice of missing items (受理/补正告知)")
    REVIEW = "review", _("Review and request letter (审查并商请)")
    REPLY = "reply", _("Receiving province's reply (接受地复函)")
    DECISION = "decision", _("Decision (作出决定)")


class ApprovalStep(models.Model):
    """One step of the procedure with its deadline in working days (holiday calendar)."""

    approval = models.ForeignKey(
        CrossProvinceApproval,
        verbose_name=_("approval"),
        on_delete=models.CASCADE,
        related_name="steps",
    )
    kind = models.CharField(_("step"), max_length=12, choices=StepKind.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    started_at = models.DateTimeField(_("started"))
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, blank=True)
    note = models.TextField(_("note"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedManager()
    policy = _child("approval")

    class Meta:
        ordering = ["approval", "started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["approval", "kind", "round"], name="approvals_step_once"
            )
        ]
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.due_on}"


class ApprovalDocument(models.Model):
    """申请材料 (Art. 22): the contract, the receiver's permit, the transport plan…"""

    approval = models.ForeignKey(
        CrossProvinceApproval,
        verbose_name=_("approval"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(_("document"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="approvals/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedManager()
    policy = _child("approval")

    class Meta:
        ordering = ["approval", "pk"]
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")

    def __str__(self) -> str:
        return self.title


class ProvincePair(models.Model):
    """A setting per (origin, receiving) province pair: the Yangtze-delta white-list
    simplification (长三角危险废物跨省转移白名单) and the decision note to show."""

    origin = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    white_list = models.BooleanField(_("white-list simplification"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RestrictedManager()
    policy = Policy(
        public_view=True,
        org_path=None,
        region_path="origin__prefix",
        add_roles=frozenset(),
        change_roles=frozenset(),
        regulator_actions=frozenset({"view", "change"}),
        admin_actions=frozenset({"view", "add", "change"}),
    )

    class Meta:
        ordering = ["origin", "destination"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "destination"], name="approvals_pair_unique")
        ]
        verbose_name = _("province pair setting")
        verbose_name_plural = _("province pair settings")

    def __str__(self) -> str:
        return f"{self.origin} → {self.destination}"
