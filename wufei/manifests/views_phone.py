"""Phone pages (手机端): light pages for the driver and the receiver's weighbridge.

- ``driver/``: the trips of the user's carrier (to load, on the road, to take over).
- ``<pk>/load/``: scan each container onto the vehicle (装车扫码), see what is left, sign the
  pickup once the shipper has signed the hand-over.
- ``<pk>/takeover/``: the next carrier scans each container and signs the take-over (联运).
- ``<pk>/receive/``: the receiver scans and weighs each container, then signs the receipt.

A scan is a plain form POST (a hardware scanner types the code and Enter into the text field;
the camera button reads the QR with the labels app's jsQR and fills the same field). With htmx
the answer is only the scan panel (a few kB): the message, the containers left and, once the
last container is scanned, the signature buttons rendered from the manifest read again after
the scan. While the driver waits for the shipper's hand-over the panel asks again every 10 s.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from wufei.core.errors import ActionError
from wufei.labels.qr import CONTAINER_PATH

from . import actions, queries
from .forms import ArrivalScanForm, ScanForm, apply_error
from .models import Manifest
from .views import STATUS_BADGE, get_manifest, step_forms, steps_for

PAGE_TITLES = {
    "load": lambda: _("Loading"),
    "takeover": lambda: _("Take-over from the previous carrier"),
    "receive": lambda: _("Arrival: scan and weigh"),
}


@login_required
def driver(request: HttpRequest) -> HttpResponse:
    """行程: what the user's carrier has to load, carry or take over."""
    trips = list(queries.driver_trips(request.user)[:100])
    rows = []
    for m in trips:
        steps = steps_for(request.user, m)
        page = "load" if "load" in steps else "takeover" if "takeover" in steps else ""
        rows.append((m, STATUS_BADGE.get(m.status, ""), page))
    return render(request, "manifests/driver.html", {"title": _("My trips"), "rows": rows})


def phone_context(
    request: HttpRequest,
    m: Manifest,
    page: str,
    scan_form: Any = None,
    bound: dict[str, Any] | None = None,
    result: Any = None,
) -> dict[str, Any]:
    steps = steps_for(request.user, m)
    items = queries.items_of(m)
    pending = queries.pending_scan(m, page)
    form_class = ArrivalScanForm if page == "receive" else ScanForm
    # the hand-over too: a shipper that carries its own waste signs both on the loading page
    phone_steps = {"pickup", "sign_leg", "receipt"} | ({"handover"} if page == "load" else set())
    forms = step_forms(m, steps & phone_steps, items, bound)
    return {
        "title": PAGE_TITLES[page](),
        "m": m,
        "page": page,
        "badge": STATUS_BADGE.get(m.status, ""),
        "scan_form": scan_form or form_class(),
        "pending": pending,
        "done": len(items) - len(pending),
        "total": len(items),
        "items": items,
        "result": result,
        "steps": steps,
        "forms": forms,
        "container_prefix": CONTAINER_PATH,
    }


def render_phone(
    request: HttpRequest,
    m: Manifest,
    page: str,
    scan_form: Any = None,
    bound: dict[str, Any] | None = None,
    result: Any = None,
) -> HttpResponse:
    context = phone_context(request, m, page, scan_form, bound, result)
    template = (
        "manifests/_scan_panel.html" if getattr(request, "htmx", False) else "manifests/phone.html"
    )
    return render(request, template, context)


def _scan(request: HttpRequest, pk: int, page: str) -> HttpResponse:
    m = get_manifest(request, pk)
    if page not in steps_for(request.user, m):
        raise Http404
    if request.method != "POST":
        return render_phone(request, m, page)
    form_class = ArrivalScanForm if page == "receive" else ScanForm
    form = form_class(request.POST)
    result = None
    if form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if page == "load":
                result = actions.scan_load(request.user, m, code)
            elif page == "takeover":
                result = actions.scan_leg(request.user, m, code)
            else:
                result = actions.scan_arrival(
                    request.user,
                    m,
                    code,
                    weight_tonnes=form.weight_tonnes(),  # type: ignore[attr-defined]
                )
        except ActionError as exc:
            apply_error(form, exc, {"weight_tonnes": "weight_kg"})
        else:
            m = get_manifest(request, pk)
            form = form_class()
    return render_phone(request, m, page, scan_form=form, result=result)


@login_required
def load(request: HttpRequest, pk: int) -> HttpResponse:
    return _scan(request, pk, "load")


@login_required
def takeover(request: HttpRequest, pk: int) -> HttpResponse:
    return _scan(request, pk, "takeover")


@login_required
def receive(request: HttpRequest, pk: int) -> HttpResponse:
    return _scan(request, pk, "receive")
