"""Manifest pages (联单页面): the dashboard with its tabs, the detail page with the steps the
user may take, and the step POSTs (each calls one action; its error is shown in the user's
language beside the field it names). The draft form is in ``views_draft.py``, the phone
pages (driver, loading, take-over, arrival) in ``views_phone.py``."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wufei.core.audit import history
from wufei.core.errors import ActionError
from wufei.core.permissions import principal

from . import actions, proof, queries
from .actions._common import current_carrier_id
from .actions.revision_fields import REVISABLE_STATUSES
from .forms import (
    CancelForm,
    LegForm,
    ReceiptForm,
    SearchForm,
    TreatmentForm,
    VersionForm,
    apply_error,
)
from .models import (
    ItemStatus,
    LinkKind,
    Manifest,
    ManifestStatus,
    RevisionStatus,
    SignatureStep,
)

PAGE_SIZE = 25
STATUS_BADGE: dict[str, str] = {
    ManifestStatus.DRAFT: "",
    ManifestStatus.SUBMITTED: "blue",
    ManifestStatus.IN_TRANSIT: "orange",
    ManifestStatus.ARRIVED: "yellow",
    ManifestStatus.RECEIVED: "green",
    ManifestStatus.REFUSED: "red",
    ManifestStatus.CLOSED: "green",
    ManifestStatus.CANCELLED: "",
}
EVENT_LABELS = {
    "create": gettext_lazy("draft created"),
    "update": gettext_lazy("draft changed"),
    "submit": gettext_lazy("submitted"),
    "cancel": gettext_lazy("cancelled"),
    "scan_load": gettext_lazy("container loaded"),
    "handover": gettext_lazy("hand-over signed by the shipper"),
    "pickup": gettext_lazy("pickup signed by the carrier"),
    "add_leg": gettext_lazy("next carrier named"),
    "scan_leg": gettext_lazy("container taken over"),
    "leg_handover": gettext_lazy("take-over signed by the next carrier"),
    "scan_arrival": gettext_lazy("container scanned and weighed at arrival"),
    "receipt": gettext_lazy("receipt signed"),
    "treatment": gettext_lazy("treatment recorded"),
    "linked_create": gettext_lazy("manifest for refused waste created"),
    "submit_linked": gettext_lazy("submitted"),
    "linked_handover": gettext_lazy("hand-over signed by the shipper"),
    "store_returned": gettext_lazy("returned waste stored back"),
}


def is_linked(m: Manifest) -> bool:
    """A manifest for refused waste (退回 / 转移): its submit and hand-over are their own."""
    return bool(m.parent_id) and m.link_kind in (LinkKind.RETURN, LinkKind.REDIRECT)


def get_manifest(request: HttpRequest, pk: int) -> Manifest:
    m = queries.manifests_for(request.user).filter(pk=pk).first()
    if m is None:
        raise Http404
    return m


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """联单工作台: tabs with counts, search, one page of manifests."""
    tab = request.GET.get("tab") or "all"
    if tab not in queries.TAB_KEYS:
        tab = "all"
    today = timezone.localdate()
    form = SearchForm(request.GET or None)
    qs = queries.tab_queryset(request.user, tab, today)
    if form.is_valid():
        d = form.cleaned_data
        qs = queries.search(qs, d["q"], d["date_from"], d["date_to"])
    counts = queries.tab_counts(request.user, today)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    children: dict[int, list[Manifest]] = {}
    for child in queries.manifests_for(request.user).filter(
        parent__in=[m.pk for m in page.object_list]
    ):
        children.setdefault(child.parent_id or 0, []).append(child)
    rows = [
        (m, STATUS_BADGE.get(m.status, ""), queries.is_overdue(m, today), children.get(m.pk, []))
        for m in page.object_list
    ]
    context = {
        "title": _("Transfer manifests"),
        "tabs": [(t.key, t.label, counts[t.key]) for t in queries.TABS],
        "tab": tab,
        "form": form,
        "page": page,
        "rows": rows,
        "can_create": queries.can_draft(request.user),
        "can_drive": queries.is_carrier_user(request.user),
    }
    if getattr(request, "htmx", False):
        return render(request, "manifests/_dashboard_results.html", context)
    return render(request, "manifests/dashboard.html", context)


def steps_for(user: Any, m: Manifest) -> set[str]:
    """The steps this user may take on this manifest now (the actions still check)."""
    p = principal(user)
    if p is None:
        return set()
    roles = p.org_roles
    writer = queries.WRITER_ROLES
    carrier = queries.CARRIER_ROLES
    out: set[str] = set()
    signed = set(m.signatures.values_list("step", flat=True))
    if roles.get(m.shipper_id) in writer:
        if m.status == ManifestStatus.DRAFT:
            # a linked draft holds the refused containers: not edited through the draft form
            out |= {"submit", "cancel"} if is_linked(m) else {"edit", "submit", "cancel"}
        elif m.status == ManifestStatus.SUBMITTED and SignatureStep.HANDOVER not in signed:
            out |= {"cancel", "handover"}
    if m.status == ManifestStatus.SUBMITTED and roles.get(m.carrier_id) in carrier:
        out.add("load")
        if SignatureStep.HANDOVER in signed:
            out.add("pickup")
    next_leg = m.legs.filter(sequence=m.current_leg + 1).first()
    if m.status == ManifestStatus.IN_TRANSIT:
        if roles.get(current_carrier_id(m)) in carrier and next_leg is None:
            out.add("add_leg")
        if next_leg is not None and roles.get(next_leg.carrier_id) in carrier:
            out |= {"takeover", "sign_leg"}
    if roles.get(m.receiver_id) in writer:
        if m.status in (ManifestStatus.IN_TRANSIT, ManifestStatus.ARRIVED) and next_leg is None:
            out.add("receive")
        if m.status == ManifestStatus.ARRIVED:
            out.add("receipt")
        if m.status == ManifestStatus.RECEIVED:
            # returned waste goes back into the shipper's storage instead of being treated
            out.add("store" if m.link_kind == LinkKind.RETURN else "treatment")
    return out


def step_forms(
    m: Manifest, steps: set[str], items: list[Any], bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    initial = {"version": m.version}
    forms: dict[str, Any] = {}
    for name in ("submit", "handover", "pickup", "sign_leg"):
        if name in steps:
            forms[name] = VersionForm(initial=initial)
    if "cancel" in steps:
        forms["cancel"] = CancelForm(initial=initial)
    if "add_leg" in steps:
        forms["add_leg"] = LegForm(initial=initial)
    if "receipt" in steps:
        lines = list(m.lines.select_related("method", "waste_code"))
        forms["receipt"] = ReceiptForm(items, lines, initial=initial)
    if "treatment" in steps:
        waiting = [i for i in items if i.status == ItemStatus.RECEIVED]
        forms["treatment"] = TreatmentForm(waiting, initial=initial)
    forms.update(bound or {})
    return forms


def timeline(m: Manifest) -> list[dict[str, Any]]:
    rows = []
    for e in history(m).select_related("actor"):
        verb = e.action.rsplit(".", 1)[-1]
        after = e.after or {}
        rows.append(
            {
                "at": e.at,
                "who": e.actor_repr,
                "what": EVENT_LABELS.get(verb, e.action),
                "container": after.get("container", "") if isinstance(after, dict) else "",
                "weight": after.get("weight_tonnes", "") if isinstance(after, dict) else "",
                "reason": e.reason,
            }
        )
    return rows


def detail_context(
    request: HttpRequest, m: Manifest, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    items = queries.items_of(m)
    steps = steps_for(request.user, m)
    lines = list(m.lines.select_related("waste_code", "method", "received_method"))
    return {
        "title": str(m),
        "m": m,
        "manifest": m,
        "badge": STATUS_BADGE.get(m.status, ""),
        "overdue": queries.is_overdue(m),
        "lines": lines,
        "items": items,
        "loaded": sum(1 for i in items if i.status != ItemStatus.LISTED),
        "legs": list(m.legs.select_related("carrier", "vehicle", "driver")),
        "signatures": list(m.signatures.select_related("organization")),
        "events": timeline(m),
        "steps": steps,
        "forms": step_forms(m, steps, items, bound),
        **related_context(request.user, m, items),
    }


def _trip_url(m: Manifest) -> str:
    """The trip map (行程轨迹) of the trips app once the trip has been recorded; by URL name,
    or by its path while the trips pages are not routed."""
    try:
        trip_model = apps.get_model("trips", "Trip")
    except LookupError:
        return ""
    if not trip_model.objects.filter(manifest_id=m.pk).exists():
        return ""
    try:
        return reverse("trips:trip", args=[m.pk])
    except NoReverseMatch:
        return f"/trips/{m.pk}/"


def related_context(user: Any, m: Manifest, items: list[Any]) -> dict[str, Any]:
    """What the detail page links to beyond the main path: revision requests (with the open
    one's state), refused-waste routing, linked manifests both ways, the consolidation trace,
    the proof (PDF, viewing link) and the trip map — each only for the party it concerns."""
    p = principal(user)
    roles = p.org_roles if p is not None else {}
    writers = {o for o, r in roles.items() if r in queries.WRITER_ROLES}
    parties = {m.shipper_id, m.carrier_id, m.receiver_id}
    parties |= set(m.legs.values_list("carrier_id", flat=True))
    revisions = list(m.revisions.order_by("-number"))
    open_rev = next((r for r in revisions if r.status == RevisionStatus.OPEN), None)
    pending = (
        set(open_rev.approvers) - {d.get("org") for d in open_rev.decisions} if open_rev else set()
    )
    children = queries.linked_of(user, m)
    refused = [i for i in items if i.status == ItemStatus.REFUSED]
    routed = any(c.status != ManifestStatus.CANCELLED for c in children)
    route_as = ""
    if refused and not routed and m.status in (ManifestStatus.RECEIVED, ManifestStatus.REFUSED):
        if m.receiver_id in writers:
            route_as = "receiver"
        elif m.shipper_id in writers:
            route_as = "shipper"
    trace_nodes = [actions.trace(c) for c in queries.consolidated_containers(items)]
    moving = m.status not in (
        ManifestStatus.DRAFT,
        ManifestStatus.SUBMITTED,
        ManifestStatus.CANCELLED,
    )
    parent = queries.manifests_for(user).filter(pk=m.parent_id).first() if m.parent_id else None
    return {
        "parent": parent,
        "revisions": revisions,
        "open_revision": open_rev,
        "revision_to_decide": bool(writers & pending),
        "can_request_revision": bool(writers & parties)
        and m.status in REVISABLE_STATUSES
        and open_rev is None,
        "refused_count": len(refused),
        "route_as": route_as,
        "linked": is_linked(m),
        "children": children,
        "store_back": m.link_kind == LinkKind.RETURN
        and m.status == ManifestStatus.RECEIVED
        and m.receiver_id in writers,
        "trace_nodes": trace_nodes,
        "can_share": bool(m.number) and proof.may_share(user, m),
        "trip_url": _trip_url(m) if moving else "",
    }


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """联单详情: parties, transport, lines, containers, legs, signatures, timeline, steps."""
    m = get_manifest(request, pk)
    return render(request, "manifests/detail.html", detail_context(request, m))


def _version(form: Any) -> int | None:
    value: Any = form.cleaned_data.get("version") if hasattr(form, "cleaned_data") else None
    return None if value is None or value == "" else int(value)


STEP_DONE = {
    "submit": gettext_lazy("Manifest %(m)s submitted."),
    "cancel": gettext_lazy("Manifest %(m)s cancelled."),
    "handover": gettext_lazy("Hand-over of %(m)s signed."),
    "pickup": gettext_lazy("Pickup of %(m)s signed: the trip has started."),
    "add_leg": gettext_lazy("The next carrier of %(m)s has been named."),
    "sign_leg": gettext_lazy("Take-over of %(m)s signed."),
    "receipt": gettext_lazy("Receipt of %(m)s signed."),
    "treatment": gettext_lazy("Treatment recorded for %(m)s."),
}
FIELD_MAPS = {
    "add_leg": {"handover_place": "handover_place"},
    "receipt": {"refused": "reason", "lines": "reason", "items": "reason"},
    "treatment": {"codes": "codes", "method": "method", "note": "note"},
}


def _run(request: HttpRequest, m: Manifest, step: str, form: Any) -> Manifest | None:
    user = request.user
    if step == "submit" and is_linked(m):
        return actions.submit_linked(user, m, version=_version(form))
    if step == "handover" and is_linked(m):
        return actions.sign_linked_handover(user, m, version=_version(form))
    if step == "submit":
        return actions.submit(user, m, version=_version(form))
    if step == "cancel":
        return actions.cancel(user, m, reason=form.cleaned_data["reason"], version=_version(form))
    if step == "handover":
        return actions.sign_handover(user, m, version=_version(form))
    if step == "pickup":
        return actions.sign_pickup(user, m, version=_version(form))
    if step == "sign_leg":
        return actions.sign_leg(user, m, version=_version(form))
    if step == "add_leg":
        d = form.cleaned_data
        actions.add_leg(
            user,
            m,
            carrier=int(d["carrier"]),
            vehicle=int(d["vehicle"]),
            driver=int(d["driver"]),
            handover_place=d["handover_place"],
            version=_version(form),
        )
        return m
    if step == "receipt":
        return actions.sign_receipt(user, m, version=_version(form), **form.action_kwargs())
    if step == "treatment":
        d = form.cleaned_data
        return actions.record_treatment(
            user,
            m,
            codes=list(d["codes"]) or None,
            method=d["method"] or None,
            note=d["note"],
            version=_version(form),
        )
    raise Http404


def bind_step(m: Manifest, step: str, data: Any) -> Any:
    items = queries.items_of(m)
    if step == "cancel":
        return CancelForm(data)
    if step == "add_leg":
        return LegForm(data)
    if step == "receipt":
        lines = list(m.lines.select_related("method", "waste_code"))
        return ReceiptForm(items, lines, data)
    if step == "treatment":
        return TreatmentForm([i for i in items if i.status == ItemStatus.RECEIVED], data)
    return VersionForm(data)


@login_required
@require_POST
def step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One step of the manifest: the form is checked, the action called, errors shown."""
    if name not in STEP_DONE:
        raise Http404
    m = get_manifest(request, pk)
    form = bind_step(m, name, request.POST)
    page = request.POST.get("page", "")
    if form.is_valid():
        try:
            result = _run(request, m, name, form)
        except ActionError as exc:
            apply_error(form, exc, FIELD_MAPS.get(name))
        else:
            m = result or m
            messages.success(request, STEP_DONE[name] % {"m": m})
            if name == "handover" and page == "load":
                return redirect("manifests:load", pk=m.pk)
            if name == "pickup" and page == "load":
                return redirect("manifests:driver")
            if name == "sign_leg" and page == "takeover":
                return redirect("manifests:driver")
            return redirect("manifests:detail", pk=m.pk)
    if page in ("load", "takeover", "receive"):
        from .views_phone import render_phone

        return render_phone(request, m, page, bound={name: form})
    return render(request, "manifests/detail.html", detail_context(request, m, {name: form}))
