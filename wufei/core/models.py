"""Core models: users, the audit chain, sequences and idempotency records."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from .permissions import Policy, RestrictedManager, RestrictedQuerySet


class RestrictedUserManager(UserManager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person or system account (用户). Platform administrators are superusers.

    What a user may see and do comes from their memberships (registry app) and, for
    regulators, the jurisdiction of their bureau: see docs/permissions.md.
    """

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    objects = RestrictedUserManager()  # type: ignore[misc]
    policy = Policy(self_path="pk", self_actions=frozenset({"view", "change"}))

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class AuditEvent(models.Model):
    """审计日志: one append-only, hash-chained event per state change.

    ``hash = sha256(prev_hash + canonical JSON of the row)``; ``seq`` is contiguous, so a
    changed, deleted or reordered row breaks the chain (``manage.py verify_audit``).
    Rows are only ever inserted by :func:`wufei.core.audit.record`.
    """

    seq = models.BigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_repr = models.CharField(_("actor"), max_length=200)
    organization_id_ref = models.BigIntegerField(
        _("organisation"), null=True, blank=True, db_index=True
    )
    region_prefix = models.CharField(_("region"), max_length=12, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    object_repr = models.CharField(_("object"), max_length=300)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = RestrictedManager()  # type: ignore[misc]
    policy = Policy(
        org_path="organization_id_ref",
        region_path="region_prefix",
        add_roles=frozenset(),
        change_roles=frozenset(),
        view_roles=frozenset({"admin"}),
        admin_actions=frozenset({"view"}),
    )

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"


class AuditHead(models.Model):
    """The chain's head (a single row): last sequence and hash, locked by every writer."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit head")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class Sequence(models.Model):
    """A named counter (scope + year → last number issued), see docs/numbering.md."""

    scope = models.CharField(_("scope"), max_length=100)
    year = models.PositiveIntegerField(_("year"))
    last = models.BigIntegerField(_("last number issued"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "year"], name="core_sequence_scope_year")
        ]
        verbose_name = _("sequence")

    def __str__(self) -> str:
        return f"{self.scope}/{self.year}: {self.last}"


class IdempotencyRecord(models.Model):
    """The stored answer to a POST made with an ``Idempotency-Key`` header."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_user_key")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
