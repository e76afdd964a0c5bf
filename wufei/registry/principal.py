"""Who a user is: organisation roles from memberships, jurisdictions from regulator bureaus."""

from __future__ import annotations

from typing import Any

from wufei.core.permissions import DRIVER, Principal


def load_principal(user: Any) -> Principal:
    from .models import Membership

    rows = (
        Membership.objects.filter(user=user, is_active=True, organization__is_active=True)
        .select_related("organization", "organization__region")
        .order_by("organization__name")
    )
    org_roles: dict[int, str] = {}
    jurisdictions: list[str] = []
    labels: list[str] = []
    for m in rows:
        org_roles[m.organization_id] = m.role
        labels.append(m.organization.name)
        if m.organization.is_regulator and m.role != DRIVER and m.organization.region_id:
            jurisdictions.append(m.organization.region.prefix)
    return Principal(
        user_id=user.pk,
        is_platform_admin=False,
        org_roles=org_roles,
        jurisdictions=tuple(sorted(set(jurisdictions))),
        label="、".join(labels[:2]) + ("…" if len(labels) > 2 else ""),
    )
