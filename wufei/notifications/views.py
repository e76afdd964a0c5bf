"""Pages: my notifications (站内通知), and the webhook endpoints of the organisations a user
administers (事件推送), with their delivery log. Every write calls ``notifications.actions``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wufei.core.audit import history
from wufei.core.errors import ActionError, NotFound
from wufei.core.permissions import allows
from wufei.registry.models import Organization

from . import actions, queries
from .forms import DisableForm, EndpointForm
from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

SECRET_SESSION_KEY = "notifications-secret-%s"  # noqa: S105 - a session key name


def _safe(request: HttpRequest, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


# --- notifications -------------------------------------------------------------------------------


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread = request.GET.get("show") == "unread"
    qs = queries.my_notifications(request.user, unread=unread)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": unread, "unread_total": queries.unread_count(request.user)},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read; with ``open`` go on to the page it links to."""
    try:
        n = actions.mark_read(request.user, pk)
    except NotFound:
        raise Http404 from None
    if request.POST.get("open") and _safe(request, n.url):
        return redirect(n.url)
    back = request.POST.get("next", "")
    return redirect(back if _safe(request, back) else reverse("notifications:list"))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = actions.mark_all_read(request.user)
    messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return redirect("notifications:list")


# --- webhook endpoints ---------------------------------------------------------------------------


def _endpoint(request: HttpRequest, pk: int, action: str = "view") -> WebhookEndpoint:
    ep = WebhookEndpoint.objects.restrict(request.user, action).filter(pk=pk).first()
    if ep is None:
        raise Http404
    return ep


def _detail_url(ep: WebhookEndpoint) -> str:
    return reverse("notifications:webhook_detail", args=[ep.pk])


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "notifications/webhook_list.html",
        {
            "endpoints": queries.endpoints(request.user),
            "can_create": queries.admin_organizations(request.user).exists(),
        },
    )


def _organization(request: HttpRequest, value: Any) -> Organization:
    if isinstance(value, Organization):
        return value
    org = (
        Organization.objects.restrict(request.user, "view")
        .filter(uscc=str(value or "").strip().upper())
        .first()
    )
    if org is None:
        raise NotFound(
            _("%(what)s not found.") % {"what": Organization._meta.verbose_name},
            code="not_found",
            field="organization",
        )
    return org


def _apply(form: Any, exc: ActionError) -> None:
    name = exc.field if exc.field in form.fields else None
    form.add_error(name, str(exc.message))


@login_required
def webhook_create(request: HttpRequest) -> HttpResponse:
    if not queries.admin_organizations(request.user).exists():
        raise Http404
    form = EndpointForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ep, secret = actions.create_endpoint(
                request.user,
                _organization(request, data["organization"]),
                url=data["url"],
                events=data["events"],
                description=data["description"],
            )
        except ActionError as exc:
            _apply(form, exc)
        else:
            request.session[SECRET_SESSION_KEY % ep.pk] = secret
            messages.success(request, _("Endpoint added. Copy its secret now."))
            return redirect(_detail_url(ep))
    return render(
        request,
        "notifications/webhook_form.html",
        {"form": form, "title": _("New webhook endpoint")},
    )


@login_required
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ep = _endpoint(request, pk)
    status = request.GET.get("status", "")
    page = Paginator(queries.deliveries(request.user, endpoint=ep.pk, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/webhook_detail.html",
        {
            "endpoint": ep,
            "secret": request.session.pop(SECRET_SESSION_KEY % ep.pk, None),
            "can_change": allows(request.user, "change", ep),
            "page": page,
            "status": status,
            "statuses": DeliveryStatus.choices,
            "disable_form": DisableForm(),
            "events": history(ep),
        },
    )


@login_required
def webhook_update(request: HttpRequest, pk: int) -> HttpResponse:
    ep = _endpoint(request, pk, "change")
    initial = {"url": ep.url, "events": ", ".join(ep.events), "description": ep.description}
    form = EndpointForm(request.POST or None, initial=initial, with_organization=False)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_endpoint(
                request.user, ep, version=_version(request), **form.cleaned_data
            )
        except ActionError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(_detail_url(ep))
    return render(
        request,
        "notifications/webhook_form.html",
        {"form": form, "title": _("Edit webhook endpoint"), "endpoint": ep, "version": ep.version},
    )


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


def _post_action(request: HttpRequest, ep: WebhookEndpoint, run: Any, done: str) -> HttpResponse:
    try:
        run()
    except NotFound:
        raise Http404 from None
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect(_detail_url(ep))


@login_required
@require_POST
def webhook_state(request: HttpRequest, pk: int) -> HttpResponse:
    ep = _endpoint(request, pk, "change")
    if request.POST.get("to") == "enable":
        return _post_action(
            request,
            ep,
            lambda: actions.enable_endpoint(request.user, ep, version=_version(request)),
            _("Endpoint enabled."),
        )
    form = DisableForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _post_action(
        request,
        ep,
        lambda: actions.disable_endpoint(
            request.user, ep, reason=reason, version=_version(request)
        ),
        _("Endpoint disabled."),
    )


@login_required
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    ep = _endpoint(request, pk, "change")
    return _post_action(
        request,
        ep,
        lambda: actions.send_test(request.user, ep),
        _("Test event sent; see the delivery log below."),
    )


@login_required
@require_POST
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    ep = _endpoint(request, pk, "change")

    def run() -> None:
        _ep, secret = actions.rotate_secret(request.user, ep)
        request.session[SECRET_SESSION_KEY % ep.pk] = secret

    return _post_action(request, ep, run, _("New secret made. Copy it now."))


@login_required
@require_POST
def delivery_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    d = WebhookDelivery.objects.restrict(request.user, "change").filter(pk=pk).first()
    if d is None:
        raise Http404
    ep = WebhookEndpoint.objects.get(pk=d.endpoint_id)
    return _post_action(
        request, ep, lambda: actions.redeliver(request.user, d), _("Delivery queued again.")
    )
