"""Proof pages: the public verification page (/v/<token>), the platform's public key, the PDF
download, and short-lived access links (临时查看链接) for roadside checks."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from wufei.core.errors import ActionError, NotFound
from wufei.labels.qr import qr_svg

from . import proof
from .models import Manifest
from .pdf import render_manifest

RELATED = (
    "shipper",
    "shipper_site",
    "receiver",
    "receiver_site",
    "receiver_permit",
    "carrier",
    "vehicle",
    "driver",
    "origin_region",
    "destination_region",
)


def _base(request: HttpRequest) -> str:
    return proof.base_url() or f"{request.scheme}://{request.get_host()}"


@require_GET
def public_key(request: HttpRequest) -> JsonResponse:
    """The platform's Ed25519 public key: PEM, raw base64, key id (no login)."""
    response = JsonResponse(proof.public_key_document(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _signature_rows(manifest: Manifest, report: proof.Report) -> list[dict[str, Any]]:
    sigs = manifest.signatures.select_related("organization").order_by("pk")
    return [
        {"sig": sig, "check": c, "ok": c.valid and not c.problems}
        for sig, c in zip(sigs, report.signatures, strict=True)
    ]


@require_GET
@never_cache
def verify_page(request: HttpRequest, token: str) -> HttpResponse:
    """What the PDF's QR opens: who, what, how much, and whether every signature holds."""
    pk = proof.manifest_pk_from_token(token)
    manifest = (
        Manifest.objects.select_related(*RELATED).filter(pk=pk).first() if pk is not None else None
    )
    if manifest is None:
        raise Http404
    report = proof.check_manifest(manifest)
    context = {
        "manifest": manifest,
        "report": report,
        "rows": _signature_rows(manifest, report),
        "lines": manifest.lines.select_related("method", "received_method"),
        "plates": [leg.vehicle.plate for leg in manifest.legs.select_related("vehicle")],
        "key_id": proof.signing.key_id(),
        "fingerprint": proof.fingerprint(proof.signing.public_key_bytes()),
    }
    response = render(request, "manifests/proof/verify.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_GET
def pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    manifest = get_object_or_404(
        Manifest.objects.restrict(request.user, "view").select_related(*RELATED), pk=pk
    )
    data = render_manifest(manifest, base_url=_base(request))
    response = HttpResponse(data, content_type="application/pdf")
    name = manifest.number or f"draft-{manifest.pk}"
    response["Content-Disposition"] = f'inline; filename="manifest-{name}.pdf"'
    return response


@login_required
@require_POST
def create_link(request: HttpRequest, pk: int) -> HttpResponse:
    """POST minutes → a fragment (htmx) or page with the link and its QR."""
    manifest = get_object_or_404(Manifest.objects.restrict(request.user, "view"), pk=pk)
    minutes = request.POST.get("minutes") or proof.LINK_MINUTES_DEFAULT
    context: dict[str, Any] = {"manifest": manifest}
    status = 200
    try:
        url = proof.create_access_link(request.user, manifest, minutes=minutes)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404 from exc
    except ActionError as exc:
        context["error"] = exc.message
        status = exc.status
    else:
        url = request.build_absolute_uri(url)
        context.update(url=url, qr=qr_svg(url, scale=4), minutes=int(minutes))
    htmx = getattr(request, "htmx", False)
    template = "manifests/proof/link_result.html" if htmx else "manifests/proof/link_page.html"
    return render(request, template, context, status=status)


@require_GET
@never_cache
def shared(request: HttpRequest, token: str) -> HttpResponse:
    """The manifest read-only, without login, while the link lasts (410 once expired)."""
    link = proof.find_link(token)
    if link is None:
        raise Http404
    if proof.is_expired(link):
        return render(request, "manifests/proof/expired.html", {"link": link}, status=410)
    proof.count_open(link)
    manifest = Manifest.objects.select_related(*RELATED).get(pk=link.manifest_id)
    report = proof.check_manifest(manifest)
    context = {
        "manifest": manifest,
        "link": link,
        "report": report,
        "rows": _signature_rows(manifest, report),
        "lines": manifest.lines.select_related("method", "received_method", "waste_code"),
        "items": manifest.items.select_related("container", "line").order_by(
            "container__ident_code"
        ),
        "legs": manifest.legs.select_related("carrier", "vehicle", "driver"),
        "now": timezone.now(),
    }
    response = render(request, "manifests/proof/shared.html", context)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
