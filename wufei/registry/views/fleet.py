"""Pages for carriers' vehicles and drivers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wufei.core.permissions import allows
from wufei.core.templatetags.wufei_tags import tonnes

from .. import actions, queries
from ..forms import DriverForm, VehicleForm
from ..models import (
    Driver,
    Organization,
    Vehicle,
)
from ._common import Column, Filter, ListPage, region_choices, render_list, url
from .assets import _active, _detail, _form_page, _get

# --- vehicles and drivers -------------------------------------------------------------------------


@login_required
def vehicle_list(request):
    return render_list(
        request,
        ListPage(
            title=gettext_lazy("Vehicles"),
            query=queries.vehicles,
            export_name="vehicles",
            search_placeholder=gettext_lazy("Plate or carrier"),
            columns=[
                Column(gettext_lazy("Plate number"), lambda v: v.plate, css="mono"),
                Column(gettext_lazy("Carrier"), lambda v: v.organization.name),
                Column(
                    gettext_lazy("Load limit (t)"), lambda v: tonnes(v.load_limit_tonnes), css="num"
                ),
                Column(gettext_lazy("Dangerous goods"), lambda v: v.dangerous_goods),
                Column(
                    gettext_lazy("Status"),
                    lambda v: _("Active") if v.is_active else _("Inactive"),
                    badge=_active,
                ),
            ],
            filters=[Filter("region", gettext_lazy("Region"), region_choices())],
            detail=lambda v: url("vehicle_detail", v.pk),
        ),
    )


@login_required
def vehicle_detail(request, pk: int):
    v = _get(request, Vehicle, pk=pk)
    return _detail(
        request,
        v,
        v.plate,
        [
            (gettext_lazy("Carrier"), v.organization.name),
            (gettext_lazy("Road transport permit number"), v.transport_permit_no),
            (gettext_lazy("Vehicle type"), v.vehicle_type),
            (gettext_lazy("Load limit (t)"), tonnes(v.load_limit_tonnes)),
            (
                gettext_lazy("Licensed for dangerous goods"),
                _("Yes") if v.dangerous_goods else _("No"),
            ),
            (gettext_lazy("GNSS terminal id"), v.terminal_id),
        ],
        edit_url=url("vehicle_update", v.pk) if allows(request.user, "change", v) else "",
        badge=(_("Active") if v.is_active else _("Inactive"), _active(v)),
        extra={"parent_url": url("organization_detail", v.organization.uscc)},
    )


@login_required
def vehicle_create(request, uscc: str):
    org = _get(request, Organization, uscc=uscc)
    if not allows(request.user, "add", Vehicle(organization=org)):
        raise Http404
    form = VehicleForm(request.POST or None)
    return _form_page(
        request,
        form,
        _("New vehicle for %(org)s") % {"org": org.name},
        lambda d: actions.create_vehicle(request.user, org, **d),
        lambda v: url("vehicle_detail", v.pk),
    )


@login_required
def vehicle_update(request, pk: int):
    v = _get(request, Vehicle, "change", pk=pk)
    form = VehicleForm(
        request.POST or None, initial={k: getattr(v, k) for k in VehicleForm.base_fields}
    )
    return _form_page(
        request,
        form,
        _("Edit %(name)s") % {"name": v.plate},
        lambda d: actions.update_vehicle(request.user, v, version=request.POST.get("version"), **d),
        lambda x: url("vehicle_detail", x.pk),
        v,
    )


@login_required
def driver_list(request):
    return render_list(
        request,
        ListPage(
            title=gettext_lazy("Drivers"),
            query=queries.drivers,
            export_name="drivers",
            search_placeholder=gettext_lazy("Name, certificate or carrier"),
            columns=[
                Column(gettext_lazy("Name"), lambda d: d.name),
                Column(gettext_lazy("Carrier"), lambda d: d.organization.name),
                Column(gettext_lazy("Phone"), lambda d: d.phone),
                Column(
                    gettext_lazy("Qualification certificate number"),
                    lambda d: d.qualification_no,
                    css="mono",
                ),
                Column(
                    gettext_lazy("Qualification valid until"), lambda d: d.qualification_valid_until
                ),
            ],
            filters=[Filter("region", gettext_lazy("Region"), region_choices())],
            detail=lambda d: url("driver_detail", d.pk),
        ),
    )


@login_required
def driver_detail(request, pk: int):
    d = _get(request, Driver, pk=pk)
    return _detail(
        request,
        d,
        d.name,
        [
            (gettext_lazy("Carrier"), d.organization.name),
            (gettext_lazy("Phone"), d.phone),
            (gettext_lazy("Qualification certificate number"), d.qualification_no),
            (gettext_lazy("Qualification valid until"), d.qualification_valid_until or ""),
            (gettext_lazy("User account"), d.user or ""),
        ],
        edit_url=url("driver_update", d.pk) if allows(request.user, "change", d) else "",
        badge=(_("Active") if d.is_active else _("Inactive"), _active(d)),
        extra={"parent_url": url("organization_detail", d.organization.uscc)},
    )


@login_required
def driver_create(request, uscc: str):
    org = _get(request, Organization, uscc=uscc)
    if not allows(request.user, "add", Driver(organization=org)):
        raise Http404
    form = DriverForm(request.POST or None)
    return _form_page(
        request,
        form,
        _("New driver for %(org)s") % {"org": org.name},
        lambda d: actions.create_driver(request.user, org, **d),
        lambda x: url("driver_detail", x.pk),
    )


@login_required
def driver_update(request, pk: int):
    d = _get(request, Driver, "change", pk=pk)
    form = DriverForm(
        request.POST or None, initial={k: getattr(d, k) for k in DriverForm.base_fields}
    )
    return _form_page(
        request,
        form,
        _("Edit %(name)s") % {"name": d.name},
        lambda x: actions.update_driver(request.user, d, version=request.POST.get("version"), **x),
        lambda x: url("driver_detail", x.pk),
        d,
    )
