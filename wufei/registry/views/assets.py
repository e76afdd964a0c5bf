"""Pages for sites, facilities, permits, vehicles and drivers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wufei.core.audit import history
from wufei.core.errors import ActionError
from wufei.core.permissions import allows
from wufei.core.templatetags.wufei_tags import tonnes

from .. import actions, queries
from ..forms import FacilityForm, PermitForm, PermitStatusForm, SiteForm
from ..models import (
    Facility,
    FacilityKind,
    Organization,
    Permit,
    PermitStatus,
    Site,
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
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": title, "object": obj, "version": getattr(obj, "version", "")},
    )


def _detail(request, obj, title, fields, *, edit_url="", sections=(), badge=None, extra=None):
    context = {
        "object": obj,
        "title": title,
        "fields": fields,
        "edit_url": edit_url,
        "sections": sections,
        "badge": badge,
        "events": history(obj),
    }
    context.update(extra or {})
    return render(request, "registry/detail.html", context)


# --- sites ---------------------------------------------------------------------------------------


@login_required
def site_list(request):
    return render_list(
        request,
        ListPage(
            title=gettext_lazy("Sites"),
            query=queries.sites,
            export_name="sites",
            search_placeholder=gettext_lazy("Name, code or address"),
            columns=[
                Column(gettext_lazy("Name"), lambda s: s.name),
                Column(gettext_lazy("Organisation"), lambda s: s.organization.name),
                Column(gettext_lazy("Site code"), lambda s: s.site_code, css="mono"),
                Column(gettext_lazy("Region"), lambda s: s.region),
                Column(gettext_lazy("Address"), lambda s: s.address, css="hide-mobile"),
            ],
            filters=[Filter("region", gettext_lazy("Region"), region_choices())],
            detail=lambda s: url("site_detail", s.pk),
        ),
    )


@login_required
def site_detail(request, pk: int):
    site = _get(request, Site, pk=pk)
    facilities = site.facilities.all()
    return _detail(
        request,
        site,
        site.name,
        [
            (gettext_lazy("Organisation"), site.organization.name),
            (gettext_lazy("Site code (HJ 608)"), site.site_code),
            (gettext_lazy("Region"), site.region.name),
            (gettext_lazy("Address"), site.address),
            (
                gettext_lazy("Coordinates"),
                f"{site.longitude}, {site.latitude}" if site.longitude is not None else "",
            ),
        ],
        edit_url=url("site_update", site.pk) if allows(request.user, "change", site) else "",
        badge=(_("Active") if site.is_active else _("Inactive"), _active(site)),
        sections=[
            {
                "title": gettext_lazy("Facilities"),
                "add_url": url("facility_create", site.pk)
                if allows(request.user, "add", Facility(site=site))
                else "",
                "head": [
                    gettext_lazy("Code"),
                    gettext_lazy("Name"),
                    gettext_lazy("Kind"),
                    gettext_lazy("Capacity (t)"),
                ],
                "rows": [
                    (
                        url("facility_detail", f.pk),
                        [f.code, f.name, f.get_kind_display(), tonnes(f.capacity_tonnes)],
                    )
                    for f in facilities
                ],
            }
        ],
        extra={"parent_url": url("organization_detail", site.organization.uscc)},
    )


@login_required
def site_create(request, uscc: str):
    org = _get(request, Organization, uscc=uscc)
    if not allows(request.user, "add", Site(organization=org)):
        raise Http404
    form = SiteForm(request.POST or None, initial={"region": org.region.code})
    return _form_page(
        request,
        form,
        _("New site for %(org)s") % {"org": org.name},
        lambda d: actions.create_site(request.user, org, **{**d, "region": d["region"] or ""}),
        lambda s: url("site_detail", s.pk),
    )


@login_required
def site_update(request, pk: int):
    site = _get(request, Site, "change", pk=pk)
    initial = {k: getattr(site, k) for k in SiteForm.base_fields}
    initial["region"] = site.region.code
    form = SiteForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        _("Edit %(name)s") % {"name": site.name},
        lambda d: actions.update_site(
            request.user,
            site,
            version=request.POST.get("version"),
            **{**d, "region": d["region"] or ""},
        ),
        lambda s: url("site_detail", s.pk),
        site,
    )


# --- facilities ------------------------------------------------------------------------------------


@login_required
def facility_list(request):
    return render_list(
        request,
        ListPage(
            title=gettext_lazy("Facilities"),
            query=queries.facilities,
            export_name="facilities",
            search_placeholder=gettext_lazy("Name, code or organisation"),
            columns=[
                Column(gettext_lazy("Code"), lambda f: f.code, css="mono"),
                Column(gettext_lazy("Name"), lambda f: f.name),
                Column(gettext_lazy("Organisation"), lambda f: f.site.organization.name),
                Column(
                    gettext_lazy("Kind"), lambda f: f.get_kind_display(), badge=lambda f: "blue"
                ),
                Column(
                    gettext_lazy("Capacity (t)"), lambda f: tonnes(f.capacity_tonnes), css="num"
                ),
            ],
            filters=[
                Filter(
                    "kind",
                    gettext_lazy("Kind"),
                    [("", gettext_lazy("All kinds")), *FacilityKind.choices],
                ),
                Filter("region", gettext_lazy("Region"), region_choices()),
            ],
            detail=lambda f: url("facility_detail", f.pk),
        ),
    )


@login_required
def facility_detail(request, pk: int):
    f = _get(request, Facility, pk=pk)
    return _detail(
        request,
        f,
        f"{f.code} {f.name}",
        [
            (gettext_lazy("Site"), f.site),
            (gettext_lazy("Kind"), f.get_kind_display()),
            (gettext_lazy("Type"), f.facility_type),
            (gettext_lazy("Capacity (t)"), tonnes(f.capacity_tonnes)),
            (gettext_lazy("Treatment methods"), "、".join(str(m) for m in f.methods.all())),
        ],
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
    return _form_page(
        request,
        form,
        _("New facility at %(site)s") % {"site": site.name},
        lambda d: actions.create_facility(request.user, site, **d),
        lambda f: url("facility_detail", f.pk),
    )


@login_required
def facility_update(request, pk: int):
    f = _get(request, Facility, "change", pk=pk)
    initial = {k: getattr(f, k) for k in FacilityForm.base_fields if k != "methods"}
    initial["methods"] = ", ".join(m.code for m in f.methods.all())
    form = FacilityForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        _("Edit %(name)s") % {"name": f.name},
        lambda d: actions.update_facility(
            request.user, f, version=request.POST.get("version"), **d
        ),
        lambda x: url("facility_detail", x.pk),
        f,
    )


# --- permits ----------------------------------------------------------------------------------------


@login_required
def permit_list(request):
    return render_list(
        request,
        ListPage(
            title=gettext_lazy("Permits"),
            query=queries.permits,
            export_name="permits",
            search_placeholder=gettext_lazy("Number, holder or credit code"),
            columns=[
                Column(gettext_lazy("Permit number"), lambda p: p.number, css="mono"),
                Column(gettext_lazy("Holder"), lambda p: p.organization.name),
                Column(gettext_lazy("Valid from"), lambda p: p.valid_from),
                Column(gettext_lazy("Valid until"), lambda p: p.valid_until),
                Column(
                    gettext_lazy("Status"),
                    lambda p: p.get_status_display(),
                    badge=lambda p: STATUS_BADGE[p.status],
                ),
            ],
            filters=[
                Filter(
                    "status",
                    gettext_lazy("Status"),
                    [("", gettext_lazy("All statuses")), *PermitStatus.choices],
                ),
                Filter("region", gettext_lazy("Region"), region_choices()),
            ],
            detail=lambda p: url("permit_detail", p.pk),
        ),
    )


@login_required
def permit_detail(request, pk: int):
    p = _get(request, Permit, pk=pk)
    scopes = p.scopes.select_related("waste_code", "category").prefetch_related("methods")
    can_change = allows(request.user, "change", p)
    return _detail(
        request,
        p,
        p.number,
        [
            (gettext_lazy("Holder"), p.organization.name),
            (gettext_lazy("Site"), p.site or ""),
            (gettext_lazy("Issued by"), p.issuer),
            (gettext_lazy("Issued on"), p.issued_on),
            (gettext_lazy("Valid from"), p.valid_from),
            (gettext_lazy("Valid until"), p.valid_until),
            (gettext_lazy("Total capacity (t/yr)"), tonnes(p.total_capacity_tonnes)),
        ],
        edit_url=url("permit_update", p.pk) if can_change else "",
        badge=(p.get_status_display(), STATUS_BADGE[p.status]),
        sections=[
            {
                "title": gettext_lazy("Licensed codes"),
                "head": [
                    gettext_lazy("Waste code or category"),
                    gettext_lazy("t/yr"),
                    gettext_lazy("Methods"),
                ],
                "rows": [
                    (
                        "",
                        [
                            s.waste_code or s.category,
                            tonnes(s.annual_capacity_tonnes),
                            "、".join(m.code for m in s.methods.all()),
                        ],
                    )
                    for s in scopes
                ],
            }
        ],
        extra={
            "status_form": PermitStatusForm() if can_change and p.status != "revoked" else None,
            "status_url": url("permit_status", p.pk),
            "parent_url": url("organization_detail", p.organization.uscc),
        },
    )


def _scope_lines(p: Permit) -> str:
    lines = []
    for s in p.scopes.select_related("waste_code", "category").prefetch_related("methods"):
        target = s.waste_code.code if s.waste_code else (s.category.code if s.category else "")
        lines.append(
            f"{target} {s.annual_capacity_tonnes} {','.join(m.code for m in s.methods.all())}".strip()
        )
    return "\n".join(lines)


@login_required
def permit_create(request, uscc: str):
    org = _get(request, Organization, uscc=uscc)
    if not allows(request.user, "add", Permit(organization=org)):
        raise Http404
    form = PermitForm(request.POST or None)
    return _form_page(
        request,
        form,
        _("New permit for %(org)s") % {"org": org.name},
        lambda d: actions.create_permit(request.user, org, **d),
        lambda p: url("permit_detail", p.pk),
    )


@login_required
def permit_update(request, pk: int):
    p = _get(request, Permit, "change", pk=pk)
    initial = {k: getattr(p, k) for k in PermitForm.base_fields if k != "scopes"}
    initial["scopes"] = _scope_lines(p)
    form = PermitForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        _("Edit %(name)s") % {"name": p.number},
        lambda d: actions.update_permit(request.user, p, version=request.POST.get("version"), **d),
        lambda x: url("permit_detail", x.pk),
        p,
    )


@login_required
@require_POST
def permit_status(request, pk: int):
    p = _get(request, Permit, pk=pk)
    form = PermitStatusForm(request.POST)
    try:
        if form.is_valid():
            actions.set_permit_status(
                request.user, p, form.cleaned_data["status"], reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Saved."))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    return redirect(url("permit_detail", p.pk))
