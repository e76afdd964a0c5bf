"""Warning pages (预警): the list by jurisdiction with filters and counts, the detail with the
evidence (the trip map for track findings), the notes timeline, deadlines and the loop's
buttons, each posting to one action; the enterprise sees its own warnings and responds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wufei.core.audit import history
from wufei.core.errors import ActionError
from wufei.core.permissions import ADMIN, MEMBER, principal
from wufei.registry.views._common import apply_error

from . import actions, forms, queries
from .models import Severity, Warning, WarningNote, WarningStatus

SEVERITY_BADGE = {"red": "red", "orange": "orange", "yellow": "yellow"}
STATUS_BADGE = {
    "open": "red",
    "assigned": "orange",
    "verifying": "orange",
    "rectifying": "blue",
    "closed": "green",
    "dismissed": "",
}
VERBS = {
    "supervision.warning.raise": gettext_lazy("Warning raised"),
    "supervision.warning.assign": gettext_lazy("Assigned"),
    "supervision.warning.verify": gettext_lazy("Verified"),
    "supervision.warning.rectify": gettext_lazy("Rectification required"),
    "supervision.warning.respond": gettext_lazy("Enterprise responded"),
    "supervision.warning.close": gettext_lazy("Closed (销号)"),
    "supervision.warning.dismiss": gettext_lazy("Dismissed"),
    "supervision.warning.escalate": gettext_lazy("Escalated to the city bureau"),
}


@dataclass(frozen=True)
class Step:
    form: type
    run: Any
    done: Any
    field_map: dict[str, str] | None = None


def _version(request: Any) -> int | None:
    raw = str(request.POST.get("version") or "").strip()
    return int(raw) if raw.isdigit() else None


STEPS: dict[str, Step] = {
    "assign": Step(
        forms.AssignForm,
        lambda u, w, d, v, f: actions.assign(u, w, version=v),
        gettext_lazy("Assigned to you."),
    ),
    "verify": Step(
        forms.VerifyForm,
        lambda u, w, d, v, f: actions.verify(u, w, note=d["note"], upload=f.get("file"), version=v),
        gettext_lazy("Verification recorded."),
    ),
    "rectify": Step(
        forms.RectifyForm,
        lambda u, w, d, v, f: actions.require_rectification(
            u, w, measures=d["measures"], due_on=d["due_on"], version=v
        ),
        gettext_lazy("Rectification required from the enterprise."),
    ),
    "respond": Step(
        forms.RespondForm,
        lambda u, w, d, v, f: actions.respond(
            u, w, response=d["response"], upload=f.get("file"), version=v
        ),
        gettext_lazy("Your response was sent to the bureau."),
    ),
    "close": Step(
        forms.CloseForm,
        lambda u, w, d, v, f: actions.close(u, w, note=d["note"], version=v),
        gettext_lazy("Closed (销号)."),
    ),
    "dismiss": Step(
        forms.DismissForm,
        lambda u, w, d, v, f: actions.dismiss(u, w, reason=d["reason"], version=v),
        gettext_lazy("Dismissed."),
    ),
}


def get_warning(user: Any, pk: int) -> Warning:
    w = (
        queries.warnings(user)
        .select_related("manifest", "finding__trip", "region__parent")
        .filter(pk=pk)
        .first()
    )
    if w is None:
        raise Http404
    return w


def allowed_steps(user: Any, w: Warning) -> list[str]:
    """The loop steps the user can take on the warning now (the actions check again)."""
    p = principal(user)
    if p is None:
        return []
    steps = []
    if p.in_jurisdiction(w.region.prefix):
        s = w.status
        if s in (WarningStatus.OPEN, WarningStatus.ASSIGNED):
            steps.append("assign")
        if s in (WarningStatus.OPEN, WarningStatus.ASSIGNED, WarningStatus.VERIFYING):
            steps.append("verify")
        if s == WarningStatus.VERIFYING and w.organization_id:
            steps.append("rectify")
        if s == WarningStatus.VERIFYING or (s == WarningStatus.RECTIFYING and w.responded_at):
            steps.append("close")
        if s in (WarningStatus.OPEN, WarningStatus.ASSIGNED, WarningStatus.VERIFYING):
            steps.append("dismiss")
    if (
        w.status == WarningStatus.RECTIFYING
        and w.organization_id
        and p.org_roles.get(w.organization_id) in (ADMIN, MEMBER)
    ):
        steps.append("respond")
    return steps


@login_required
def warning_list(request):
    f = queries.WarningFilters.from_params(request.GET)
    now = timezone.now()
    qs = queries.warnings(request.user, f, now=now)
    counts = queries.severity_counts(qs)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [{"w": w, "overdue": queries.is_overdue(w, now)} for w in page]
    return render(
        request,
        "supervision/warning_list.html",
        {
            "title": _("Warnings"),
            "filters": f,
            "page": page,
            "rows": rows,
            "counts": counts,
            "overdue_count": queries.overdue(queries.warnings(request.user), now).count(),
            "statuses": [("active", _("All open"))] + list(WarningStatus.choices),
            "severities": list(Severity.choices),
            "rules": queries.rule_choices(),
            "regions": queries.region_children(request.user, f.region),
            "trail": queries.region_trail(f.region),
            "severity_badge": SEVERITY_BADGE,
            "status_badge": STATUS_BADGE,
        },
    )


def _detail_context(request: Any, w: Warning, bound: dict[str, Any]) -> dict[str, Any]:
    steps = allowed_steps(request.user, w)
    step_forms = {name: bound.get(name) or STEPS[name].form() for name in steps}
    map_data = None
    if w.finding_id and w.manifest_id:
        from wufei.trips.api.geo import get_trip, trip_geojson

        trip = get_trip(request.user, w.manifest_id)
        if trip is not None:
            map_data = trip_geojson(request.user, trip, focus=w.finding_id)
    notes = WarningNote.objects.restrict(request.user, "view").filter(warning=w)
    clue_rows = []
    if w.finding_id:
        from .models import ClueMatch

        clue_rows = list(
            ClueMatch.objects.restrict(request.user, "view")
            .filter(finding_id=w.finding_id)
            .select_related("clue")
        )
    return {
        "title": w.title,
        "w": w,
        "rule": queries.rule_title(w.rule),
        "overdue": queries.is_overdue(w),
        "rectification_overdue": bool(
            w.status == WarningStatus.RECTIFYING
            and w.rectification_due_on
            and w.rectification_due_on < timezone.localdate()
        ),
        "steps": steps,
        "forms": step_forms,
        "notes": notes.select_related("author", "organization"),
        "history": [{"event": e, "verb": VERBS.get(e.action, e.action)} for e in history(w)],
        "map_data": map_data,
        "clue_matches": clue_rows,
        "severity_badge": SEVERITY_BADGE.get(w.severity, ""),
        "status_badge": STATUS_BADGE.get(w.status, ""),
    }


@login_required
def warning_detail(request, pk: int):
    w = get_warning(request.user, pk)
    return render(request, "supervision/warning_detail.html", _detail_context(request, w, {}))


@login_required
@require_POST
def warning_step(request, pk: int, step: str):
    page = STEPS.get(step)
    if page is None:
        raise Http404
    w = get_warning(request.user, pk)
    if step not in allowed_steps(request.user, w):
        raise Http404
    form = page.form(request.POST, request.FILES)
    if form.is_valid():
        try:
            page.run(request.user, w, form.cleaned_data, _version(request), request.FILES)
        except ActionError as exc:
            if exc.field in ("status", "version", "actor", None) or exc.field not in form.fields:
                form.add_error(None, str(exc.message))
            else:
                apply_error(form, exc, page.field_map)
        else:
            messages.success(request, str(page.done))
            return redirect(w.get_absolute_url())
    w = get_warning(request.user, pk)
    context = _detail_context(request, w, {step: form})
    context["open_step"] = step
    return render(request, "supervision/warning_detail.html", context)


@login_required
def note_file(request, pk: int):
    note = WarningNote.objects.restrict(request.user, "view").filter(pk=pk).first()
    if note is None or not note.file:
        raise Http404
    try:
        handle = note.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=note.file.name.rsplit("/", 1)[-1])


@login_required
def statistics_page(request):
    region = str(request.GET.get("region") or "").strip()
    figures = queries.statistics(request.user, region=region)
    template = "supervision/_statistics.html" if request.htmx else "supervision/statistics.html"
    return render(
        request,
        template,
        {
            "title": _("Warning statistics"),
            "s": figures,
            "rate_percent": (
                round(figures["rectification_rate"] * 100, 1)
                if figures["rectification_rate"] is not None
                else None
            ),
            "trail": queries.region_trail(region),
            "region": region,
        },
    )
