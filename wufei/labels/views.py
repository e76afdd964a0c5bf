"""Pages: the phone scanner (labels:scan) and a sample label PDF (labels:sample)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from .ident import IdentCodeError, parse_ident_code
from .pdf import render_labels
from .qr import CONTAINER_PATH, container_path
from .sample import SAMPLE_VOLUMES, sample_label


@login_required
@require_GET
def scan(request):
    """扫描容器二维码: camera (scan.js + jsQR), photo fallback, and typing the code by hand.

    ``?code=<37 characters>`` (the form without JavaScript) goes to the container's page.
    """
    error = None
    code = request.GET.get("code", "").strip()
    if code:
        try:
            return redirect(container_path(parse_ident_code(code).code))
        except IdentCodeError as exc:
            error = exc.message
    return render(
        request,
        "labels/scan.html",
        {"error": error, "code": code, "container_prefix": CONTAINER_PATH},
    )


@login_required
@require_GET
def sample(request):
    """A sample label PDF (marked 样例 SAMPLE) for ``?volume=30|200|1000`` litres."""
    try:
        volume = int(request.GET.get("volume", "200"))
    except ValueError:
        volume = 200
    if volume not in SAMPLE_VOLUMES:
        volume = 200
    base_url = f"{request.scheme}://{request.get_host()}"
    pdf = render_labels([sample_label(volume, base_url)], title="危险废物标签（样例）")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="wufei-sample-label-{volume}L.pdf"'
    return response
