"""The bureaus' step pages (accept / missing items / review / reply / decide), the applicant's
withdrawal, the overdue steps and the province-pair settings. Each posts to one action."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wufei.catalog.models import Region
from wufei.core.errors import ActionError
from wufei.core.permissions import allows, principal
from wufei.registry.views._common import apply_error

from .. import actions, queries
from ..forms import DecisionForm, IncompleteForm, NoteForm, OpinionForm, PairForm, WithdrawForm
from ..models import ProvincePair
from ._common import get_approval, route, url, version_of


@dataclass(frozen=True)
class StepPage:
    title: Any
    form: type
    allowed: str  # the attribute of queries.Allowed
    run: Callable[..., Any]
    done: Any
    field_map: dict[str, str] | None = None


def _agree(d: dict[str, Any], name: str = "agree") -> bool:
    return str(d.get(name)) == "1"


STEPS: dict[str, StepPage] = {
    "accept": StepPage(
        gettext_lazy("Accept the application (受理)"),
        NoteForm,
        "accept",
        lambda user, a, d, v: actions.accept(user, a, note=d["note"], version=v),
        gettext_lazy("Accepted; the review is due by %(date)s."),
    ),
    "incomplete": StepPage(
        gettext_lazy("Notice of missing items (补正告知)"),
        IncompleteForm,
        "accept",
        lambda user, a, d, v: actions.notice_incomplete(user, a, missing=d["missing"], version=v),
        gettext_lazy("The applicant was asked for the missing items."),
    ),
    "review": StepPage(
        gettext_lazy("Review and request letter (审查并商请)"),
        OpinionForm,
        "review",
        lambda user, a, d, v: actions.review(user, a, agree=_agree(d), note=d["note"], version=v),
        gettext_lazy("Reviewed; the next step is due by %(date)s."),
    ),
    "reply": StepPage(
        gettext_lazy("Reply of the receiving province (复函)"),
        OpinionForm,
        "reply",
        lambda user, a, d, v: actions.record_reply(
            user, a, agree=_agree(d), note=d["note"], version=v
        ),
        gettext_lazy("Reply recorded; the decision is due by %(date)s."),
    ),
    "decide": StepPage(
        gettext_lazy("Decision (批准 / 不予批准)"),
        DecisionForm,
        "decide",
        lambda user, a, d, v: actions.decide(
            user,
            a,
            approve=_agree(d, "approve"),
            decision_number=d["decision_number"],
            valid_from=d["valid_from"],
            valid_until=d["valid_until"],
            note=d["note"],
            version=v,
        ),
        gettext_lazy("Decision recorded."),
    ),
    "withdraw": StepPage(
        gettext_lazy("Withdraw the application"),
        WithdrawForm,
        "withdraw",
        lambda user, a, d, v: actions.withdraw(user, a, reason=d["reason"]),
        gettext_lazy("Withdrawn."),
    ),
}


@login_required
def step_page(request, pk: int, name: str):
    page = STEPS.get(name)
    if page is None:
        raise Http404
    approval = get_approval(request, pk, "change")
    if not getattr(queries.allowed(request.user, approval), page.allowed):
        raise Http404
    form = page.form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            approval = page.run(
                request.user, approval, dict(form.cleaned_data), version_of(request)
            )
        except ActionError as exc:
            if exc.field in ("status", "version", "approve"):
                form.add_error(None, str(exc.message))
            else:
                apply_error(form, exc)
        else:
            step = approval.steps.filter(done_at__isnull=True).first()
            messages.success(
                request, str(page.done) % {"date": step.due_on.isoformat() if step else ""}
            )
            if approval.valid_until and name == "decide":
                messages.info(
                    request,
                    _("Valid from %(start)s to %(end)s.")
                    % {
                        "start": approval.valid_from.isoformat(),
                        "end": approval.valid_until.isoformat(),
                    },
                )
            return redirect(url("detail", approval.pk))
    return render(
        request,
        "approvals/step.html",
        {
            "form": form,
            "approval": approval,
            "route": route(approval),
            "title": page.title,
            "version": approval.version,
            "open_row": next(
                (r for r in queries.step_rows(approval) if r.step.done_at is None), None
            ),
        },
    )


@login_required
def overdue(request):
    """The steps past their due day on the approvals the user sees (the bureaus' to-do)."""
    today = timezone.localdate()
    steps = [
        {"step": s, "days": (today - s.due_on).days}
        for s in queries.overdue_steps(today, request.user)[:500]
    ]
    return render(
        request,
        "approvals/overdue.html",
        {"title": _("Overdue approval steps"), "steps": steps, "today": today},
    )


def _provinces() -> list[tuple[str, str]]:
    return [("", "—")] + [
        (r.code, r.name)
        for r in Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")
    ]


def _may_set_pairs(user: Any) -> bool:
    p = principal(user)
    return p is not None and (p.is_platform_admin or any(len(j) == 2 for j in p.jurisdictions))


@login_required
def pairs(request):
    """Province pairs and their white-list setting (长三角白名单)."""
    rows = ProvincePair.objects.restrict(request.user).select_related("origin", "destination")
    can_set = _may_set_pairs(request.user)
    form = PairForm(request.POST or None, provinces=_provinces()) if can_set else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                actions.set_province_pair(
                    request.user,
                    d["origin"],
                    d["destination"],
                    white_list=d["white_list"],
                    note=d["note"],
                )
                messages.success(request, _("Saved."))
                return redirect(url("pairs"))
            except ActionError as exc:
                if exc.status == 404:
                    form.add_error(None, _("Only the origin province's bureau changes this pair."))
                else:
                    apply_error(form, exc)
    return render(
        request,
        "approvals/pairs.html",
        {
            "title": _("Province pairs (white-list)"),
            "rows": [{"pair": r, "editable": allows(request.user, "change", r)} for r in rows],
            "form": form,
        },
    )
