"""The draft form (联单草稿): the shipper chooses its site, the receiver (with its permits), the
carrier with its vehicle and driver (htmx narrows the lists when the carrier changes; without
JavaScript they are grouped by carrier), the date, the containers in its storage and the
utilisation/disposal method per waste code."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from wufei.core.errors import ActionError

from . import actions, queries
from .forms import DraftForm, TransportForm
from .models import Manifest, ManifestStatus
from .views import get_manifest


def _initial(m: Manifest) -> dict[str, Any]:
    methods = {line.code_text: line.method.code for line in m.lines.select_related("method")}
    data: dict[str, Any] = {
        "version": m.version,
        "shipper_site": str(m.shipper_site_id),
        "receiver": str(m.receiver_id),
        "carrier": str(m.carrier_id),
        "vehicle": str(m.vehicle_id),
        "driver": str(m.driver_id),
        "planned_pickup_on": m.planned_pickup_on,
        "route_note": m.route_note,
        "emergency_measures": m.emergency_measures,
        "containers": [str(pk) for pk in m.items.values_list("container_id", flat=True)],
    }
    data.update({f"method_{code}": method for code, method in methods.items()})
    return data


def _form_page(request: HttpRequest, m: Manifest | None) -> HttpResponse:
    containers = queries.shippable_containers(request.user, exclude=m)
    if m is not None:  # a draft's own containers stay listed
        own = [i.container for i in queries.items_of(m)]
        known = {c.pk for c in containers}
        containers = [c for c in own if c.pk not in known] + containers
    if request.method == "POST":
        form = DraftForm(request.user, containers, request.POST)
    else:
        initial = _initial(m) if m is not None else {"planned_pickup_on": timezone.localdate()}
        form = DraftForm(request.user, containers, initial=initial)
    if not form.fields["shipper_site"].choices:  # type: ignore[attr-defined]
        raise Http404
    if request.method == "POST" and form.is_valid():
        try:
            if m is None:
                m = actions.create_draft(request.user, **form.action_kwargs())
                messages.success(request, _("Draft %(m)s saved.") % {"m": m})
            else:
                version = form.cleaned_data.get("version")
                m = actions.update_draft(request.user, m, version=version, **form.action_kwargs())
                messages.success(request, _("Draft %(m)s saved.") % {"m": m})
            return redirect("manifests:detail", pk=m.pk)
        except ActionError as exc:
            form.show_error(exc)
    selected = form.selected_rows()
    return render(
        request,
        "manifests/form.html",
        {
            "title": _("New transfer manifest") if m is None else _("Edit draft %(m)s") % {"m": m},
            "form": form,
            "m": m,
            "rows": [(c, str(c.pk) in selected) for c in containers],
        },
    )


@login_required
def new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    m = get_manifest(request, pk)
    if m.status != ManifestStatus.DRAFT:
        messages.error(request, _("Only a draft can be edited."))
        return redirect("manifests:detail", pk=m.pk)
    return _form_page(request, m)


@login_required
def transport_options(request: HttpRequest) -> HttpResponse:
    """htmx: the vehicle and driver lists of the chosen carrier."""
    form = TransportForm(initial={"carrier": request.GET.get("carrier", "")})
    return render(request, "manifests/_transport.html", {"form": form})
