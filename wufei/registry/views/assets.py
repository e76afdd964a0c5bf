"""Pages for sites, facilities, permits, vehicles and drivers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as gl
from django.views.decorators.http import require_POST

from wufei.core.audit import history
from wufei.core.errors import ActionError
from wufei.core.permissions import allows
from wufei.core.templatetags.wufei_tags import tonnes

from .. import actions, queries
from ..forms import DriverForm, FacilityForm, PermitForm, PermitStatusForm, SiteForm, VehicleForm
from ..models import (
    Driver,
    Facility,
    FacilityKind,
    Organization,
    Permit,
    PermitStatus,
    Site,
    Vehicle,
)
from ._common import Column, Filter, ListPage, apply_error, region_choices, render_list, url

STATUS_BADGE = {"valid": "green", "suspended": "orange", "revoked": "red"}


def _get(request, model, action="view", **lookup):
    obj = model.objects.restrict(request.user, action).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def _active(obj) -> str:
    return "green" if obj.is_active else "red"


def _form_page(request, form, title, run, done_url, obj=None):
    if request.method == "POST" and form.is_valid():
        try:
            result = run(dict(form.cleaned_data))
            messages.success(request, _("Saved."))
            return redirect(done_url(result))
        except ActionError as exc:
            apply_error(form, exc)
    return render(request, "registry/form.html", {"form": form, "title": title, "object": obj,
                                                  "version": getattr(obj, "version", "")})


def _detail(request, obj, title, fields, *, edit_url="", sections=(), badge=None, extra=None):
    context = {"object": obj, "title": title, "fields": fields, "edit_url": edit_url, "sections": sections,
               "badge": badge, "events": history(obj)}
    context.update(extra or {})
    return render(request, "registry/detail.html", context)


# --- sites ---------------------------------------------------------------------------------------

@login_required
def site_list(request):
    return render_list(request, ListPage(
        title=gl("Sites"), query=queries.sites, export_name="sites", search_placeholder=gl("Name, code or address"),
        columns=[Column(gl("Name"), lambda s: s.name), Column(gl("Organisation"), lambda s: s.organization.name),
                 Column(gl("Site code"), lambda s: s.site_code, css="mono"), Column(gl("Region"), lambda s: s.region),
                 Column(gl("Address"), lambda s: s.address, css="hide-mobile")],
        filters=[Filter("region", gl("Region"), region_choices())],
        detail=lambda s: url("site_detail", s.pk)))


@login_required
def site_detail(request, pk: int):
    site = _get(request, Site, pk=pk)
    facilities = site.facilities.all()
    return _detail(
        request, site, site.name,
        [(gl("Organisation"), site.organization.name), (gl("Site code (HJ 608)"), site.site_code),
         (gl("Region"), site.region.name), (gl("Address"), site.address),
         (gl("Coordinates"), f"{site.longitude}, {site.latitude}" if site.longitude is not None else "")],
        edit_url=url("site_update", site.pk) if allows(request.user, "change", site) else "",
        badge=(_("Active") if site.is_active else _("Inactive"), _active(site)),
        sections=[{"title": gl("Facilities"), "add_url": url("facility_create", site.pk)
                   if allows(request.user, "add", Facility(site=site)) else "",
                   "head": [gl("Code"), gl("Name"), gl("Kind"), gl("Capacity (t)")],
                   "rows": [(url("facility_detail", f.pk), [f.code, f.name, f.get_kind_display(),
                                                            tonnes(f.capacity_tonnes)]) for f in facilities]}],
        extra={"parent_url": url("organization_detail", site.organization.uscc)},
    )


@login_required
def site_create(request, uscc: str):
    org = _get(request, Organization, uscc=uscc)
    if not allows(request.user, "add", Site(organization=org)):
        raise Http404
    form = SiteForm(request.POST or None, initial={"region": org.region.code})
    return _form_page(request, form, _("New site for %(org)s") % {"org": org.name},
                      lambda d: actions.create_site(request.user, org, **{**d, "region": d["region"] or ""}),
                      lambda s: url("site_detail", s.pk))


@login_required
def site_update(request, pk: int):
    site = _get(request, Site, "change", pk=pk)
    initial = {k: getattr(site, k) for k in SiteForm.base_fields}
    initial["region"] = site.region.code
    form = SiteForm(request.POST or None, initial=initial)
    return _form_page(request, form, _("Edit %(name)s") % {"name": site.name},
                      lambda d: actions.update_site(request.user, site, version=request.POST.get("version"),
                                                    **{**d, "region": d["region"] or ""}),
                      lambda s: url("site_detail", s.pk), site)


# --- facilities ------------------------------------------------------------------------------------

@login_required
def facility_list(request):
    return render_list(request, ListPage(
        title=gl("Facilities"), query=queries.facilities, export_name="facilities",
        search_placeholder=gl("Name, code or organisation"),
        columns=[Column(gl("Code"), lambda f: f.code, css="mono"), Column(gl("Name"), lambda f: f.name),
                 Column(gl("Organisation"), lambda f: f.site.organization.name),
                 Column(gl("Kind"), lambda f: f.get_kind_display(), badge=lambda f: "blue"),
                 Column(gl("Capacity (t)"), lambda f: tonnes(f.capacity_tonnes), css="num")],
        filters=[Filter("kind", gl("Kind"), [("", gl("All kinds")), *FacilityKind.choices]),
                 Filter("region", gl("Region"), region_choices())],
        detail=lambda f: url("facility_detail", f.pk)))


@login_required
def facility_detail(request, pk: int):
    f = _get(request, Facility, pk=pk)
    return _detail(
        request, f, f"{f.code} {f.name}",
        [(gl("Site"), f.site), (gl("Kind"), f.get_kind_display()), (gl("Type"), f.facility_type),
         (gl("Capacity (t)"), tonnes(f.capacity_tonnes)),
         (gl("Treatment methods"), "、".join(str(m) for m in f.methods.all()))],
        edit_url=url("facility_update", f.pk) if allows(request.user, "change", f) else "",
        badge=(_("Active") if f.is_active else _("Inactive"), _active(f)),
        extra={"parent_url": url("site_detail", f.site_id)},
    )


@login_required
def facility_create(request, site_pk: int):
    site = _get(request, Site, pk=site_pk)
    if not allows(request.user, "add", Facility(site=site)):
        raise Http404
    form = FacilityForm(request.POST or None)
    return _form_page(request, form, _("New facility at %(site)s") % {"site": site.name},
                      lambda d: actions.create_facility(request.user, site, **d),
                      lambda f: url("facility_detail", f.pk))


@login_required
def facility_update(request, pk: int):
    f = _get(request, Facility, "change", pk=pk)
    initial = {k: getattr(f, k) for k in FacilityForm.base_fields if k != "methods"}
    initial["methods"] = ", ".join(m.code for m in f.methods.all())
    form = FacilityForm(request.POST or None, initial=initial)
    return _form_page(request, form, _("Edit %(name)s") % {"name": f.name},
                      lambda d: actions.update_facility(request.user, f, version=request.POST.get("version"), **d),
                      lambda x: url("facility_detail", x.pk), f)


# --- permits ----------------------------------------------------------------------------------------

@login_required
def permit_list(request):
    return render_list(request, ListPage(
        title=gl("Permits"), query=queries.permits, export_name="permits",
        search_placeholder=gl("Number, holder or credit code"),
        columns=[Column(gl("Permit number"), lambda p: p.number, css="mono"),
                 Column(gl("Holder"), lambda p: p.organization.name),
                 Column(gl("Valid from"), lambda p: p.valid_from), Column(gl("Valid until"), lambda p: p.valid_until),
                 Column(gl("Status"), lambda p: p.get_status_display(), badge=lambda p: STATUS_BADGE[p.status])],
        filters=[Filter("status", gl("Status"), [("", gl("All statuses")), *PermitStatus.choices]),
                 Filter("region", gl("Region"), region_choices())],
        detail=lambda p: url("permit_detail", p.pk)))


@login_required
def permit_detail(request, pk: int):
    p = _get(request, Permit, pk=pk)
    scopes = p.scopes.select_related("waste_code", "category").prefetch_related("methods")
    can_change = allows(request.user, "change", p)
    return _detail(
        request, p, p.number,
        [(gl("Holder"), p.organization.name), (gl("Site"), p.site or ""), (gl("Issued by"), p.issuer),
         (gl("Issued on"), p.issued_on), (gl("Valid from"), p.valid_from), (gl("Valid until"), p.valid_until),
         (gl("Total capacity (t/yr)"), tonnes(p.total_capacity_tonnes))],
        edit_url=url("permit_update", p.pk) if can_change else "",
        badge=(p.get_status_display(), STATUS_BADGE[p.status]),
        sections=[{"title": gl("Licensed codes"), "head": [gl("Waste code or category"), gl("t/yr"), gl("Methods")],
                   "rows": [("", [s.waste_code or s.category, tonnes(s.annual_capacity_tonnes),
                                  "、".join(m.code for m in s.methods.all())]) for s in scopes]}],
        extra={"status_form": PermitStatusForm() if can_change and p.status != "revoked" else None,
               "status_url": url("permit_status", p.pk),
               "parent_url": url("organization_detail", p.organization.uscc)},
    )


def _scope_lines(p: Permit) -> str:
    lines = []
    for s in p.scopes.select_related("waste_code", "category").prefetch_related("methods"):
        target = s.waste_code.code if s.waste_code_id else s.category.code
        lines.append(f"{target} {s.annual_capacity_tonnes} {','.join(m.code for m in s.methods.all())}".strip())
    return "\n".join(lines)


@login_required
def permit_create(request, uscc: str):
    org = _get(request, Organization, uscc=uscc)
    if not allows(request.user, "add", Permit(organization=org)):
        raise Http404
    form = PermitForm(request.POST or None)
    return _form_page(request, form, _("New permit for %(org)s") % {"org": org.name},
                      lambda d: actions.create_permit(request.user, org, **d), lambda p: url("permit_detail", p.pk))


@login_required
def permit_update(request, pk: int):
    p = _get(request, Permit, "change", pk=pk)
    initial = {k: getattr(p, k) for k in PermitForm.base_fields if k != "scopes"}
    initial["scopes"] = _scope_lines(p)
    form = PermitForm(request.POST or None, initial=initial)
    return _form_page(request, form, _("Edit %(name)s") % {"name": p.number},
                      lambda d: actions.update_permit(request.user, p, version=request.POST.get("version"), **d),
                      lambda x: url("permit_detail", x.pk), p)


@login_required
@require_POST
def permit_status(request, pk: int):
    p = _get(request, Permit, pk=pk)
    form = PermitStatusForm(request.POST)
    try:
        if form.is_valid():
            actions.set_permit_status(request.user, p, form.cleaned_data["status"], reason=form.cleaned_data["reason"])
            messages.success(request, _("Saved."))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    return redirect(url("permit_detail", p.pk))


# --- vehicles and drivers -------------------------------------------------------------------------

@login_required
def vehicle_list(request):
    return render_list(request, ListPage(
        title=gl("Vehicles"), query=queries.vehicles, export_name="vehicles", search_placeholder=gl("Plate or carrier"),
        columns=[Column(gl("Plate number"), lambda v: v.plate, css="mono"), Column(gl("Carrier"), lambda v: v.organization.name),
                 Column(gl("Load limit (t)"), lambda v: tonnes(v.load_limit_tonnes), css="num"),
                 Column(gl("Dangerous goods"), lambda v: v.dangerous_goods),
                 Column(gl("Status"), lambda v: _("Active") if v.is_active else _("Inactive"), badge=_active)],
        filters=[Filter("region", gl("Region"), region_choices())],
        detail=lambda v: url("vehicle_detail", v.pk)))


@login_required
def vehicle_detail(request, pk: int):
    v = _get(request, Vehicle, pk=pk)
    return _detail(
        request, v, v.plate,
        [(gl("Carrier"), v.organization.name), (gl("Road transport permit number"), v.transport_permit_no),
         (gl("Vehicle type"), v.vehicle_type), (gl("Load limit (t)"), tonnes(v.load_limit_tonnes)),
         (gl("Licensed for dangerous goods"), _("Yes") if v.dangerous_goods else _("No")),
         (gl("GNSS terminal id"), v.terminal_id)],
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
    return _form_page(request, form, _("New vehicle for %(org)s") % {"org": org.name},
                      lambda d: actions.create_vehicle(request.user, org, **d), lambda v: url("vehicle_detail", v.pk))


@login_required
def vehicle_update(request, pk: int):
    v = _get(request, Vehicle, "change", pk=pk)
    form = VehicleForm(request.POST or None, initial={k: getattr(v, k) for k in VehicleForm.base_fields})
    return _form_page(request, form, _("Edit %(name)s") % {"name": v.plate},
                      lambda d: actions.update_vehicle(request.user, v, version=request.POST.get("version"), **d),
                      lambda x: url("vehicle_detail", x.pk), v)


@login_required
def driver_list(request):
    return render_list(request, ListPage(
        title=gl("Drivers"), query=queries.drivers, export_name="drivers",
        search_placeholder=gl("Name, certificate or carrier"),
        columns=[Column(gl("Name"), lambda d: d.name), Column(gl("Carrier"), lambda d: d.organization.name),
                 Column(gl("Phone"), lambda d: d.phone),
                 Column(gl("Qualification certificate number"), lambda d: d.qualification_no, css="mono"),
                 Column(gl("Qualification valid until"), lambda d: d.qualification_valid_until)],
        filters=[Filter("region", gl("Region"), region_choices())],
        detail=lambda d: url("driver_detail", d.pk)))


@login_required
def driver_detail(request, pk: int):
    d = _get(request, Driver, pk=pk)
    return _detail(
        request, d, d.name,
        [(gl("Carrier"), d.organization.name), (gl("Phone"), d.phone),
         (gl("Qualification certificate number"), d.qualification_no),
         (gl("Qualification valid until"), d.qualification_valid_until or ""), (gl("User account"), d.user or "")],
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
    return _form_page(request, form, _("New driver for %(org)s") % {"org": org.name},
                      lambda d: actions.create_driver(request.user, org, **d), lambda x: url("driver_detail", x.pk))


@login_required
def driver_update(request, pk: int):
    d = _get(request, Driver, "change", pk=pk)
    form = DriverForm(request.POST or None, initial={k: getattr(d, k) for k in DriverForm.base_fields})
    return _form_page(request, form, _("Edit %(name)s") % {"name": d.name},
                      lambda x: actions.update_driver(request.user, d, version=request.POST.get("version"), **x),
                      lambda x: url("driver_detail", x.pk), d)
