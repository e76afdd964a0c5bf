"""Shared page machinery: lists with filters and Excel export, action errors beside fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from wufei.catalog.models import Region
from wufei.core.errors import ActionError

EXPORT_LIMIT = 100_000


@dataclass
class Column:
    label: Any
    value: Callable[[Any], Any]
    badge: Callable[[Any], str] | None = None
    css: str = ""


@dataclass
class Filter:
    name: str
    label: Any
    choices: list[tuple[str, Any]] | None = None  # None: free text


@dataclass
class ListPage:
    title: Any
    query: Callable[..., Any]
    columns: list[Column]
    detail: Callable[[Any], str]
    filters: list[Filter] = field(default_factory=list)
    export_name: str = "export"
    search_placeholder: Any = ""


def region_choices() -> list[tuple[str, Any]]:
    return [("", _("All regions"))] + [
        (r.code, ("　" * (0 if r.level == "province" else 1 if r.level == "city" else 2)) + r.name)
        for r in Region.objects.order_by("code")
    ]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def render_list(
    request, page_def: ListPage, template: str = "registry/list.html", extra: dict | None = None
):
    from django.shortcuts import render

    params = {f.name: request.GET.get(f.name, "").strip() for f in page_def.filters}
    q = request.GET.get("q", "").strip()
    qs = page_def.query(request.user, q=q, **params)
    if request.GET.get("export") == "xlsx":
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(str(page_def.title)[:30])
        ws.append([str(c.label) for c in page_def.columns])
        for obj in qs[:EXPORT_LIMIT]:
            ws.append([str(_cell(c.value(obj))) for c in page_def.columns])
        response = HttpResponse(
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = (
            f'attachment; filename="{page_def.export_name}-{stamp}.xlsx"'
        )
        wb.save(response)
        return response
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [
        {
            "url": page_def.detail(obj),
            "cells": [
                {
                    "value": _cell(c.value(obj)),
                    "badge": c.badge(obj) if c.badge else "",
                    "css": c.css,
                }
                for c in page_def.columns
            ],
        }
        for obj in page
    ]
    filters = [
        {"name": f.name, "label": f.label, "choices": f.choices, "value": params[f.name]}
        for f in page_def.filters
    ]
    context = {
        "title": page_def.title,
        "page": page,
        "rows": rows,
        "columns": page_def.columns,
        "q": q,
        "filters": filters,
        "search_placeholder": page_def.search_placeholder,
    }
    context.update(extra or {})
    return render(request, template, context)


def apply_error(
    form: forms.Form, exc: ActionError, field_map: dict[str, str] | None = None
) -> None:
    """Put an action's error beside its field (or at the top of the form)."""
    name = exc.field or ""
    name = (field_map or {}).get(name, name)
    if name.startswith("scopes"):
        name = "scopes"
    form.add_error(name if name in form.fields else None, str(exc.message))


def url(name: str, *args: Any) -> str:
    return reverse(f"registry:{name}", args=args)
