"""Read helpers for the registry: every list starts from ``restrict(user, "view")``."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from .models import Driver, Facility, Membership, Organization, OrgRole, Permit, Site, Vehicle


def _region(qs: QuerySet, path: str, region: str) -> QuerySet:
    """``region`` is a region code (6 digits) or prefix; matches its whole subtree."""
    from wufei.catalog.models import Region

    region = (region or "").strip()
    if not region:
        return qs
    found = Region.objects.filter(code=region).first()
    prefix = found.prefix if found else region
    return qs.filter(**{f"{path}__startswith": prefix})


def organizations(
    user: Any,
    *,
    q: str = "",
    role: str = "",
    region: str = "",
    management_class: str = "",
    active: str = "",
) -> QuerySet[Organization]:
    qs = (
        Organization.objects.restrict(user, "view")
        .select_related("region")
        .defer("region__boundary")
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__icontains=q.upper()))
    if role in OrgRole.values:
        qs = qs.filter(**{f"is_{role}": True})
    if management_class:
        qs = qs.filter(management_class=management_class)
    if active in ("1", "0"):
        qs = qs.filter(is_active=active == "1")
    return _region(qs, "region__prefix", region)


def sites(user: Any, *, q: str = "", region: str = "", organization: str = "") -> QuerySet[Site]:
    qs = (
        Site.objects.restrict(user, "view")
        .select_related("organization", "region")
        .defer("region__boundary")
    )
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(site_code__icontains=q)
            | Q(organization__name__icontains=q)
            | Q(address__icontains=q)
        )
    if organization:
        qs = qs.filter(organization__uscc=organization)
    return _region(qs, "region__prefix", region)


def facilities(user: Any, *, q: str = "", kind: str = "", region: str = "") -> QuerySet[Facility]:
    qs = Facility.objects.restrict(user, "view").select_related(
        "site", "site__organization", "site__region"
    )
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(code__icontains=q) | Q(site__organization__name__icontains=q)
        )
    if kind:
        qs = qs.filter(kind=kind)
    return _region(qs, "site__region__prefix", region)


def permits(user: Any, *, q: str = "", status: str = "", region: str = "") -> QuerySet[Permit]:
    qs = Permit.objects.restrict(user, "view").select_related(
        "organization", "organization__region"
    )
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(organization__name__icontains=q)
            | Q(organization__uscc=q.upper())
        )
    if status:
        qs = qs.filter(status=status)
    return _region(qs, "organization__region__prefix", region)


def vehicles(user: Any, *, q: str = "", region: str = "") -> QuerySet[Vehicle]:
    qs = Vehicle.objects.restrict(user, "view").select_related(
        "organization", "organization__region"
    )
    if q:
        qs = qs.filter(
            Q(plate__icontains=q.upper())
            | Q(organization__name__icontains=q)
            | Q(transport_permit_no__icontains=q)
        )
    return _region(qs, "organization__region__prefix", region)


def drivers(user: Any, *, q: str = "", region: str = "") -> QuerySet[Driver]:
    qs = Driver.objects.restrict(user, "view").select_related(
        "organization", "organization__region"
    )
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(qualification_no__icontains=q)
            | Q(organization__name__icontains=q)
        )
    return _region(qs, "organization__region__prefix", region)


def memberships(
    user: Any, *, q: str = "", role: str = "", organization: str = "", active: str = "1"
) -> QuerySet[Membership]:
    qs = Membership.objects.restrict(user, "view").select_related("user", "organization")
    if q:
        qs = qs.filter(
            Q(user__username__icontains=q)
            | Q(user__display_name__icontains=q)
            | Q(user__email__icontains=q)
            | Q(organization__name__icontains=q)
        )
    if role:
        qs = qs.filter(role=role)
    if organization:
        qs = qs.filter(organization__uscc=organization)
    if active in ("1", "0"):
        qs = qs.filter(is_active=active == "1")
    return qs
