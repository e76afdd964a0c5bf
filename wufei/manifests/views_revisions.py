"""Pages beyond the main path: revision requests (修正申请), paper manifests (纸质联单补录),
refused waste (退回 / 转移), consolidation by micro collectors (小微收运合并), the trace of a
container (一码贯通) and the registers per unit (Excel). Every write calls an action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wufei.core.errors import ActionError
from wufei.core.permissions import WRITE_ROLES, principal
from wufei.ledger.models import Container, PackageType
from wufei.registry.models import Driver, Facility, FacilityKind, Organization, Site, Vehicle
from wufei.registry.views._common import apply_error

from . import actions, registers
from .actions.collect import consolidatable
from .actions.revision_fields import REVISABLE_STATUSES, current, label_of, parse_key, target
from .models import LinkKind, Manifest, ManifestItem, ManifestStatus, Revision, RevisionStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHANGE_ROWS = 4


def _manifest(request: HttpRequest, pk: int) -> Manifest:
    return get_object_or_404(Manifest.objects.restrict(request.user, "view"), pk=pk)


def _writer_orgs(user: Any) -> set[int]:
    p = principal(user)
    return set(p.orgs_with(WRITE_ROLES)) if p is not None else set()


def _change_choices(m: Manifest) -> list[tuple[str, str]]:
    """Every revisable key of the manifest with its current value."""
    keys = [k for k, f in actions.REVISABLE.items() if f.scope == "manifest"]
    for line in m.lines.all():
        keys += [
            f"line.{line.position}.{f.attr}"
            for f in actions.REVISABLE.values()
            if f.scope == "line"
        ]
    for item in m.items.select_related("container"):
        keys.append(f"item.{item.container.ident_code}.received_tonnes")
    for leg in m.legs.all():
        keys.append(f"leg.{leg.sequence}.vehicle")
    out = [("", "—")]
    for key in keys:
        f, ref = parse_key(key)
        value = current(target(m, f, ref, key), f)
        out.append((key, f"{label_of(key)} ({value or '—'})"))
    return out


class RevisionRequestForm(forms.Form):
    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, CHANGE_ROWS + 1):
            self.fields[f"key_{n}"] = forms.ChoiceField(
                label=_("Field %(n)s") % {"n": n}, choices=choices, required=n == 1
            )
            self.fields[f"value_{n}"] = forms.CharField(
                label=_("New value %(n)s") % {"n": n}, required=False, max_length=200
            )
        self.fields["reason"] = forms.CharField(
            label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2})
        )

    def changes(self) -> dict[str, str]:
        return {
            self.cleaned_data[f"key_{n}"]: self.cleaned_data[f"value_{n}"]
            for n in range(1, CHANGE_ROWS + 1)
            if self.cleaned_data.get(f"key_{n}")
        }


def _rows(r: Revision) -> list[tuple[str, str, str]]:
    return [(label_of(k), r.original.get(k, ""), v) for k, v in r.proposed.items()]


@login_required
def revision_list(request: HttpRequest, pk: int) -> HttpResponse:
    """修正申请: the manifest's requests (original beside proposed), decide, request one."""
    m = _manifest(request, pk)
    mine = _writer_orgs(request.user)
    parties = {
        m.shipper_id,
        m.carrier_id,
        m.receiver_id,
        *m.legs.values_list("carrier_id", flat=True),
    }
    can_request = (
        bool(mine & parties)
        and m.status in REVISABLE_STATUSES
        and not m.revisions.filter(status=RevisionStatus.OPEN).exists()
    )
    form = None
    if can_request:
        form = RevisionRequestForm(request.POST or None, choices=_change_choices(m))
        if request.method == "POST" and form.is_valid():
            try:
                actions.request_revision(
                    request.user, m, form.changes(), form.cleaned_data["reason"]
                )
            except ActionError as exc:
                apply_error(form, exc, {"changes": "key_1", "reason": "reason"})
            else:
                messages.success(request, _("Revision requested: the other parties decide."))
                return redirect("manifests:revisions", pk=m.pk)
    elif request.method == "POST":
        raise Http404
    items = []
    revisions = list(m.revisions.select_related("requested_by").order_by("-number"))
    names = dict(
        Organization.objects.filter(pk__in={o for r in revisions for o in r.approvers}).values_list(
            "pk", "name"
        )
    )
    for r in revisions:
        by_org = {d["org"]: d for d in r.decisions}
        decided = set(by_org)
        items.append(
            {
                "revision": r,
                "rows": _rows(r),
                "can_decide": r.status == RevisionStatus.OPEN
                and bool(mine & (set(r.approvers) - decided)),
                "can_withdraw": r.status == RevisionStatus.OPEN and r.requested_by_id in mine,
                "approvers": [
                    {"name": names.get(o, o), "decision": by_org.get(o)} for o in r.approvers
                ],
            }
        )
    return render(
        request,
        "manifests/revisions/list.html",
        {"manifest": m, "items": items, "form": form, "title": _("Revision requests")},
    )


