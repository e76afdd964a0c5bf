"""Clue and case pages for the bureaus (线索 · 案件 · 有奖举报): the clue map and list (markers by
status, matched truck stops as lines), the clue detail with photos (served through ``restrict``),
matches and the verify / dismiss / open-case steps, the reward handling for the officer who pays
it, and the cases with their steps (rectification, the party's response, closing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wufei.core.audit import history
from wufei.core.errors import ActionError
from wufei.core.permissions import ADMIN, MEMBER, principal
from wufei.registry.views._common import apply_error

from . import clues as actions
from . import forms, queries
from .models import (
    Case,
    CaseStatus,
    Clue,
    ClueAttachment,
    ClueMatch,
    ClueSource,
    ClueStatus,
    PublicReport,
    RewardStatus,
)

#: The labels of the navigation entries (core/navigation.py), kept in this app's catalogue.
NAV_LABELS = (gettext_lazy("Supervision"), gettext_lazy("Dumping clues"))


@dataclass(frozen=True)
class Step:
    form: type
    run: Any
    done: Any


def _version(request: Any) -> int | None:
    raw = str(request.POST.get("version") or "").strip()
    return int(raw) if raw.isdigit() else None


CLUE_STEPS: dict[str, Step] = {
    "verify": Step(
        forms.ClueVerifyForm,
        lambda u, c, d, v: actions.verify_clue(u, c, note=d["note"], version=v),
        gettext_lazy("Verification recorded."),
    ),
    "dismiss": Step(
        forms.DismissForm,
        lambda u, c, d, v: actions.dismiss_clue(u, c, reason=d["reason"], version=v),
        gettext_lazy("Dismissed."),
    ),
    "case": Step(
        forms.OpenCaseForm,
        lambda u, c, d, v: actions.open_case(
            u, c, title=d["title"], findings=d["findings"], version=v
        ),
        gettext_lazy("Case opened."),
    ),
}

CASE_STEPS: dict[str, Step] = {
    "rectify": Step(
        forms.CaseRectifyForm,
        lambda u, c, d, v: actions.require_case_rectification(
            u,
            c,
            findings=d["findings"],
            measures=d["measures"],
            due_on=d["due_on"],
            penalty_reference=d["penalty_reference"],
            penalty_amount=d["penalty_amount"],
            version=v,
        ),
        gettext_lazy("Rectification required from the party."),
    ),
    "respond": Step(
        forms.CaseRespondForm,
        lambda u, c, d, v: actions.respond_case(u, c, response=d["response"], version=v),
        gettext_lazy("Your response was sent to the bureau."),
    ),
    "close": Step(
        forms.CloseForm,
        lambda u, c, d, v: actions.close_case(u, c, note=d["note"], version=v),
        gettext_lazy("Case closed."),
    ),
}


def _run(request: Any, step: Step, obj: Any) -> tuple[Any, bool]:
    """Validate and run one step; the bound form carries the action's error beside its field."""
    form = step.form(request.POST, request.FILES)
    if form.is_valid():
        try:
            step.run(request.user, obj, form.cleaned_data, _version(request))
        except ActionError as exc:
            if exc.field in form.fields:
                apply_error(form, exc)
            else:
                form.add_error(None, str(exc.message))
        else:
            messages.success(request, str(step.done))
            return form, True
    return form, False


def _bureau(user: Any, prefix: str) -> bool:
    p = principal(user)
    return bool(p and p.in_jurisdiction(prefix))


# --- clues ------------------------------------------------------------------------------------


