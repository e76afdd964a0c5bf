"""导入台账: a producer uploads a ledger kept in its own system (.xlsx / .csv, HJ 1259 Appendix
B shape) into one of its sites, all or nothing; a bad file shows every problem (row, column,
problem, value). The template workbook is the export's Tables B.1–B.4, empty.
See docs/ledger-import.md."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wufei.core.errors import ActionError

from .. import actions, excel
from ..forms import writable_sites
from ..importing import read_rows
from ..models import EntryKind
from .containers import apply_error

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: At most this many problems are shown on the page (the result keeps up to 1,000).
REPORT_LIMIT = 500


class LedgerImportForm(forms.Form):
    site = forms.ChoiceField(label=gettext_lazy("Site"))
    file = forms.FileField(label=gettext_lazy("File (.xlsx or .csv)"))

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sites = writable_sites(user)
        self.fields["site"].choices = [(str(s.pk), str(s)) for s in self.sites]  # type: ignore[attr-defined]


def template_bytes() -> bytes:
    """The export's Tables B.1–B.4 with their headers and no rows (B.5 is not imported)."""
    wb = excel.workbook([])
    for title, kind, _headers in excel.TABLES:
        if kind == EntryKind.SHIPPED:
            wb.remove(wb[title])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def report_rows(errors: list[Any]) -> list[dict[str, Any]]:
    return [
        {"sheet": e.sheet, "row": e.row, "column": e.column, "message": e.message, "value": e.value}
        for e in errors[:REPORT_LIMIT]
    ]


@login_required
def ledger_import(request):
    """导入台账: choose the site, upload the file; all or nothing, with the per-row report."""
    form = LedgerImportForm(request.user, request.POST or None, request.FILES or None)
    if not form.fields["site"].choices:  # type: ignore[attr-defined]
        raise Http404
    result = None
    if request.method == "POST" and form.is_valid():
        site = form.sites.filter(pk=form.cleaned_data["site"]).first()
        upload = form.cleaned_data["file"]
        try:
            if site is None:
                raise Http404
            result = actions.import_ledger(
                request.user, site, read_rows(upload, upload.name), filename=upload.name
            )
            if result.ok:
                for warning in result.warnings:
                    messages.warning(request, warning)
                messages.success(
                    request,
                    _(
                        "Ledger imported into %(site)s: %(rows)d rows, %(containers)d containers, "
                        "%(entries)d entries."
                    )
                    % {
                        "site": site.name,
                        "rows": result.total,
                        "containers": result.containers,
                        "entries": result.entries,
                    },
                )
                return redirect("ledger:import")
        except ActionError as exc:
            apply_error(form, exc)
    return render(
        request,
        "ledger/import.html",
        {
            "title": _("Import a ledger"),
            "form": form,
            "result": result,
            "report": report_rows(result.errors) if result and not result.ok else [],
            "report_limit": REPORT_LIMIT,
        },
    )


@login_required
def ledger_import_template(request):
    """The template workbook: Tables B.1–B.4 as the export writes them, without rows."""
    response = HttpResponse(template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="hj1259-ledger-template.xlsx"'
    return response