@login_required
@require_POST
def revision_decide(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    m = _manifest(request, pk)
    r = get_object_or_404(m.revisions.all(), number=number)
    approve = request.POST.get("decision") == "approve"
    try:
        actions.decide_revision(request.user, r, approve, request.POST.get("comment", ""))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your decision is recorded."))
    return redirect("manifests:revisions", pk=m.pk)


@login_required
@require_POST
def revision_withdraw(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    m = _manifest(request, pk)
    r = get_object_or_404(m.revisions.all(), number=number)
    try:
        actions.withdraw_revision(request.user, r, request.POST.get("reason", ""))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Revision withdrawn."))
    return redirect("manifests:revisions", pk=m.pk)


def _form_page(request: HttpRequest, form: forms.Form, title: Any, **extra: Any) -> HttpResponse:
    return render(request, "manifests/revisions/form.html", {"form": form, "title": title, **extra})


def _orgs(**flags: bool) -> Any:
    return Organization.objects.filter(is_active=True, **flags).order_by("name")


class TransportFields(forms.Form):
    carrier = forms.ModelChoiceField(label=gettext_lazy("Carrier"), queryset=_orgs(is_carrier=True))
    vehicle = forms.ModelChoiceField(
        label=gettext_lazy("Vehicle"), queryset=Vehicle.objects.filter(is_active=True)
    )
    driver = forms.ModelChoiceField(
        label=gettext_lazy("Driver"), queryset=Driver.objects.filter(is_active=True)
    )


class PaperForm(TransportFields):
    shipper_site = forms.ModelChoiceField(label=gettext_lazy("Site"), queryset=Site.objects.none())
    receiver = forms.ModelChoiceField(
        label=gettext_lazy("Receiver"), queryset=Organization.objects.none()
    )
    paper_number = forms.CharField(label=gettext_lazy("Paper manifest number"), max_length=30)
    transferred_on = forms.DateField(
        label=gettext_lazy("Transfer date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    containers = forms.CharField(
        label=gettext_lazy("Containers"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One identification code per line, optionally followed by the received weight in tonnes."
        ),
    )
    method = forms.CharField(label=gettext_lazy("Utilisation/disposal method"), max_length=6)
    closed = forms.BooleanField(label=gettext_lazy("Treatment completed (闭环)"), required=False)
    scan_file = forms.FileField(label=gettext_lazy("Scan of the paper manifest (PDF, JPEG, PNG)"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = Site.objects.restrict(user, "change").filter(is_active=True)
        self.fields["shipper_site"].queryset = sites  # type: ignore[attr-defined]
        self.fields["receiver"].queryset = (  # type: ignore[attr-defined]
            Organization.objects.filter(is_active=True)
            .filter(Q(is_receiver=True) | Q(is_collector=True))
            .order_by("name")
        )


def _codes_and_weights(text: str) -> tuple[list[str], dict[str, str]]:
    codes, received = [], {}
    for raw in text.splitlines():
        parts = raw.split()
        if not parts:
            continue
        codes.append(parts[0])
        if len(parts) > 1:
            received[parts[0]] = parts[1]
    return codes, received


@login_required
def paper_new(request: HttpRequest) -> HttpResponse:
    """纸质联单补录: the shipper enters a paper manifest with its scan."""
    form = PaperForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        codes, received = _codes_and_weights(d["containers"])
        try:
            m = actions.enter_paper_manifest(
                request.user,
                shipper_site=d["shipper_site"],
                receiver=d["receiver"],
                carrier=d["carrier"],
                vehicle=d["vehicle"],
                driver=d["driver"],
                paper_number=d["paper_number"],
                transferred_on=d["transferred_on"],
                scan_file=d["scan_file"],
                containers=codes,
                received=received,
                methods=d["method"],
                closed=d["closed"],
            )
        except ActionError as exc:
            apply_error(
                form, exc, {"received": "containers", "lines": "containers", "methods": "method"}
            )
        else:
            messages.success(
                request, _("Paper manifest entered as %(number)s.") % {"number": m.number}
            )
            return redirect(m.get_absolute_url())
    return _form_page(request, form, _("Enter a paper manifest"), multipart=True)


class LinkedForm(TransportFields):
    route = forms.ChoiceField(label=gettext_lazy("Route"), choices=LinkKind.choices[:2])
    planned_pickup_on = forms.DateField(
        label=gettext_lazy("Planned transfer date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    receiver = forms.ModelChoiceField(
        label=gettext_lazy("New receiver (redirect only)"),
        queryset=Organization.objects.none(),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["receiver"].queryset = _orgs(is_receiver=True)  # type: ignore[attr-defined]


@login_required
def linked_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Refused waste: a return manifest (by the receiver) or a redirect (by the shipper)."""
    m = _manifest(request, pk)
    form = LinkedForm(
        request.POST or None,
        initial={"route": m.refusal_route or "return", "planned_pickup_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        route = d.pop("route")
        try:
            new = actions.create_linked_manifest(request.user, m, route, **d)
        except ActionError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Draft for the refused waste created."))
            return redirect("manifests:linked_step", pk=new.pk)
    return _form_page(
        request, form, _("Manifest for refused waste of %(number)s") % {"number": m.number}
    )


class StoreBackForm(forms.Form):
    facility = forms.ModelChoiceField(
        label=gettext_lazy("Storage facility"), queryset=Facility.objects.none()
    )

    def __init__(self, *args: Any, manifest: Manifest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = Facility.objects.filter(  # type: ignore[attr-defined]
            site__organization=manifest.receiver, kind=FacilityKind.STORAGE, is_active=True
        )


@login_required
def linked_step(request: HttpRequest, pk: int) -> HttpResponse:
    """The steps that differ for a linked manifest: submit, hand over, store back."""
    m = _manifest(request, pk)
    if not m.parent_id:
        raise Http404
    store_form = StoreBackForm(request.POST or None, manifest=m)
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "submit":
                actions.submit_linked(request.user, m)
            elif step == "handover":
                actions.sign_linked_handover(request.user, m)
            elif step == "store" and store_form.is_valid():
                actions.store_returned(request.user, m, store_form.cleaned_data["facility"])
            else:
                raise Http404
        except ActionError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Saved."))
        return redirect("manifests:linked_step", pk=m.pk)
    steps = {
        "submit": m.status == ManifestStatus.DRAFT,
        "handover": m.status == ManifestStatus.SUBMITTED,
        "store": m.status == ManifestStatus.RECEIVED and m.link_kind == LinkKind.RETURN,
    }
    return render(
        request,
        "manifests/revisions/linked.html",
        {"manifest": m, "steps": steps, "store_form": store_form, "title": str(m)},
    )


class ConsolidateForm(forms.Form):
    items = forms.MultipleChoiceField(
        label=gettext_lazy("Received containers"), widget=forms.CheckboxSelectMultiple
    )
    site = forms.ModelChoiceField(label=gettext_lazy("Site"), queryset=Site.objects.none())
    facility = forms.ModelChoiceField(
        label=gettext_lazy("Storage facility"), queryset=Facility.objects.none()
    )
    package_type = forms.ChoiceField(
        label=gettext_lazy("Package type"), choices=PackageType.choices
    )
    volume_litres = forms.DecimalField(
        label=gettext_lazy("Volume (L)"), min_value=1, max_digits=10, decimal_places=1
    )

    def __init__(self, *args: Any, user: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [  # type: ignore[attr-defined]
            (
                str(i.pk),
                f"{i.container.ident_code} · {i.container.code_text} · "
                f"{i.received_tonnes} t · {i.manifest.number} · {i.manifest.shipper.name}",
            )
            for i in consolidatable(user, org.pk)
        ]
        self.fields["site"].queryset = Site.objects.filter(organization=org, is_active=True)  # type: ignore[attr-defined]
        self.fields["facility"].queryset = Facility.objects.filter(  # type: ignore[attr-defined]
            site__organization=org, kind=FacilityKind.STORAGE, is_active=True
        )


@login_required
def consolidate_new(request: HttpRequest) -> HttpResponse:
    """小微收运合并: the collector packs received containers into one of its own."""
    orgs = Organization.objects.filter(pk__in=_writer_orgs(request.user), is_collector=True)
    org = orgs.first()
    if org is None:
        raise Http404
    form = ConsolidateForm(request.POST or None, user=request.user, org=org)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            box = actions.consolidate(
                request.user,
                [int(x) for x in d["items"]],
                site=d["site"],
                facility=d["facility"],
                package_type=d["package_type"],
                volume_litres=d["volume_litres"],
            )
        except ActionError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Consolidated into %(code)s.") % {"code": box.ident_code})
            return redirect("manifests:trace", pk=box.pk)
    return _form_page(request, form, _("Consolidate received waste"))


@login_required
def trace_view(request: HttpRequest, pk: int) -> HttpResponse:
    """一码贯通: the container's tree back to every producer (visible to whoever may see the
    container or a manifest that carried it)."""
    container = Container.objects.filter(pk=pk).first()
    visible = container is not None and (
        Container.objects.restrict(request.user, "view").filter(pk=pk).exists()
        or ManifestItem.objects.restrict(request.user, "view").filter(container_id=pk).exists()
    )
    if not visible:
        raise Http404
    return render(
        request,
        "manifests/revisions/trace.html",
        {"node": actions.trace(container), "title": _("Trace of %(code)s") % {"code": container}},
    )


class RegisterForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"), queryset=Organization.objects.none()
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        p = principal(user)
        ids = list(p.org_roles) if p is not None else []
        qs = Organization.objects.filter(pk__in=ids)
        if p is not None and p.jurisdictions:
            qs = Organization.objects.filter(is_active=True)
        self.fields["organization"].queryset = qs.order_by("name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and (end < start or (end - start).days > registers.MAX_DAYS):
            raise forms.ValidationError(
                _("Choose a range of at most one year, the end after the start.")
            )
        return data


@login_required
def register_view(request: HttpRequest, kind: str) -> HttpResponse:
    """出入台账 as Excel: outgoing, incoming or transported, for a date range."""
    if kind not in registers.KINDS:
        raise Http404
    today = timezone.localdate()
    form = RegisterForm(
        request.GET or None,
        user=request.user,
        initial={"date_from": dt.date(today.year, 1, 1), "date_to": today},
    )
    if request.GET and form.is_valid():
        d = form.cleaned_data
        data = registers.export_bytes(
            request.user, kind, d["organization"], d["date_from"], d["date_to"]
        )
        response = HttpResponse(data, content_type=XLSX)
        name = f"{kind}-register-{d['date_from']:%Y%m%d}-{d['date_to']:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return _form_page(
        request,
        form,
        registers.KINDS[kind],
        method="get",
        others=[
            (k, v, reverse("manifests:register", args=[k])) for k, v in registers.KINDS.items()
        ],
    )
