import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from wufei.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wufei.core.models import AuditEvent
from wufei.core.permissions import principal
from wufei.registry import actions
from wufei.registry.models import Invitation, Membership

from .factories import OrganizationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


def test_add_change_remove_member():
    org = OrganizationFactory()
    admin = member_of(org)
    user = UserFactory()
    m = actions.add_member(admin, org, user, "member")
    assert m.is_active and m.role == "member"
    assert principal(user).org_roles == {org.pk: "member"}
    m = actions.change_member_role(admin, m, "reader")
    assert m.role == "reader"
    m = actions.remove_member(admin, m)
    assert not m.is_active and Membership.objects.filter(pk=m.pk).exists()
    assert [e.action for e in AuditEvent.objects.order_by("seq")][-3:] == [
        "registry.membership.add",
        "registry.membership.change_role",
        "registry.membership.remove",
    ]
    # re-adding reactivates the same row
    m2 = actions.add_member(admin, org, user, "member")
    assert m2.pk == m.pk and m2.is_active


def test_add_twice_conflicts():
    org = OrganizationFactory()
    admin = member_of(org)
    with pytest.raises(Conflict):
        actions.add_member(admin, org, admin, "member")


def test_bad_role():
    org = OrganizationFactory()
    with pytest.raises(ValidationFailed) as exc:
        actions.add_member(member_of(org), org, UserFactory(), "boss")
    assert exc.value.field == "role"


def test_member_cannot_manage_members():
    org = OrganizationFactory()
    member = member_of(org, "member")
    with pytest.raises(NotFound):
        actions.add_member(member, org, UserFactory(), "member")
    own = Membership.objects.get(user=member)
    with pytest.raises((NotFound, Forbidden)):
        actions.remove_member(member, own)


def test_last_admin_cannot_leave_or_be_demoted():
    org = OrganizationFactory()
    admin = member_of(org)
    own = Membership.objects.get(user=admin)
    with pytest.raises(Conflict) as exc:
        actions.remove_member(admin, own)
    assert exc.value.code == "registry.last_admin"
    with pytest.raises(Conflict):
        actions.change_member_role(admin, own, "member")
    second = member_of(org)
    actions.remove_member(second, own)
    assert Membership.objects.filter(organization=org, role="admin", is_active=True).count() == 1


def test_removing_both_of_two_admins_leaves_one():
    """Sequential form of the race: the org row lock makes the second removal see one admin."""
    org = OrganizationFactory()
    a, b = member_of(org), member_of(org)
    ma, mb = Membership.objects.get(user=a), Membership.objects.get(user=b)
    actions.remove_member(a, mb)
    with pytest.raises((Conflict, NotFound)):
        actions.remove_member(b, ma)
    assert Membership.objects.filter(organization=org, role="admin", is_active=True).count() == 1


def test_invitation_accept_once_and_replay_conflicts(django_capture_on_commit_callbacks):
    org = OrganizationFactory()
    admin = member_of(org)
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = actions.invite_member(admin, org, email="new@example.cn", role="member")
    assert invitation.token_hash != token and len(mail.outbox) == 1
    m = actions.accept_invitation(token, username="newbie", password="a-Long-pass-phrase-9")
    assert (
        m.role == "member"
        and m.user.email == "new@example.cn"
        and m.user.check_password("a-Long-pass-phrase-9")
    )
    with pytest.raises(Conflict) as exc:
        actions.accept_invitation(token, username="other", password="a-Long-pass-phrase-9")
    assert exc.value.code == "registry.invitation_used"
    assert Membership.objects.filter(organization=org).count() == 2
    assert AuditEvent.objects.filter(action="registry.invitation.accept").count() == 1


def test_invitation_by_signed_in_user():
    org = OrganizationFactory()
    invitation, token = actions.invite_member(
        member_of(org), org, email="x@example.cn", role="reader"
    )
    user = UserFactory()
    m = actions.accept_invitation(token, user=user)
    assert m.user == user and m.role == "reader"


def test_invitation_expired_revoked_invalid():
    org = OrganizationFactory()
    admin = member_of(org)
    inv, token = actions.invite_member(admin, org, email="late@example.cn", role="member")
    Invitation.objects.filter(pk=inv.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(Conflict) as exc:
        actions.accept_invitation(token, username="late", password="a-Long-pass-phrase-9")
    assert exc.value.code == "registry.invitation_expired"
    inv2, token2 = actions.invite_member(admin, org, email="gone@example.cn", role="member")
    actions.revoke_invitation(admin, inv2)
    with pytest.raises(Conflict):
        actions.accept_invitation(token2, username="gone", password="a-Long-pass-phrase-9")
    with pytest.raises(NotFound):
        actions.accept_invitation("nonsense", username="x", password="a-Long-pass-phrase-9")
    assert not Membership.objects.filter(user__username__in=["late", "gone", "x"]).exists()


def test_invitation_bad_password_creates_nothing():
    org = OrganizationFactory()
    inv, token = actions.invite_member(member_of(org), org, email="p@example.cn", role="member")
    with pytest.raises(ValidationFailed) as exc:
        actions.accept_invitation(token, username="weak", password="123")
    assert exc.value.field == "password"
    inv.refresh_from_db()
    assert inv.accepted_at is None
    m = actions.accept_invitation(token, username="strong", password="a-Long-pass-phrase-9")
    assert m.is_active
