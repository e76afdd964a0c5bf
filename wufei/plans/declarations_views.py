"""Declaration pages (申报, HJ 1259 §7): list, the bureau's overdue list, detail in the
layout of Tables C.1–C.3, generate, confirm, revise and the Excel export. Every write goes
through ``plans.actions``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wufei.core.audit import history
from wufei.core.errors import ActionError
from wufei.core.permissions import allows
from wufei.registry.models import Site
from wufei.registry.views._common import Column, Filter, ListPage, apply_error, region_choices
from wufei.registry.views._common import render_list as _render_list

from . import actions
from . import declarations as d
from . import declarations_excel as excel
from . import declarations_queries as queries
from .declarations_forms import GenerateForm, ReviseForm
from .declarations_models import Declaration, DeclarationStatus

STATUS_BADGE = {"generated": "yellow", "confirmed": "green", "superseded": "blue"}


def url(name: str, *args: Any) -> str:
    return reverse(f"plans:{name}", args=args)


def _get(request, action: str = "view", **lookup) -> Declaration:
    obj = (
        Declaration.objects.restrict(request.user, action)
        .select_related("site", "site__organization", "site__region")
        .filter(**lookup)
        .first()
    )
    if obj is None:
        raise Http404
    return obj


def _overdue_text(x: Declaration) -> str:
    if x.overdue_on(timezone.localdate()):
        return _("Late") if x.is_late else _("Overdue")
    return ""


COLUMNS = [
    Column(gettext_lazy("Period"), lambda x: str(x.period), css="mono"),
    Column(gettext_lazy("Site"), lambda x: x.site.name),
    Column(gettext_lazy("Organisation"), lambda x: x.site.organization.name),
    Column(gettext_lazy("Kind"), lambda x: x.get_period_kind_display()),
    Column(gettext_lazy("Revision"), lambda x: x.revision, css="num"),
    Column(
        gettext_lazy("Status"),
        lambda x: x.get_status_display(),
        badge=lambda x: STATUS_BADGE.get(x.status, ""),
    ),
    Column(gettext_lazy("Deadline"), lambda x: x.deadline.isoformat(), css="mono"),
    Column(gettext_lazy("Overdue"), _overdue_text, badge=lambda x: "red"),
]


def _years(request) -> list[tuple[str, Any]]:
    years = sorted(
        set(Declaration.objects.restrict(request.user).values_list("year", flat=True)),
        reverse=True,
    )
    return [("", gettext_lazy("All years"))] + [(str(y), str(y)) for y in years]


@login_required
def declaration_list(request):
    can_generate = _generate_sites(request).exists()
    return _render_list(
        request,
        ListPage(
            title=gettext_lazy("Declarations"),
            query=queries.declarations,
            export_name="declarations",
            search_placeholder=gettext_lazy("Site, organisation or credit code"),
            columns=COLUMNS,
            filters=[
                Filter(
                    "period_kind",
                    gettext_lazy("Kind"),
                    [("", gettext_lazy("All kinds")), *d.PeriodKind.choices],
                ),
                Filter("year", gettext_lazy("Year"), _years(request)),
                Filter("period", gettext_lazy("Period (2026-02, 2026Q1, 2026)")),
                Filter(
                    "status",
                    gettext_lazy("Status"),
                    [("", gettext_lazy("All statuses")), *DeclarationStatus.choices],
                ),
                Filter(
                    "overdue",
                    gettext_lazy("Overdue"),
                    [
                        ("", gettext_lazy("All")),
                        ("1", gettext_lazy("Overdue (not confirmed)")),
                        ("late", gettext_lazy("Overdue or confirmed late")),
                        ("0", gettext_lazy("Not overdue")),
                    ],
                ),
                Filter("region", gettext_lazy("Region"), region_choices()),
            ],
            detail=lambda x: url("declaration_detail", x.pk),
        ),
        extra={
            "create_url": url("declaration_generate") if can_generate else "",
            "create_label": _("Generate a declaration"),
        },
    )


def _overdue_query(user: Any, **params: Any) -> Any:
    return queries.declarations(user, overdue="1", **params).order_by(
        "deadline", "site__organization__name"
    )


@login_required
def declaration_overdue(request):
    """The bureau's view: current declarations not confirmed by their deadline in its
    jurisdiction (``restrict``), most overdue first."""
    return _render_list(
        request,
        ListPage(
            title=gettext_lazy("Overdue declarations"),
            query=_overdue_query,
            export_name="overdue-declarations",
            search_placeholder=gettext_lazy("Site, organisation or credit code"),
            columns=[
                *COLUMNS[:4],
                Column(gettext_lazy("Deadline"), lambda x: x.deadline.isoformat(), css="mono"),
                Column(
                    gettext_lazy("Days overdue"),
                    lambda x: (timezone.localdate() - x.deadline).days,
                    css="num",
                ),
                Column(gettext_lazy("Region"), lambda x: x.site.region.name),
            ],
            filters=[
                Filter(
                    "period_kind",
                    gettext_lazy("Kind"),
                    [("", gettext_lazy("All kinds")), *d.PeriodKind.choices],
                ),
                Filter("region", gettext_lazy("Region"), region_choices()),
            ],
            detail=lambda x: url("declaration_detail", x.pk),
        ),
    )


@login_required
def declaration_detail(request, pk: int):
    decl = _get(request, pk=pk)
    can_change = allows(request.user, "change", decl)
    revisions = Declaration.objects.restrict(request.user).filter(
        site=decl.site, period_kind=decl.period_kind, year=decl.year, number=decl.number
    )
    context = {
        "declaration": decl,
        "object": decl,
        "title": _("Declaration %(period)s · %(site)s")
        % {"period": decl.period, "site": decl.site},
        "badge": (decl.get_status_display(), STATUS_BADGE.get(decl.status, "")),
        "table_title": excel.TITLES[decl.table],
        "basic": excel.basic_rows(decl),
        "sections": queries.sections(decl),
        "overruns": queries.plan_overruns(declaration=decl),
        "factor": d.overrun_factor(),
        "stale": queries.is_stale(decl) if decl.status != "superseded" else False,
        "can_regenerate": can_change and decl.can_regenerate(),
        "can_confirm": can_change and decl.can_confirm(),
        "can_revise": can_change and decl.can_revise(),
        "revisions": revisions.order_by("revision"),
        "events": history(decl),
    }
    return render(request, "plans/declaration_detail.html", context)


def _generate_sites(request) -> Any:
    sites = Site.objects.restrict(request.user, "view").filter(is_active=True)
    ids = [
        s.pk
        for s in sites.select_related("organization")
        if allows(request.user, "add", Declaration(site=s))
    ]
    return Site.objects.filter(pk__in=ids).select_related("organization")


@login_required
def declaration_generate(request):
    sites = _generate_sites(request)
    if not sites.exists():
        raise Http404
    form = GenerateForm(request.POST or None, sites=sites, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decl = actions.generate_declaration(
                request.user, data["site"], data["period_kind"], data["period"]
            )
            messages.success(request, _("Generated from the ledger."))
            return redirect(url("declaration_detail", decl.pk))
        except ActionError as exc:
            apply_error(form, exc)
    return render(
        request, "registry/form.html", {"form": form, "title": _("Generate a declaration")}
    )


@login_required
@require_POST
def declaration_regenerate(request, pk: int):
    decl = _get(request, "change", pk=pk)
    try:
        decl = actions.generate_declaration(request.user, decl.site, decl.period_kind, decl.period)
        messages.success(request, _("Generated from the ledger."))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    return redirect(url("declaration_detail", decl.pk))


@login_required
@require_POST
def declaration_confirm(request, pk: int):
    decl = _get(request, "change", pk=pk)
    try:
        decl = actions.confirm_declaration(
            request.user, decl, version=request.POST.get("version") or None
        )
        messages.success(request, _("Declaration confirmed."))
        if decl.is_late:
            messages.warning(
                request,
                _("Confirmed after the deadline (%(date)s); the bureau sees it as late.")
                % {"date": decl.deadline.isoformat()},
            )
    except ActionError as exc:
        messages.error(request, str(exc.message))
    return redirect(url("declaration_detail", decl.pk))


@login_required
def declaration_revise(request, pk: int):
    decl = _get(request, "change", pk=pk)
    form = ReviseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = actions.revise_declaration(request.user, decl, reason=form.cleaned_data["reason"])
            messages.success(request, _("Revision generated: check it and confirm it."))
            return redirect(url("declaration_detail", new.pk))
        except ActionError as exc:
            apply_error(form, exc)
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": _("Revise %(d)s") % {"d": decl}, "object": decl},
    )


@login_required
def declaration_xlsx(request, pk: int):
    decl = _get(request, pk=pk)
    response = HttpResponse(
        excel.workbook(decl),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{excel.filename(decl)}"'
    return response
