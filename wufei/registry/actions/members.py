"""Memberships and invitations: who works for an organisation, with which role."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core import audit
from wufei.core.actions import after_commit, lock
from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.core.permissions import allows, forget_principal

from .. import validators as v
from ..models import Invitation, Membership, MembershipRole, Organization

INVITATION_DAYS = 7


def _clean_role(role: Any) -> str:
    if role not in MembershipRole.values:
        raise ValidationFailed(
            _("Choose a role: administrator, member, driver or reader."),
            code="registry.member_role_invalid",
            field="role",
        )
    return str(role)


def _active_admins(org_id: int) -> int:
    return Membership.objects.filter(
        organization_id=org_id, role=MembershipRole.ADMIN, is_active=True
    ).count()


def _lock_org(actor: Any, org_id: int) -> Organization:
    """The organisation row, locked: every membership change serialises on it, so that two
    concurrent removals of the last two administrators cannot both succeed."""
    org = (
        Organization.objects.select_for_update().select_related("region").filter(pk=org_id).first()
    )
    if org is None:
        raise NotFound(
            _("%(what)s not found.") % {"what": Organization._meta.verbose_name}, code="not_found"
        )
    return org


def _forget(user: Any) -> None:
    forget_principal(user)


def _membership_snapshot(m: Membership) -> dict:
    return audit.snapshot(m, fields=["user", "organization", "role", "is_active"])


def _grant(actor: Any, org: Organization, user: Any, role: str, *, action: str) -> Membership:
    existing = Membership.objects.select_for_update().filter(organization=org, user=user).first()
    if existing is not None and existing.is_active:
        raise Conflict(
            _("%(user)s is already a member of this organisation.") % {"user": user},
            code="registry.member_exists",
            field="user",
        )
    if existing is not None:
        before = _membership_snapshot(existing)
        existing.role, existing.is_active = role, True
        existing.save(update_fields=["role", "is_active", "updated_at"])
        membership = existing
    else:
        before = None
        try:
            with transaction.atomic():
                membership = Membership.objects.create(organization=org, user=user, role=role)
        except IntegrityError:
            raise Conflict(
                _("%(user)s is already a member of this organisation.") % {"user": user},
                code="registry.member_exists",
                field="user",
            ) from None
    audit.record(
        actor=actor,
        action=action,
        obj=membership,
        before=before,
        after=_membership_snapshot(membership),
        organization_id=org.pk,
        region_prefix=org.region.prefix,
    )
    after_commit(lambda: _forget(user))
    return membership


def add_member(actor: Any, organization: Organization, user: Any, role: str) -> Membership:
    """An organisation administrator (or a platform administrator) adds a user with a role."""
    role = _clean_role(role)
    with transaction.atomic():
        if not allows(actor, "add", Membership(organization=organization, user=user, role=role)):
            raise NotFound(
                _("%(what)s not found.") % {"what": Organization._meta.verbose_name},
                code="not_found",
            )
        org = _lock_org(actor, organization.pk)
        return _grant(actor, org, user, role, action="registry.membership.add")


def _lock_membership(actor: Any, membership: Membership) -> tuple[Organization, Membership]:
    # lock the organisation first, then the membership (one order everywhere: no deadlock)
    visible = (
        Membership.objects.restrict(actor, "change")
        .filter(pk=membership.pk)
        .values_list("organization_id", flat=True)
        .first()
    )
    if visible is None:
        raise NotFound(
            _("%(what)s not found.") % {"what": Membership._meta.verbose_name}, code="not_found"
        )
    org = _lock_org(actor, visible)
    m = lock(actor, "change", Membership, pk=membership.pk)
    if not allows(actor, "add", m):
        # a user may see (self_path) but not manage their own membership
        raise Forbidden(
            _("Only the organisation's administrators manage its members."),
            code="registry.member_admin_only",
        )
    return org, m


def _keep_an_admin(org: Organization, m: Membership) -> None:
    if m.role == MembershipRole.ADMIN and m.is_active and _active_admins(org.pk) <= 1:
        raise Conflict(
            _("An organisation must keep at least one active administrator."),
            code="registry.last_admin",
            field="role",
        )


def change_member_role(actor: Any, membership: Membership, role: str) -> Membership:
    role = _clean_role(role)
    with transaction.atomic():
        org, m = _lock_membership(actor, membership)
        if not m.is_active:
            raise Conflict(_("This membership has ended."), code="registry.member_inactive")
        if m.role == role:
            return m
        if role != MembershipRole.ADMIN:
            _keep_an_admin(org, m)
        before = _membership_snapshot(m)
        m.role = role
        m.save(update_fields=["role", "updated_at"])
        audit.record(
            actor=actor,
            action="registry.membership.change_role",
            obj=m,
            before=before,
            after=_membership_snapshot(m),
            organization_id=org.pk,
            region_prefix=org.region.prefix,
        )
        user = m.user
        after_commit(lambda: _forget(user))
    return m


def remove_member(actor: Any, membership: Membership) -> Membership:
    """End a membership (the row stays, deactivated, for the record)."""
    with transaction.atomic():
        org, m = _lock_membership(actor, membership)
        if not m.is_active:
            raise Conflict(_("This membership has ended."), code="registry.member_inactive")
        _keep_an_admin(org, m)
        before = _membership_snapshot(m)
        m.is_active = False
        m.save(update_fields=["is_active", "updated_at"])
        audit.record(
            actor=actor,
            action="registry.membership.remove",
            obj=m,
            before=before,
            after=_membership_snapshot(m),
            organization_id=org.pk,
            region_prefix=org.region.prefix,
        )
        user = m.user
        after_commit(lambda: _forget(user))
    return m


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _send_invitation(invitation: Invitation, token: str) -> None:
    from django.urls import reverse

    path = reverse("registry:invitation_accept", args=[token])
    send_mail(
        subject=_("Invitation to join %(org)s") % {"org": invitation.organization.name},
        message=_(
            "You are invited to join %(org)s as %(role)s. Accept within %(days)d days: %(path)s"
        )
        % {
            "org": invitation.organization.name,
            "role": invitation.get_role_display(),
            "days": INVITATION_DAYS,
            "path": path,
        },
        from_email=None,
        recipient_list=[invitation.email],
        fail_silently=True,
    )


def invite_member(
    actor: Any, organization: Organization, *, email: str, role: str
) -> tuple[Invitation, str]:
    """Invite someone by e-mail; returns the invitation and its one-time token (stored hashed)."""
    email = v.clean_email(email, "email", required=True)
    role = _clean_role(role)
    with transaction.atomic():
        if not allows(actor, "add", Invitation(organization=organization, role=role, email=email)):
            raise NotFound(
                _("%(what)s not found.") % {"what": Organization._meta.verbose_name},
                code="not_found",
            )
        org = _lock_org(actor, organization.pk)
        if not org.is_active:
            raise Conflict(
                _("The organisation is deactivated."), code="registry.organization_inactive"
            )
        if Membership.objects.filter(
            organization=org, user__email__iexact=email, is_active=True
        ).exists():
            raise Conflict(
                _("%(user)s is already a member of this organisation.") % {"user": email},
                code="registry.member_exists",
                field="email",
            )
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            organization=org,
            email=email,
            role=role,
            token_hash=hash_token(token),
            invited_by=actor,
            expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
        )
        audit.record(
            actor=actor,
            action="registry.invitation.create",
            obj=invitation,
            after={"email": email, "role": role, "expires_at": invitation.expires_at},
            organization_id=org.pk,
            region_prefix=org.region.prefix,
        )
        after_commit(lambda: _send_invitation(invitation, token))
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )


def _check_open(invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation has already been used."), code="registry.invitation_used")
    if invitation.revoked_at is not None:
        raise Conflict(_("This invitation was withdrawn."), code="registry.invitation_revoked")
    if invitation.expires_at <= timezone.now():
        raise Conflict(
            _("This invitation has expired. Ask for a new one."), code="registry.invitation_expired"
        )


def accept_invitation(
    token: str, *, user: Any = None, username: str | None = None, password: str | None = None
) -> Membership:
    """Accept once, before expiry: as the signed-in ``user``, or as a new account
    (``username`` + ``password``). A replay fails with :class:`Conflict`."""
    User = get_user_model()
    with transaction.atomic():
        found = find_invitation(token)
        if found is None:
            raise NotFound(
                _("This invitation link is not valid."), code="registry.invitation_invalid"
            )
        invitation = Invitation.objects.select_for_update().get(pk=found.pk)
        _check_open(invitation)
        if user is None or not getattr(user, "is_authenticated", False):
            username = (username or "").strip()
            if not username:
                raise ValidationFailed(
                    _("Choose a user name."), code="registry.username_required", field="username"
                )
            if len(username) > 150:
                raise ValidationFailed(
                    _("The user name is too long."),
                    code="registry.username_invalid",
                    field="username",
                )
            if User.objects.filter(username__iexact=username).exists():
                raise ValidationFailed(
                    _("This user name is taken."), code="registry.username_taken", field="username"
                )
            candidate = User(username=username, email=invitation.email)
            try:
                validate_password(password or "", candidate)
            except DjangoValidationError as exc:
                raise ValidationFailed(
                    " ".join(exc.messages), code="registry.password_invalid", field="password"
                ) from None
            candidate.set_password(password)
            candidate.save()
            user = candidate
        claimed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(accepted_at=timezone.now(), accepted_by=user)
        if not claimed:
            raise Conflict(
                _("This invitation has already been used."), code="registry.invitation_used"
            )
        org = (
            Organization.objects.select_for_update()
            .select_related("region")
            .get(pk=invitation.organization_id)
        )
        membership = _grant(user, org, user, invitation.role, action="registry.invitation.accept")
    return membership


def revoke_invitation(actor: Any, invitation: Invitation) -> Invitation:
    with transaction.atomic():
        invitation = lock(actor, "change", Invitation, pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise Conflict(
                _("This invitation has already been used."), code="registry.invitation_used"
            )
        if invitation.revoked_at is not None:
            raise Conflict(_("This invitation was withdrawn."), code="registry.invitation_revoked")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        org = invitation.organization
        audit.record(
            actor=actor,
            action="registry.invitation.revoke",
            obj=invitation,
            after={"revoked_at": invitation.revoked_at},
            organization_id=org.pk,
            region_prefix=org.region.prefix,
        )
    return invitation
