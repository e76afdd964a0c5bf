"""The producer's day (today's containers with the one-step 五即 form) and the container page
(``/c/<ident_code>``): status, fields, ledger timeline and the steps this user may take."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wufei.core.audit import history
from wufei.core.errors import ActionError
from wufei.core.permissions import allows
from wufei.core.templatetags.wufei_tags import tonnes
from wufei.labels.pdf import ident_display
from wufei.registry.models import Facility, Site

from .. import actions, printing, queries
from ..forms import (
    KG,
    OneStepForm,
    ReverseForm,
    SelfTreatForm,
    ShipOutForm,
    StoreInForm,
    StoreOutForm,
    WeighForm,
)
from ..models import Container, ContainerStatus, LedgerEntry

STATUS_BADGE: dict[str, str] = {
    ContainerStatus.PRODUCED: "",
    ContainerStatus.WEIGHED: "blue",
    ContainerStatus.CODED: "blue",
    ContainerStatus.STORED: "orange",
    ContainerStatus.OUT: "yellow",
    ContainerStatus.SELF_TREATED: "green",
    ContainerStatus.SHIPPED: "green",
    ContainerStatus.REVERSED: "red",
}


def container_url(c: Container) -> str:
    if c.ident_code:
        return reverse("container_short", args=[c.ident_code])
    return reverse("ledger:container_detail", args=[c.pk])


def code_display(c: Container) -> str:
    """The code in its segments (USCC, waste code, date, sequence), so it wraps on a phone."""
    code = c.ident_code or ""
    if c.kind == "hazardous" and len(code) == 37:
        return ident_display(code)
    return f"{code[:18]} {code[18:]}" if code else ""


def apply_error(form: Any, exc: ActionError, field_map: dict[str, str] | None = None) -> None:
    name = (field_map or {}).get(exc.field or "", exc.field or "")
    form.add_error(name if name in form.fields else None, str(exc.message))


@login_required
def today(request):
    """今日容器: the containers produced today, and the 五即 one-step form."""
    form = OneStepForm(request.user, request.POST or None)
    can_write = bool(form.fields["site"].choices)  # type: ignore[attr-defined]
    if request.method == "POST" and can_write and form.is_valid():
        site = (
            Site.objects.restrict(request.user, "change")
            .filter(pk=form.cleaned_data["site"])
            .first()
        )
        facility_id = form.cleaned_data["facility"]
        facility = Facility.objects.filter(pk=facility_id).first() if facility_id else None
        try:
            if site is None:
                raise Http404
            result = actions.produce_container(
                request.user, site, facility=facility, **form.action_kwargs()
            )
            for warning in result.warnings:
                messages.warning(request, warning)
            messages.success(
                request,
                _("Container %(code)s recorded.") % {"code": result.container.ident_code},
            )
            return redirect("ledger:today")
        except ActionError as exc:
            apply_error(
                form,
                exc,
                {
                    "waste_code": "waste",
                    "general_category": "waste",
                    "weight_tonnes": "weight_kg",
                    "produced_on": "waste",
                },
            )
    rows = list(queries.todays_containers(request.user)[:200])
    return render(
        request,
        "ledger/today.html",
        {
            "title": _("Today's containers"),
            "form": form if can_write else None,
            "rows": [(c, container_url(c), STATUS_BADGE.get(c.status, "")) for c in rows],
            "printable": len(printing.printable(rows)),
        },
    )


def _container(request, **lookup: Any) -> Container:
    c = (
        Container.objects.restrict(request.user, "view")
        .select_related(
            "organization",
            "site",
            "site__region",
            "waste_code",
            "waste_code__category",
            "waste_code__edition",
            "general_category",
            "facility",
            "plan_waste",
        )
        .filter(**lookup)
        .first()
    )
    if c is None:
        raise Http404
    return c


def _forms(request, c: Container) -> dict[str, Any]:
    """The step forms this user may use on this container now."""
    if not allows(request.user, "change", c):
        return {}
    out: dict[str, Any] = {}
    if c.can_weigh():
        out["weigh"] = WeighForm()
    if c.can_code() and not c.ident_code:
        out["code"] = True
    if c.can_store_in():
        out["store_in"] = StoreInForm(c)
    if c.can_store_out():
        out["store_out"] = StoreOutForm()
    if c.can_self_treat():
        form = SelfTreatForm(c)
        if len(form.fields["facility"].choices) > 1:  # type: ignore[attr-defined]
            out["self_treat"] = form
    if c.can_ship() and c.kind == "general":
        out["ship_out"] = ShipOutForm()
    latest = (
        c.entries.exclude(kind="reversal")
        .filter(reversed_by__isnull=True)
        .order_by("-at", "-pk")
        .first()
    )
    if latest is not None:
        out["reverse"] = ReverseForm()
        out["reverse_entry"] = latest
    return out


def _detail(request, c: Container, forms: dict[str, Any] | None = None):
    forms = {**_forms(request, c), **(forms or {})}
    warnings = [
        w
        for w in (queries.storage_warnings(c.facility) if c.facility is not None else [])
        if w.container is not None and w.container.pk == c.pk
    ]
    fields = [
        (_("Identification code"), c.ident_code),
        (_("Organisation"), c.organization.name),
        (_("Site"), c.site.name),
        (_("Waste"), f"{c.code_text} {c.catalogue_name}"),
        (_("Internal name"), c.internal_name),
        (_("Generating process"), c.process),
        (_("Form"), c.get_form_display()),
        (_("Hazardous components"), c.hazardous_components),
        (_("Package"), f"{c.count} × {c.volume_litres} L {c.get_package_type_display()}"),
        (_("Net weight (t)"), tonnes(c.weight_tonnes)),
        (_("Weighed by"), c.get_weighed_by_display()),
        (_("Production date"), c.produced_on),
        (_("Storage facility"), str(c.facility) if c.facility else ""),
        (_("In storage since"), c.stored_since),
    ]
    if c.kind == "general":
        fields.insert(4, (_("Class I/II"), c.get_general_class_display()))
    elif c.waste_code is not None:
        fields.insert(4, (_("Catalogue edition"), c.waste_code.edition.code))
    return render(
        request,
        "ledger/container.html",
        {
            "title": code_display(c) or f"#{c.pk} {c.internal_name}",
            "container": c,
            "badge": (c.get_status_display(), STATUS_BADGE.get(c.status, "")),
            "fields": fields,
            "entries": queries.timeline(c),
            "forms": forms,
            "warnings": warnings,
            "hazards": c.waste_code.hazards if c.waste_code else [],
            "label_url": reverse("ledger:container_label", args=[c.pk])
            if printing.printable([c])
            else "",
            "step_url": reverse("ledger:container_step", args=[c.pk]),
            "events": history(c),
        },
    )


@login_required
def container_by_code(request, ident_code: str):
    """``/c/<ident_code>``: what a scanned QR label opens."""
    return _detail(request, _container(request, ident_code=ident_code.strip().upper()))


@login_required
def container_detail(request, pk: int):
    c = _container(request, pk=pk)
    if c.ident_code:
        return redirect(container_url(c))
    return _detail(request, c)


STEP_FORMS: dict[str, Any] = {
    "weigh": lambda c, post: WeighForm(post),
    "code": lambda c, post: None,
    "store_in": lambda c, post: StoreInForm(c, post),
    "store_out": lambda c, post: StoreOutForm(post),
    "self_treat": lambda c, post: SelfTreatForm(c, post),
    "ship_out": lambda c, post: ShipOutForm(post),
    "reverse": lambda c, post: ReverseForm(post),
}


def _facility(pk: Any) -> Facility:
    facility = Facility.objects.filter(pk=pk).first()
    if facility is None:
        raise Http404
    return facility


def _run_step(request, c: Container, step: str, form: Any) -> Any:
    """Run one step from its bound form; ``None`` when the form is not valid."""
    user = request.user
    if step == "code":
        return actions.assign_code(user, c)
    if step == "reverse":
        entry = (
            LedgerEntry.objects.restrict(user, "view")
            .filter(pk=request.POST.get("entry"), container=c)
            .first()
        )
        if entry is None:
            raise Http404
    if not form.is_valid():
        return None
    d = form.cleaned_data
    if step == "weigh":
        weight = (d["weight_kg"] / KG).quantize(Decimal("0.0001"))
        return actions.record_weight(user, c, weight)
    if step == "store_in":
        return actions.store_in(
            user,
            c,
            _facility(d["facility"]),
            allow_over_capacity=d["allow_over_capacity"],
            reason=d["reason"],
        )
    if step == "store_out":
        return actions.store_out(user, c, destination=d["destination"])
    if step == "self_treat":
        return actions.self_treat(user, c, _facility(d["facility"]), d["method"])
    if step == "ship_out":
        return actions.ship_out(user, c, **d)
    return actions.reverse_entry(user, entry, reason=d["reason"])


@login_required
@require_POST
def container_step(request, pk: int):
    """One step on a container (weigh, code, store in/out, own treatment, reverse)."""
    c = _container(request, pk=pk)
    step = request.POST.get("step", "")
    if step not in STEP_FORMS or not allows(request.user, "change", c):
        raise Http404
    form = STEP_FORMS[step](c, request.POST)
    try:
        result = _run_step(request, c, step, form)
    except ActionError as exc:
        if form is None:
            messages.error(request, str(exc.message))
            return redirect(container_url(c))
        apply_error(form, exc)
        result = None
    if result is None:
        return _detail(request, _container(request, pk=pk), {step: form})
    container = getattr(result, "container", result)
    for warning in getattr(result, "warnings", []):
        messages.warning(request, warning)
    messages.success(request, _("Saved."))
    return redirect(container_url(container))


@login_required
def container_label(request, pk: int):
    """The HJ 1276 label of one container as a PDF."""
    c = _container(request, pk=pk)
    if not printing.printable([c]):
        raise Http404
    pdf = printing.labels_pdf([c], base=printing.base_url() or request.build_absolute_uri("/"))
    return _pdf(pdf, f"label-{c.ident_code}.pdf")


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def labels_batch(request):
    """Many labels as ONE PDF: ``?ids=1&ids=2`` (selected) or ``?today=1``."""
    if request.GET.get("today"):
        chosen = list(queries.todays_containers(request.user))
    else:
        ids = [int(i) for i in request.GET.getlist("ids") if str(i).isdigit()]
        chosen = list(queries.containers(request.user).filter(pk__in=ids))
    printable = printing.printable(chosen)
    if not printable:
        messages.error(request, _("No coded hazardous-waste container was chosen."))
        return redirect("ledger:today")
    pdf = printing.labels_pdf(
        printable, base=printing.base_url() or request.build_absolute_uri("/")
    )
    return _pdf(pdf, "labels.pdf")
