"""Management-plan pages (server-rendered; every write goes through ``plans.actions``).

The list, form and timeline templates are the registry's (same look everywhere); the plan's
detail and its printable filing receipt have their own templates.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wufei.core.audit import history
from wufei.core.errors import ActionError
from wufei.core.permissions import allows
from wufei.registry.models import Site
from wufei.registry.views._common import Column, Filter, ListPage, apply_error, region_choices
from wufei.registry.views._common import render_list as _render_list

from . import actions, queries, rules
from .forms import AmendForm, PlanCreateForm, PlanInfoForm, PlanWasteForm, ReductionForm
from .models import ManagementPlan, PlanReduction, PlanStatus, PlanWaste

STATUS_BADGE = {"draft": "yellow", "filed": "green", "superseded": "blue"}


def url(name: str, *args: Any) -> str:
    return reverse(f"plans:{name}", args=args)


def _get(request, model, action="view", **lookup):
    obj = model.objects.restrict(request.user, action).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def _form_page(request, form, title, run, done_url, obj=None):
    if request.method == "POST" and form.is_valid():
        try:
            result = run(dict(form.cleaned_data))
            messages.success(request, _("Saved."))
            return redirect(done_url(result))
        except ActionError as exc:
            apply_error(form, exc)
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": title, "object": obj, "version": getattr(obj, "version", "")},
    )


@login_required
def plan_list(request):
    years = sorted(
        set(ManagementPlan.objects.restrict(request.user).values_list("year", flat=True)),
        reverse=True,
    )
    return _render_list(
        request,
        ListPage(
            title=gettext_lazy("Management plans"),
            query=queries.plans,
            export_name="management-plans",
            search_placeholder=gettext_lazy("Site, organisation, credit code or filing number"),
            columns=[
                Column(gettext_lazy("Site"), lambda p: p.site.name),
                Column(gettext_lazy("Organisation"), lambda p: p.site.organization.name),
                Column(gettext_lazy("Year"), lambda p: p.year, css="num"),
                Column(gettext_lazy("Version"), lambda p: p.revision, css="num"),
                Column(
                    gettext_lazy("Status"),
                    lambda p: p.get_status_display(),
                    badge=lambda p: STATUS_BADGE.get(p.status, ""),
                ),
                Column(gettext_lazy("Filing number"), lambda p: p.filing_number, css="mono"),
                Column(
                    gettext_lazy("Late"),
                    lambda p: _("Late") if p.is_late else "",
                    badge=lambda p: "orange",
                ),
            ],
            filters=[
                Filter(
                    "year",
                    gettext_lazy("Year"),
                    [("", gettext_lazy("All years"))] + [(str(y), str(y)) for y in years],
                ),
                Filter(
                    "status",
                    gettext_lazy("Status"),
                    [("", gettext_lazy("All statuses")), *PlanStatus.choices],
                ),
                Filter("region", gettext_lazy("Region"), region_choices()),
            ],
            detail=lambda p: url("plan_detail", p.pk),
        ),
        extra={"create_url": url("plan_create"), "create_label": _("New plan")},
    )


def _sections(plan: ManagementPlan) -> frozenset[str]:
    return rules.sections_for(plan.management_class or plan.site.organization.management_class)


@login_required
def plan_detail(request, pk: int):
    plan = _get(request, ManagementPlan, pk=pk)
    can_change = allows(request.user, "change", plan)
    wastes = plan.wastes.select_related(
        "waste_code",
        "waste_code__edition",
        "storage_facility",
        "treatment_facility",
        "treatment_method",
        "transfer_method",
        "receiver",
    )
    versions = ManagementPlan.objects.restrict(request.user).filter(site=plan.site, year=plan.year)
    editable = can_change and plan.can_edit()
    context = {
        "plan": plan,
        "object": plan,
        "title": _("%(year)s management plan · %(site)s") % {"year": plan.year, "site": plan.site},
        "badge": (plan.get_status_display(), STATUS_BADGE.get(plan.status, "")),
        "sections": _sections(plan),
        "tables": {k.replace("A.", "a"): v for k, v in rules.TABLES.items()},
        "wastes": wastes,
        "reductions": plan.reductions.all(),
        "versions": versions.order_by("revision"),
        "editable": editable,
        "can_amend": can_change and plan.can_amend(),
        "problems": actions.completeness(plan) if editable else [],
        "deadline": rules.filing_deadline(plan.year),
        "events": history(plan),
    }
    return render(request, "plans/detail.html", context)


@login_required
def plan_create(request):
    sites = [s.pk for s in Site.objects.restrict(request.user, "view").filter(is_active=True)]
    sites_qs = Site.objects.filter(pk__in=sites).select_related("organization")
    allowed = [s.pk for s in sites_qs if allows(request.user, "add", ManagementPlan(site=s))]
    if not allowed:
        raise Http404
    initial = {"year": _default_year(), "site": request.GET.get("site")}
    form = PlanCreateForm(
        request.POST or None, initial=initial, sites=sites_qs.filter(pk__in=allowed)
    )

    def run(d):
        site, year = d.pop("site"), d.pop("year")
        return actions.create_plan(request.user, site, year, **d)

    return _form_page(
        request, form, _("New management plan"), run, lambda p: url("plan_detail", p.pk)
    )


def _default_year() -> int:
    from django.utils import timezone

    return timezone.localdate().year


@login_required
def plan_update(request, pk: int):
    plan = _get(request, ManagementPlan, "change", pk=pk)
    initial = {k: getattr(plan, k) for k in PlanInfoForm.base_fields}
    form = PlanInfoForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        _("Basic information (A.1) of %(plan)s") % {"plan": plan},
        lambda d: actions.update_plan(request.user, plan, version=request.POST.get("version"), **d),
        lambda p: url("plan_detail", p.pk),
        plan,
    )


def _line_data(d: dict[str, Any]) -> dict[str, Any]:
    return {k: ("" if v is None else v) for k, v in d.items()}


@login_required
def waste_create(request, pk: int):
    plan = _get(request, ManagementPlan, "change", pk=pk)
    form = PlanWasteForm(request.POST or None, site=plan.site)
    return _form_page(
        request,
        form,
        _("Add a waste to %(plan)s") % {"plan": plan},
        lambda d: actions.add_plan_waste(request.user, plan, **_line_data(d)),
        lambda line: url("plan_detail", plan.pk),
    )


@login_required
def waste_update(request, pk: int):
    line = _get(request, PlanWaste, "change", pk=pk)
    initial = {k: getattr(line, k) for k in PlanWasteForm.base_fields}
    initial["waste_code"] = line.waste_code.code
    initial["receiver"] = line.receiver.uscc if line.receiver else ""
    for name in ("treatment_method", "transfer_method"):
        initial[name] = getattr(line, name).code if getattr(line, name) else None
    form = PlanWasteForm(request.POST or None, initial=initial, site=line.plan.site)
    return _form_page(
        request,
        form,
        _("Edit %(line)s") % {"line": line},
        lambda d: actions.update_plan_waste(
            request.user, line, version=request.POST.get("version"), **_line_data(d)
        ),
        lambda saved: url("plan_detail", line.plan_id),
        line,
    )


@login_required
@require_POST
def waste_remove(request, pk: int):
    line = _get(request, PlanWaste, "change", pk=pk)
    try:
        actions.remove_plan_waste(request.user, line)
        messages.success(request, _("Removed."))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    return redirect(url("plan_detail", line.plan_id))


@login_required
def reduction_create(request, pk: int):
    plan = _get(request, ManagementPlan, "change", pk=pk)
    form = ReductionForm(request.POST or None)
    return _form_page(
        request,
        form,
        _("Add a reduction measure to %(plan)s") % {"plan": plan},
        lambda d: actions.add_plan_reduction(request.user, plan, **d),
        lambda r: url("plan_detail", plan.pk),
    )


@login_required
@require_POST
def reduction_remove(request, pk: int):
    reduction = _get(request, PlanReduction, "change", pk=pk)
    try:
        actions.remove_plan_reduction(request.user, reduction)
        messages.success(request, _("Removed."))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    return redirect(url("plan_detail", reduction.plan_id))


@login_required
@require_POST
def plan_file(request, pk: int):
    plan = _get(request, ManagementPlan, "change", pk=pk)
    try:
        plan = actions.file_plan(request.user, plan, version=request.POST.get("version"))
    except ActionError as exc:
        for problem in exc.details.get("problems") or [{"message": str(exc.message)}]:
            messages.error(request, problem["message"])
        return redirect(url("plan_detail", plan.pk))
    messages.success(request, _("Filed with number %(number)s.") % {"number": plan.filing_number})
    if plan.is_late:
        messages.warning(
            request,
            _("The plan was filed after the deadline (%(date)s); the bureau sees it as late.")
            % {"date": rules.filing_deadline(plan.year).isoformat()},
        )
    return redirect(url("plan_receipt", plan.pk))


@login_required
def plan_amend(request, pk: int):
    plan = _get(request, ManagementPlan, "change", pk=pk)
    form = AmendForm(request.POST or None)
    return _form_page(
        request,
        form,
        _("Amend %(plan)s") % {"plan": plan},
        lambda d: actions.amend_plan(request.user, plan, reason=d["reason"]),
        lambda new: url("plan_detail", new.pk),
    )


@login_required
def plan_receipt(request, pk: int):
    plan = _get(request, ManagementPlan, pk=pk)
    if not plan.filing_number:
        raise Http404
    return render(
        request,
        "plans/receipt.html",
        {
            "plan": plan,
            "info": plan.basic_info,
            "wastes": plan.wastes.select_related("waste_code"),
            "deadline": rules.filing_deadline(plan.year),
        },
    )