@login_required
def clue_list(request):
    from wufei.trips.api.geo import boundaries

    status = str(request.GET.get("status") or "")
    source = str(request.GET.get("source") or "")
    qs = queries.clues(request.user, status=status, source=source)
    features = queries.clue_features(qs, lambda c: reverse("supervision:clue", args=[c.pk]))
    points = [
        (c[1], c[0])
        for c in (
            f["geometry"]["coordinates"]
            for f in features["features"]
            if f["geometry"]["type"] == "Point"
        )
    ]
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/clue_list.html",
        {
            "title": _("Illegal-dumping clues"),
            "page": page,
            "status": status,
            "source": source,
            "statuses": list(ClueStatus.choices),
            "sources": list(ClueSource.choices),
            "map_data": {"features": features, "boundaries": boundaries(points), "path": []},
            "can_record": bool(principal(request.user) and principal(request.user).jurisdictions),
        },
    )


@login_required
def clue_create(request):
    p = principal(request.user)
    if p is None or not p.jurisdictions:
        raise Http404
    form = forms.ClueForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            clue = actions.record_clue(
                request.user,
                source=d["source"],
                latitude=d["latitude"],
                longitude=d["longitude"],
                observed_at=d["observed_at"],
                description=d["description"],
                address=d["address"],
                photos=request.FILES.getlist("photos"),
            )
        except ActionError as exc:
            if exc.field in form.fields:
                apply_error(form, exc)
            else:
                form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Clue recorded."))
            return redirect("supervision:clue", clue.pk)
    return render(
        request, "supervision/clue_form.html", {"title": _("Record a clue"), "form": form}
    )


def _get_clue(user: Any, pk: int) -> Clue:
    clue = Clue.objects.restrict(user, "view").select_related("region").filter(pk=pk).first()
    if clue is None:
        raise Http404
    return clue


def _clue_steps(user: Any, clue: Clue) -> list[str]:
    if not _bureau(user, clue.region.prefix):
        return []
    if clue.status == ClueStatus.NEW:
        return ["verify", "dismiss"]
    if clue.status == ClueStatus.VERIFYING:
        return ["verify", "case", "dismiss"]
    return []


def _reward_steps(user: Any, report: PublicReport | None) -> list[str]:
    if report is None or not _bureau(user, report.clue.region.prefix):
        return []
    if report.reward_status == RewardStatus.CLAIMED:
        return ["approve"]
    mine = report.reward_officer_id == getattr(user, "pk", None)
    if report.reward_status == RewardStatus.APPROVED and mine:
        return ["reveal", "paid"]
    if report.reward_status == RewardStatus.PAID and mine:
        return ["reveal"]
    return []


def _clue_context(request: Any, clue: Clue, bound: dict[str, Any]) -> dict[str, Any]:
    from wufei.supervision.models import Warning

    matches = list(
        ClueMatch.objects.restrict(request.user, "view")
        .filter(clue=clue)
        .select_related("finding__trip__manifest__carrier", "finding__trip__manifest__vehicle")
    )
    warnings = {
        w.finding_id: w
        for w in Warning.objects.restrict(request.user, "view").filter(
            finding_id__in=[m.finding_id for m in matches]
        )
    }
    report = PublicReport.objects.restrict(request.user, "view").filter(clue=clue).first()
    steps = _clue_steps(request.user, clue)
    reward_steps = _reward_steps(request.user, report)
    case = Case.objects.restrict(request.user, "view").filter(clue=clue).first()
    return {
        "title": _("Clue %(number)s") % {"number": clue.number},
        "clue": clue,
        "photos": ClueAttachment.objects.restrict(request.user, "view").filter(clue=clue),
        "matches": [{"m": m, "warning": warnings.get(m.finding_id)} for m in matches],
        "report": report,
        "case": case,
        "steps": steps,
        "forms": {n: bound.get(n) or CLUE_STEPS[n].form() for n in steps},
        "reward_steps": reward_steps,
        "reward_form": bound.get("approve") or forms.RewardForm(),
        "history": history(clue),
    }


@login_required
def clue_detail(request, pk: int):
    clue = _get_clue(request.user, pk)
    return render(request, "supervision/clue_detail.html", _clue_context(request, clue, {}))


