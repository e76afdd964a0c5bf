"""The public report pages (有奖举报, no login, phone first): report illegal dumping with photos
and the place (the phone's position, a map click, or a photo's GPS), anonymous by default; the
follow-up code is shown once; the follow-up page shows the status and lets the reporter claim
the reward. The rate limit's client is ``REMOTE_ADDR``; CSRF stays on."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wufei.catalog.models import Region
from wufei.core.errors import ActionError
from wufei.registry.views._common import apply_error

from . import clues
from .forms import FollowUpForm, PublicReportForm
from .models import Case, ClueStatus


def client_of(request: Any) -> str:
    """The rate limit's client: the address the connection came from (behind a proxy, the
    proxy must set REMOTE_ADDR, e.g. uWSGI/gunicorn with the forwarded-allow list)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


@never_cache
def report(request):
    form = PublicReportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if len(request.FILES.getlist("photos")) > 5:
            form.add_error("photos", _("At most 5 photos."))
        elif form.is_valid():
            d = form.cleaned_data
            try:
                done = clues.submit_public_report(
                    description=d["description"],
                    observed_at=d["observed_at"] or timezone.now(),
                    latitude=d["latitude"] or None,
                    longitude=d["longitude"] or None,
                    photos=request.FILES.getlist("photos"),
                    name=d["name"],
                    phone=d["phone"],
                    client=client_of(request),
                )
            except ActionError as exc:
                status = 429 if exc.code == "supervision.rate_limited" else 400
                if exc.field in ("latitude", "longitude"):
                    form.add_error(None, str(exc.message))
                elif exc.field in form.fields:
                    apply_error(form, exc)
                else:
                    form.add_error(None, str(exc.message))
            else:
                return render(
                    request,
                    "supervision/report_done.html",
                    {"title": _("Thank you"), "code": done.code, "number": done.clue.number},
                )
        else:
            status = 400
    return render(
        request,
        "supervision/report.html",
        {"title": _("Report illegal dumping"), "form": form},
        status=status,
    )


@require_GET
def report_areas(request):
    """The cities' boundaries for the report page's map (fetched only when the map opens)."""
    data = cache.get("supervision:report-areas")
    if data is None:
        data = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": b, "properties": {"name": n}}
                for n, b in Region.objects.filter(
                    level=Region.Level.CITY, boundary__isnull=False, code__startswith="33"
                ).values_list("name", "boundary")
            ],
        }
        cache.set("supervision:report-areas", data, 3600)
    response = JsonResponse(data)
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _progress(report: Any) -> dict[str, Any]:
    clue = report.clue
    case = Case.objects.filter(clue=clue).first()
    return {
        "number": clue.number,
        "received": clue.created_at,
        "clue_status": clue.get_status_display(),
        "dismissed": clue.status == ClueStatus.DISMISSED,
        "case_status": case.get_status_display() if case else None,
        "case_closed": bool(case and case.status == "closed"),
        "reward_status": report.get_reward_status_display(),
        "reward_amount": report.reward_amount,
        "can_claim": bool(case and case.status == "closed" and report.reward_status == "none"),
        "anonymous": report.anonymous,
    }


@never_cache
def follow_up(request):
    """The code is POSTed (not put in the address) and shows the report's progress."""
    form = FollowUpForm(request.POST or None)
    progress = None
    status = 200
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if request.POST.get("claim") == "1":
                found = clues.claim_reward(code)
                progress = _progress(found)
                progress["claimed"] = True
            else:
                progress = _progress(clues.report_by_code(code))
        except ActionError as exc:
            status = exc.status
            form.add_error("code", str(exc.message))
            if exc.code != "supervision.code_unknown":
                progress = _progress(clues.report_by_code(code))
    return render(
        request,
        "supervision/follow_up.html",
        {"title": _("Follow your report"), "form": form, "progress": progress},
        status=status,
    )
