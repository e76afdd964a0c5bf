"""Inventory by storage facility (with ages and warnings) and the ledger entries list with
the HJ 1259 Appendix B Excel export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wufei.core.templatetags.wufei_tags import tonnes
from wufei.registry.views._common import Column, Filter, ListPage, render_list

from .. import excel, queries
from ..forms import writable_sites
from ..models import EntryKind, WasteKind
from .containers import container_url

EXPORT_LIMIT = 200_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def inventory(request):
    """库存: what each storage facility holds now, by code, with ages and warnings."""
    facilities = queries.storage_facilities(request.user)
    chosen = request.GET.get("facility", "")
    if chosen.isdigit():
        facilities = facilities.filter(pk=int(chosen))
    blocks = []
    for f in facilities[:100]:
        blocks.append({"inventory": queries.inventory(f), "warnings": queries.storage_warnings(f)})
    return render(
        request,
        "ledger/inventory.html",
        {
            "title": _("Storage inventory"),
            "blocks": blocks,
            "container_url": container_url,
        },
    )


def _entry_kind(e) -> str:
    if e.kind == EntryKind.REVERSAL and e.reversal_of_id:
        return f"{e.get_kind_display()} {e.reversal_of.batch_number}"
    return e.get_kind_display()


@login_required
def entry_list(request):
    """台账记录: every entry the user may see, with filters; Excel = Tables B.1–B.5."""
    if request.GET.get("export") == "xlsx":
        qs = queries.entries(
            request.user,
            q=request.GET.get("q", "").strip(),
            kind=request.GET.get("kind", ""),
            date_from=request.GET.get("date_from", ""),
            date_to=request.GET.get("date_to", ""),
            waste_kind=WasteKind.HAZARDOUS,
        ).select_related("container__plan_waste")
        response = HttpResponse(excel.export_bytes(qs[:EXPORT_LIMIT]), content_type=XLSX)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="hj1259-ledger-{stamp}.xlsx"'
        return response
    return render_list(
        request,
        ListPage(
            title=gettext_lazy("Ledger entries"),
            query=queries.entries,
            export_name="ledger",
            search_placeholder=gettext_lazy("Batch number, identification code or waste code"),
            columns=[
                Column(gettext_lazy("Batch number"), lambda e: e.batch_number, css="mono"),
                Column(gettext_lazy("Kind"), _entry_kind),
                Column(
                    gettext_lazy("Time"),
                    lambda e: timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"),
                ),
                Column(gettext_lazy("Container"), lambda e: str(e.container), css="mono"),
                Column(gettext_lazy("Waste"), lambda e: e.container.code_text),
                Column(gettext_lazy("Quantity (t)"), lambda e: tonnes(e.quantity_tonnes)),
                Column(
                    gettext_lazy("Facility"),
                    lambda e: e.facility.code if e.facility else "",
                    css="hide-mobile",
                ),
                Column(gettext_lazy("Operator"), lambda e: e.operator, css="hide-mobile"),
                Column(gettext_lazy("Reason"), lambda e: e.reason, css="hide-mobile"),
            ],
            filters=[
                Filter("kind", gettext_lazy("Kind"), [("", _("All")), *EntryKind.choices]),
                Filter(
                    "waste_kind",
                    gettext_lazy("Waste"),
                    [("", _("All")), *WasteKind.choices],
                ),
                Filter("date_from", gettext_lazy("From (YYYY-MM-DD)")),
                Filter("date_to", gettext_lazy("To (YYYY-MM-DD)")),
            ],
            detail=lambda e: container_url(e.container),
        ),
        extra={
            "export_label": _("Export HJ 1259 tables (Excel)"),
            "list_url": reverse("ledger:entry_list"),
            "import_url": reverse("ledger:import") if writable_sites(request.user).exists() else "",
        },
    )
