"""Approval pages for the applicant: list, application form (with its wastes), detail,
documents, submit. Every write goes through ``approvals.actions``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wufei.catalog.models import Region
from wufei.core.audit import history
from wufei.core.errors import ActionError
from wufei.registry.views._common import Column, Filter, ListPage, apply_error
from wufei.registry.views._common import render_list as _render_list

from .. import actions, queries, rules
from ..forms import ApplicationForm, DocumentForm, LineFormSet, lines_from
from ..models import ApprovalDocument, ApprovalStatus, CrossProvinceApproval
from ._common import STATUS_BADGE, VERBS, applicant_sites, get_approval, route, url, version_of


def _open_step_text(a: CrossProvinceApproval) -> str:
    step = a.open_steps[0] if a.open_steps else None  # type: ignore[attr-defined]
    return f"{step.get_kind_display()} · {step.due_on.isoformat()}" if step else ""


def _overdue_text(a: CrossProvinceApproval) -> str:
    today = timezone.localdate()
    return _("Overdue") if any(s.due_on < today for s in a.open_steps) else ""  # type: ignore[attr-defined]


def province_choices() -> list[tuple[str, Any]]:
    return [("", gettext_lazy("All provinces"))] + [
        (r.code, r.name)
        for r in Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")
    ]


def _query(user: Any, **params: Any):  # type: ignore[no-untyped-def]
    from django.db.models import Prefetch

    from ..models import ApprovalStep

    return queries.approvals(user, **params).prefetch_related(
        Prefetch(
            "steps",
            queryset=ApprovalStep.objects.filter(done_at__isnull=True),
            to_attr="open_steps",
        )
    )


@login_required
def approval_list(request):
    page = ListPage(
        title=gettext_lazy("Cross-province transfer approvals"),
        query=_query,
        export_name="cross-province-approvals",
        search_placeholder=gettext_lazy("Number, approval number, organisation or waste code"),
        columns=[
            Column(gettext_lazy("Number"), lambda a: str(a), css="mono"),
            Column(gettext_lazy("Applicant"), lambda a: a.applicant.name),
            Column(gettext_lazy("Receiver"), lambda a: a.receiver.name),
            Column(gettext_lazy("Route"), route),
            Column(
                gettext_lazy("Status"),
                lambda a: a.get_status_display(),
                badge=lambda a: STATUS_BADGE.get(a.status, ""),
            ),
            Column(gettext_lazy("Current step · due"), _open_step_text),
            Column(gettext_lazy("Overdue"), _overdue_text, badge=lambda a: "red"),
            Column(
                gettext_lazy("Valid until"),
                lambda a: a.valid_until.isoformat() if a.valid_until else "",
                css="mono",
            ),
        ],
        filters=[
            Filter(
                "status",
                gettext_lazy("Status"),
                [("", gettext_lazy("All statuses")), *ApprovalStatus.choices],
            ),
            Filter("province", gettext_lazy("Origin or receiving province"), province_choices()),
            Filter("applicant", gettext_lazy("Applicant")),
        ],
        detail=lambda a: url("detail", a.pk),
    )
    extra: dict[str, Any] = {}
    if applicant_sites(request.user).exists():
        extra = {"create_url": url("create"), "create_label": _("New application")}
    if queries.overdue_steps(user=request.user).exists():
        extra["overdue_url"] = url("overdue")
    return _render_list(request, page, template="approvals/list.html", extra=extra)


def _line_initial(approval: CrossProvinceApproval | None) -> list[dict[str, Any]]:
    if approval is None:
        return []
    return [
        {
            "waste_code": line.waste_code.code,
            "name": line.name,
            "method": line.method.code,
            "quantity_tonnes": f"{line.quantity_tonnes:f}",
        }
        for line in approval.lines.select_related("waste_code", "method").order_by("pk")
    ]


def _apply_error(form: Any, formset: Any, exc: ActionError) -> None:
    name = exc.field or ""
    if name.startswith("lines."):
        _, index, field = (name.split(".") + ["", ""])[:3]
        filled = [f for f in formset.forms if f.cleaned_data and not f.is_blank()]
        if index.isdigit() and int(index) < len(filled) and field in filled[int(index)].fields:
            filled[int(index)].add_error(field, str(exc.message))
            return
    if name in ("lines", "documents", "status", "version") or name.startswith("lines"):
        form.add_error(None, str(exc.message))
        return
    apply_error(form, exc, {"receiver_permit": "receiver_permit"})


def _application_page(request, approval: CrossProvinceApproval | None):
    sites = applicant_sites(request.user)
    if approval is None and not sites.exists():
        raise Http404
    only = list(sites.values_list("pk", flat=True)[:2])
    initial: dict[str, Any] = {
        "applicant_site": request.GET.get("site") or (only[0] if len(only) == 1 else None)
    }
    if approval is not None:
        initial = {
            "receiver": approval.receiver.uscc,
            "receiver_permit": approval.receiver_permit.number,
            "requested_from": approval.requested_from,
            "requested_until": approval.requested_until,
            "purpose": approval.purpose,
        }
    data = request.POST if request.method == "POST" else None
    form = ApplicationForm(data, initial=initial, sites=sites, fixed_site=approval is not None)
    formset = LineFormSet(data, initial=_line_initial(approval), prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        fields = dict(form.cleaned_data)
        fields["lines"] = lines_from(formset)
        try:
            if approval is None:
                site = fields.pop("applicant_site")
                saved = actions.create_application(request.user, site, **fields)
            else:
                saved = actions.update_application(
                    request.user, approval, version=version_of(request), **fields
                )
            messages.success(request, _("Saved."))
            return redirect(url("detail", saved.pk))
        except ActionError as exc:
            _apply_error(form, formset, exc)
    title = (
        _("New cross-province transfer application")
        if approval is None
        else _("Change application %(approval)s") % {"approval": approval}
    )
    return render(
        request,
        "approvals/form.html",
        {
            "form": form,
            "formset": formset,
            "title": title,
            "object": approval,
            "version": approval.version if approval else "",
        },
    )


@login_required
def approval_create(request):
    return _application_page(request, None)


@login_required
def approval_update(request, pk: int):
    approval = get_approval(request, pk, "change")
    allowed = queries.allowed(request.user, approval)
    if not allowed.edit:
        raise Http404
    return _application_page(request, approval)


def _document_kind(kind: str) -> str:
    return str(rules.DocumentKind(kind).label) if kind in rules.DocumentKind.values else kind


@login_required
def approval_detail(request, pk: int):
    approval = get_approval(request, pk)
    allowed = queries.allowed(request.user, approval)
    rows = queries.step_rows(approval)
    lines = approval.lines.select_related("waste_code", "waste_code__category", "method")
    plan, hints = queries.plan_hints(approval) if allowed.any_bureau or allowed.edit else (None, [])
    events = [
        {"event": e, "label": VERBS.get(e.action.rsplit(".", 1)[-1], e.action)}
        for e in history(approval)
    ]
    context = {
        "approval": approval,
        "object": approval,
        "title": _("Cross-province transfer %(approval)s") % {"approval": approval},
        "badge": (approval.get_status_display(), STATUS_BADGE.get(approval.status, "")),
        "route": route(approval),
        "lines": lines,
        "documents": [
            {"doc": d, "kind": _document_kind(d.kind)} for d in approval.documents.order_by("pk")
        ],
        "missing": [rules.DocumentKind(k).label for k in actions.missing_documents(approval)]
        if allowed.submit
        else [],
        "rows": rows,
        "open_row": next((r for r in rows if r.step.done_at is None), None),
        "allowed": allowed,
        "plan": plan,
        "hints": hints,
        "events": events,
    }
    return render(request, "approvals/detail.html", context)


@login_required
def document_add(request, pk: int):
    approval = get_approval(request, pk, "change")
    if not queries.allowed(request.user, approval).edit:
        raise Http404
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_document(request.user, approval, **form.cleaned_data)
            messages.success(request, _("Document attached."))
            return redirect(url("detail", approval.pk))
        except ActionError as exc:
            apply_error(form, exc)
    return render(
        request,
        "approvals/document_form.html",
        {"form": form, "approval": approval, "title": _("Attach a document")},
    )


@login_required
def document_file(request, pk: int):
    doc = ApprovalDocument.objects.restrict(request.user, "view").filter(pk=pk).first()
    if doc is None or not doc.file:
        raise Http404
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=doc.file.name.rsplit("/", 1)[-1])


@login_required
@require_POST
def document_remove(request, pk: int):
    doc = ApprovalDocument.objects.restrict(request.user, "change").filter(pk=pk).first()
    if doc is None:
        raise Http404
    try:
        actions.remove_document(request.user, doc)
        messages.success(request, _("Removed."))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    return redirect(url("detail", doc.approval_id))


@login_required
@require_POST
def approval_submit(request, pk: int):
    approval = get_approval(request, pk, "change")
    try:
        approval = actions.submit(request.user, approval, version=version_of(request))
    except ActionError as exc:
        messages.error(request, str(exc.message))
        return redirect(url("detail", approval.pk))
    step = approval.steps.filter(done_at__isnull=True).first()
    messages.success(
        request,
        _("Submitted as %(number)s; the bureau accepts it or asks for missing items by %(date)s.")
        % {"number": approval.number, "date": step.due_on.isoformat() if step else ""},
    )
    return redirect(url("detail", approval.pk))
