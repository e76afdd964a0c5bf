"""Read helpers for plans. Lists start from ``restrict(user, "view")``.

The ledger calls :func:`planned_waste`, :func:`plan_for` and :func:`plan_amend_hint` to refuse
a generation of a waste the site's filed plan does not list (HJ 1259 §5: the ledger follows
the plan). These three take a site, not a user: the ledger action has already checked that
the actor may write on that site.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from wufei.catalog.models import WasteCode
from wufei.catalog.queries import normalize_code
from wufei.registry.models import Site

from .models import ManagementPlan, PlanStatus, PlanWaste


def plans(
    user: Any,
    *,
    q: str = "",
    year: str = "",
    status: str = "",
    region: str = "",
    current: str = "",
) -> QuerySet[ManagementPlan]:
    qs = ManagementPlan.objects.restrict(user, "view").select_related(
        "site", "site__organization", "site__region"
    )
    if q:
        qs = qs.filter(
            Q(site__name__icontains=q)
            | Q(site__organization__name__icontains=q)
            | Q(site__organization__uscc__icontains=q.upper())
            | Q(filing_number__icontains=q.upper())
        )
    if str(year).isdigit():
        qs = qs.filter(year=int(year))
    if status in PlanStatus.values:
        qs = qs.filter(status=status)
    if current in ("1", "0"):
        qs = qs.filter(is_current=current == "1")
    if region:
        from wufei.catalog.models import Region

        found = Region.objects.filter(code=region.strip()).first()
        qs = qs.filter(site__region__prefix__startswith=found.prefix if found else region.strip())
    return qs.order_by("-year", "site__organization__name", "site__name", "-revision")


def plan_for(site: Site | int, year: int) -> ManagementPlan | None:
    """The plan in force for ``site`` and ``year``: the current *filed* version, or ``None``."""
    site_id = site.pk if isinstance(site, Site) else int(site)
    return (
        ManagementPlan.objects.select_related("site", "site__organization")
        .filter(site_id=site_id, year=year, status=PlanStatus.FILED, is_current=True)
        .first()
    )


def working_plan(site: Site | int, year: int) -> ManagementPlan | None:
    """The version being worked on: an open draft (first filing or amendment), else the
    current one."""
    site_id = site.pk if isinstance(site, Site) else int(site)
    qs = ManagementPlan.objects.filter(site_id=site_id, year=year)
    return qs.filter(status=PlanStatus.DRAFT).first() or qs.filter(is_current=True).first()


def planned_waste(site: Site | int, year: int, waste_code: WasteCode | str) -> PlanWaste | None:
    """The line of the current filed plan of ``site`` for ``year`` that lists ``waste_code``.

    ``waste_code`` is a :class:`WasteCode` (of any catalogue edition) or a code string
    (``"900-249-08"`` or ``"90024908"``). The line is matched by the code row first, then by the
    code text, so a plan filed under one 名录 edition still covers the same code of the next.
    """
    plan = plan_for(site, year)
    if plan is None:
        return None
    lines = PlanWaste.objects.select_related(
        "waste_code", "waste_code__edition", "waste_code__category", "storage_facility"
    ).filter(plan=plan)
    if isinstance(waste_code, WasteCode):
        found = lines.filter(waste_code=waste_code).first()
        if found is not None:
            return found
        text: str | None = waste_code.code
    else:
        text = normalize_code(str(waste_code or ""))
    if not text:
        return None
    return lines.filter(waste_code__code=text).first()


def plan_amend_hint(site: Site | int, year: int) -> str:
    """A sentence telling the user how to get a waste into the plan (for refusal messages)."""
    plan = plan_for(site, year)
    draft = working_plan(site, year)
    if draft is not None and draft.status == PlanStatus.DRAFT:
        if draft.revision > 1:
            return _(
                "An amendment (version %(revision)s) of the %(year)s management plan is being "
                "drafted: add this waste to it and file it, then record the waste again."
            ) % {"revision": draft.revision, "year": year}
        return _(
            "The %(year)s management plan of this site has not been filed yet: add this waste "
            "to the draft, file the plan, then record the waste again."
        ) % {"year": year}
    if plan is None:
        return _(
            "This site has no filed management plan for %(year)s: create the plan, list this "
            "waste in it and file it (by 31 March), then record the waste again."
        ) % {"year": year}
    return _(
        "The waste is not in the filed %(year)s management plan (filing number %(number)s): "
        "open the plan, choose “Amend”, add the waste and file the amendment, then record the "
        "waste again."
    ) % {"year": year, "number": plan.filing_number}