@login_required
@require_POST
def clue_step(request, pk: int, step: str):
    clue = _get_clue(request.user, pk)
    if step not in _clue_steps(request.user, clue):
        raise Http404
    form, ok = _run(request, CLUE_STEPS[step], clue)
    if ok:
        case = Case.objects.filter(clue=clue).first()
        if step == "case" and case is not None:
            return redirect("supervision:case", case.pk)
        return redirect("supervision:clue", clue.pk)
    context = _clue_context(request, _get_clue(request.user, pk), {step: form})
    context["open_step"] = step
    return render(request, "supervision/clue_detail.html", context)


@login_required
@require_POST
def reward_step(request, pk: int, step: str):
    clue = _get_clue(request.user, pk)
    report = PublicReport.objects.restrict(request.user, "view").filter(clue=clue).first()
    if step not in _reward_steps(request.user, report):
        raise Http404
    assert report is not None
    identity = None
    form = None
    try:
        if step == "approve":
            form = forms.RewardForm(request.POST)
            if form.is_valid():
                actions.approve_reward(request.user, report, amount=form.cleaned_data["amount"])
                messages.success(request, _("Reward approved."))
                return redirect("supervision:clue", clue.pk)
        elif step == "paid":
            actions.mark_reward_paid(request.user, report)
            messages.success(request, _("Reward marked as paid."))
            return redirect("supervision:clue", clue.pk)
        else:
            identity = actions.reveal_reporter(request.user, report)
    except ActionError as exc:
        if form is not None:
            apply_error(form, exc, {"amount": "amount"})
        else:
            messages.error(request, str(exc.message))
    context = _clue_context(request, clue, {"approve": form} if form else {})
    context["identity"] = identity
    context["identity_shown"] = step == "reveal"
    return render(request, "supervision/clue_detail.html", context)


@login_required
def clue_photo(request, pk: int):
    photo = ClueAttachment.objects.restrict(request.user, "view").filter(pk=pk).first()
    if photo is None:
        raise Http404
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- cases ------------------------------------------------------------------------------------


@login_required
def case_list(request):
    status = str(request.GET.get("status") or "")
    page = Paginator(queries.cases(request.user, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "supervision/case_list.html",
        {"title": _("Cases"), "page": page, "status": status, "statuses": CaseStatus.choices},
    )


def _get_case(user: Any, pk: int) -> Case:
    case = queries.cases(user).select_related("clue", "warning").filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def _case_steps(user: Any, case: Case) -> list[str]:
    steps = []
    if _bureau(user, case.region.prefix):
        if case.status == CaseStatus.INVESTIGATING:
            steps += ["rectify", "close"]
        elif case.status == CaseStatus.RECTIFYING and case.response:
            steps.append("close")
    p = principal(user)
    if (
        p is not None
        and case.status == CaseStatus.RECTIFYING
        and case.organization_id
        and p.org_roles.get(case.organization_id) in (ADMIN, MEMBER)
    ):
        steps.append("respond")
    return steps


def _case_context(request: Any, case: Case, bound: dict[str, Any]) -> dict[str, Any]:
    steps = _case_steps(request.user, case)
    return {
        "title": f"{case.number} {case.title}",
        "case": case,
        "steps": steps,
        "forms": {n: bound.get(n) or CASE_STEPS[n].form() for n in steps},
        "history": history(case),
        "clue_visible": bool(
            case.clue_id and Clue.objects.restrict(request.user, "view").filter(pk=case.clue_id)
        ),
    }


@login_required
def case_detail(request, pk: int):
    case = _get_case(request.user, pk)
    return render(request, "supervision/case_detail.html", _case_context(request, case, {}))


@login_required
@require_POST
def case_step(request, pk: int, step: str):
    case = _get_case(request.user, pk)
    if step not in _case_steps(request.user, case):
        raise Http404
    form, ok = _run(request, CASE_STEPS[step], case)
    if ok:
        return redirect("supervision:case", case.pk)
    context = _case_context(request, _get_case(request.user, pk), {step: form})
    context["open_step"] = step
    return render(request, "supervision/case_detail.html", context)
