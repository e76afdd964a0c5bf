"""Organisation pages: list, detail, create, edit, management class, members, import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wufei.core.audit import history
from wufei.core.errors import ActionError
from wufei.core.permissions import allows, principal

from .. import actions, queries
from ..forms import (
    ImportForm,
    InviteForm,
    MemberRoleForm,
    OrganizationForm,
    OverrideForm,
)
from ..importing import error_report_rows, read_rows, template_workbook
from ..models import Invitation, ManagementClass, Membership, Organization, OrgRole
from ._common import Column, Filter, ListPage, apply_error, region_choices, render_list, url

MC_BADGE = {"key": "red", "simplified": "orange", "registered": "green"}


def _org(request, uscc: str) -> Organization:
    org = (
        Organization.objects.restrict(request.user, "view")
        .select_related("region")
        .filter(uscc=uscc)
        .first()
    )
    if org is None:
        raise Http404
    return org


def organization_page() -> ListPage:
    return ListPage(
        title=gettext_lazy("Organisations"),
        query=queries.organizations,
        export_name="organisations",
        search_placeholder=gettext_lazy("Name or credit code"),
        columns=[
            Column(gettext_lazy("Name"), lambda o: o.name),
            Column(gettext_lazy("Credit code"), lambda o: o.uscc, css="mono"),
            Column(gettext_lazy("Region"), lambda o: o.region.name),
            Column(gettext_lazy("Roles"), lambda o: "、".join(o.get_roles_display())),
            Column(
                gettext_lazy("Management class"),
                lambda o: o.get_management_class_display(),
                badge=lambda o: MC_BADGE.get(o.management_class, ""),
            ),
        ],
        filters=[
            Filter(
                "role", gettext_lazy("Role"), [("", gettext_lazy("All roles")), *OrgRole.choices]
            ),
            Filter("region", gettext_lazy("Region"), region_choices()),
            Filter(
                "management_class",
                gettext_lazy("Management class"),
                [("", gettext_lazy("All classes")), *ManagementClass.choices],
            ),
        ],
        detail=lambda o: url("organization_detail", o.uscc),
    )


@login_required
def organization_list(request):
    page = organization_page()
    can_add = bool(
        principal(request.user)
        and (principal(request.user).jurisdictions or principal(request.user).is_platform_admin)
    )
    return render_list(
        request,
        page,
        extra={
            "create_url": url("organization_create") if can_add else "",
            "create_label": _("Register an organisation"),
            "import_url": url("organization_import") if can_add else "",
        },
    )


@login_required
def organization_detail(request, uscc: str):
    org = _org(request, uscc)
    p = principal(request.user)
    can_change = allows(request.user, "change", org)
    is_member_admin = bool(p and (p.is_platform_admin or p.org_roles.get(org.pk) == "admin"))
    can_override = bool(
        p and any(len(j) <= 4 and org.region.prefix.startswith(j) for j in p.jurisdictions)
    )
    members = (
        org.memberships.filter(is_active=True).select_related("user")
        if is_member_admin or allows(request.user, "view", Membership(organization=org))
        else []
    )
    invitations = (
        Invitation.objects.restrict(request.user, "view").filter(
            organization=org, accepted_at__isnull=True, revoked_at__isnull=True
        )
        if is_member_admin
        else []
    )
    context = {
        "org": org,
        "can_change": can_change,
        "can_override": can_override and org.is_producer,
        "is_member_admin": is_member_admin,
        "members": members,
        "invitations": invitations,
        "sites": org.sites.all(),
        "permits": org.permits.all(),
        "vehicles": org.vehicles.all()[:50],
        "drivers": org.drivers.all()[:50],
        "mc_badge": MC_BADGE.get(org.management_class, ""),
        "override_form": OverrideForm(initial={"management_class": org.management_class}),
        "invite_form": InviteForm(),
        "role_form": MemberRoleForm(),
        "events": history(org),
        "can_add_site": is_member_admin or (p and p.org_roles.get(org.pk) == "member"),
        "can_add_permit": bool(p and (p.is_platform_admin or p.in_jurisdiction(org.region.prefix)))
        and (org.is_receiver or org.is_collector),
        "can_add_fleet": org.is_carrier
        and bool(p and (p.is_platform_admin or p.org_roles.get(org.pk) in ("admin", "member"))),
        "invite_token": request.session.pop("registry_invite_link", ""),
    }
    return render(request, "registry/organization_detail.html", context)


def _org_form_view(request, form, org=None):
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["region"] = data["region"] or ""
        try:
            if org is None:
                org = actions.create_organization(request.user, **data)
                messages.success(request, _("Organisation registered."))
            else:
                p = principal(request.user)
                if not (p and (p.is_platform_admin or p.in_jurisdiction(org.region.prefix))):
                    for key in ("uscc", "region", "roles"):
                        data.pop(key, None)
                org = actions.update_organization(
                    request.user, org, version=request.POST.get("version"), **data
                )
                messages.success(request, _("Saved."))
            return redirect(url("organization_detail", org.uscc))
        except ActionError as exc:
            apply_error(form, exc)
    title = (
        _("Register an organisation") if org is None else _("Edit %(name)s") % {"name": org.name}
    )
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": title, "object": org, "version": getattr(org, "version", "")},
    )


@login_required
def organization_create(request):
    return _org_form_view(request, OrganizationForm(request.POST or None))


@login_required
def organization_update(request, uscc: str):
    org = _org(request, uscc)
    if not allows(request.user, "change", org):
        raise Http404
    initial = {f: getattr(org, f) for f in OrganizationForm.base_fields if hasattr(org, f)}
    initial["region"] = org.region.code
    initial["roles"] = org.roles
    form = OrganizationForm(request.POST or None, initial=initial)
    p = principal(request.user)
    if not (p and (p.is_platform_admin or p.in_jurisdiction(org.region.prefix))):
        for key in ("uscc", "region", "roles"):
            form.fields[key].disabled = True
    return _org_form_view(request, form, org)


@login_required
@require_POST
def organization_override(request, uscc: str):
    org = _org(request, uscc)
    form = OverrideForm(request.POST)
    try:
        if request.POST.get("clear"):
            actions.clear_management_class_override(
                request.user, org, reason=request.POST.get("reason", "")
            )
        elif form.is_valid():
            actions.override_management_class(
                request.user,
                org,
                form.cleaned_data["management_class"],
                reason=form.cleaned_data["reason"],
            )
        messages.success(request, _("Management class saved."))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    return redirect(url("organization_detail", org.uscc))


@login_required
@require_POST
def organization_invite(request, uscc: str):
    org = _org(request, uscc)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            _inv, token = actions.invite_member(request.user, org, **form.cleaned_data)
            request.session["registry_invite_link"] = request.build_absolute_uri(
                url("invitation_accept", token)
            )
            messages.success(request, _("Invitation sent."))
        except ActionError as exc:
            messages.error(request, str(exc.message))
    return redirect(url("organization_detail", org.uscc))


@login_required
@require_POST
def membership_remove(request, pk: int):
    m = get_object_or_404(
        Membership.objects.restrict(request.user, "view").select_related("organization"), pk=pk
    )
    try:
        actions.remove_member(request.user, m)
        messages.success(request, _("Member removed."))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    return redirect(url("organization_detail", m.organization.uscc))


@login_required
@require_POST
def membership_role(request, pk: int):
    m = get_object_or_404(
        Membership.objects.restrict(request.user, "view").select_related("organization"), pk=pk
    )
    form = MemberRoleForm(request.POST)
    try:
        if form.is_valid():
            actions.change_member_role(request.user, m, form.cleaned_data["role"])
            messages.success(request, _("Role changed."))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    return redirect(url("organization_detail", m.organization.uscc))


@login_required
@require_POST
def invitation_revoke(request, pk: int):
    inv = get_object_or_404(
        Invitation.objects.restrict(request.user, "view").select_related("organization"), pk=pk
    )
    try:
        actions.revoke_invitation(request.user, inv)
        messages.success(request, _("Invitation withdrawn."))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    return redirect(url("organization_detail", inv.organization.uscc))


def invitation_accept(request, token: str):
    """Reachable without signing in: accept as the signed-in user or create an account."""
    from ..forms import AcceptForm

    invitation = actions.find_invitation(token)
    form = AcceptForm(request.POST or None)
    error = ""
    if request.method == "POST" and invitation is not None:
        try:
            user = request.user if request.user.is_authenticated else None
            actions.accept_invitation(
                token,
                user=user,
                username=request.POST.get("username"),
                password=request.POST.get("password"),
            )
            messages.success(
                request, _("Welcome to %(org)s.") % {"org": invitation.organization.name}
            )
            return redirect("home" if user else "login")
        except ActionError as exc:
            apply_error(form, exc)
            if not exc.field:
                error = str(exc.message)
    return render(
        request,
        "registry/invitation_accept.html",
        {"invitation": invitation, "form": form, "error": error},
        status=200 if invitation else 404,
    )


@login_required
def membership_list(request):
    page = ListPage(
        title=gettext_lazy("Members"),
        query=queries.memberships,
        export_name="members",
        search_placeholder=gettext_lazy("User or organisation"),
        columns=[
            Column(gettext_lazy("User"), lambda m: m.user),
            Column(gettext_lazy("E-mail"), lambda m: m.user.email),
            Column(gettext_lazy("Organisation"), lambda m: m.organization.name),
            Column(gettext_lazy("Role"), lambda m: m.get_role_display(), badge=lambda m: "blue"),
            Column(gettext_lazy("Active"), lambda m: m.is_active),
        ],
        filters=[
            Filter(
                "role",
                gettext_lazy("Role"),
                [("", gettext_lazy("All roles")), *Membership._meta.get_field("role").choices],
            )
        ],
        detail=lambda m: url("organization_detail", m.organization.uscc),
    )
    return render_list(request, page)


@login_required
def organization_import(request):
    p = principal(request.user)
    if not (p and (p.jurisdictions or p.is_platform_admin)):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    report = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_rows(upload, upload.name)
            result = actions.import_organizations(request.user, rows)
            if result.ok:
                messages.success(
                    request, _("%(n)d organisations imported.") % {"n": result.created}
                )
                return redirect(url("organization_list"))
            report = error_report_rows(result.errors)
        except ActionError as exc:
            apply_error(form, exc)
    return render(
        request,
        "registry/import.html",
        {"form": form, "result": result, "report_head": report[:1], "report": report[1:501]},
    )


@login_required
def organization_import_template(request):
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="organisations-template.xlsx"'
    template_workbook().save(response)
    return response
