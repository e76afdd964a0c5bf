"""Shared page helpers: fetch through ``restrict``, badges, readable audit verbs."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wufei.core.permissions import WRITE_ROLES, principal
from wufei.registry.models import Site

from ..models import CrossProvinceApproval

STATUS_BADGE = {
    "draft": "",
    "submitted": "blue",
    "incomplete": "orange",
    "accepted": "blue",
    "requested": "blue",
    "replied": "blue",
    "approved": "green",
    "rejected": "red",
    "withdrawn": "",
}

#: What each audit verb of an approval says on its timeline.
VERBS: dict[str, Any] = {
    "create": _("Application drafted"),
    "update": _("Application changed"),
    "add_document": _("Document attached"),
    "remove_document": _("Document removed"),
    "submit": _("Application submitted"),
    "resubmit": _("Application resubmitted with the missing items"),
    "accept": _("Accepted by the origin province"),
    "incomplete": _("Missing items requested"),
    "request": _("Reviewed; request letter sent to the receiving province"),
    "review": _("Reviewed (white-list pair: no request letter)"),
    "refuse": _("Not agreed at the review"),
    "reply": _("Receiving province replied"),
    "approve": _("Approved"),
    "reject": _("Not approved"),
    "withdraw": _("Withdrawn by the applicant"),
    "draw": _("Quantity used by a manifest"),
    "release": _("Quantity given back"),
}


def url(name: str, *args: Any) -> str:
    return reverse(f"approvals:{name}", args=args)


def get_approval(request: Any, pk: int, action: str = "view") -> CrossProvinceApproval:
    obj = (
        CrossProvinceApproval.objects.restrict(request.user, action)
        .select_related(
            "applicant",
            "applicant_site",
            "receiver",
            "receiver_permit",
            "origin_region",
            "destination_region",
        )
        .filter(pk=pk)
        .first()
    )
    if obj is None:
        raise Http404
    return obj


def applicant_sites(user: Any) -> QuerySet[Site]:
    """The active sites of the producers and micro collectors the user may apply for."""
    p = principal(user)
    orgs = p.orgs_with(WRITE_ROLES) if p else []
    return (
        Site.objects.filter(organization_id__in=orgs, is_active=True, organization__is_active=True)
        .filter(Q(organization__is_producer=True) | Q(organization__is_collector=True))
        .select_related("organization")
        .order_by("organization__name", "name")
    )


def version_of(request: Any) -> int | None:
    raw = str(request.POST.get("version") or "").strip()
    return int(raw) if raw.isdigit() else None


def label(approval: CrossProvinceApproval) -> str:
    return str(approval)


def route(approval: CrossProvinceApproval) -> str:
    return f"{approval.origin_region.name} → {approval.destination_region.name}"
