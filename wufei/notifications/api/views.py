"""Notifications and webhooks API: reads through ``restrict(request.user, "view")``, writes
through ``notifications.actions``. ``/notifications/`` lists the caller's own notifications;
``/webhook-endpoints/`` and ``/webhook-deliveries/`` are for organisation administrators."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from wufei.core.api.idempotency import idempotent
from wufei.registry.api.views import IDEMPOTENCY, IF_MATCH, _org_by_uscc, if_match

from .. import actions, queries
from ..models import WebhookDelivery, WebhookEndpoint
from . import serializers as s


def _data(serializer_class: type, request: Any, partial: bool = False) -> dict[str, Any]:
    ser = serializer_class(data=request.data, partial=partial)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@extend_schema_view(
    list=extend_schema(
        summary="List my notifications, newest first (filter: unread=true)",
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, required=False)],
    ),
    retrieve=extend_schema(summary="Get one of my notifications"),
)
class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.NotificationSerializer

    def get_queryset(self):
        unread = _truthy(self.request.query_params.get("unread"))
        return queries.my_notifications(self.request.user, unread=unread).select_related(
            "content_type"
        )

    @extend_schema(
        summary="Mark one notification read",
        request=None,
        responses={200: s.NotificationSerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def read(self, request, pk=None):
        n = actions.mark_read(request.user, self.get_object())
        return Response(s.NotificationSerializer(self.get_queryset().get(pk=n.pk)).data)

    @extend_schema(
        summary="Mark all my notifications read",
        request=None,
        responses={200: s.MarkedSerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    @idempotent
    def read_all(self, request):
        return Response({"marked": actions.mark_all_read(request.user)})

    @extend_schema(summary="How many unread notifications I have", responses=s.UnreadSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None)
    def unread_count(self, request):
        return Response({"unread": queries.unread_count(request.user)})


@extend_schema_view(
    list=extend_schema(summary="List webhook endpoints (organisation administrators)"),
    retrieve=extend_schema(summary="Get one webhook endpoint"),
    create=extend_schema(
        summary="Add a webhook endpoint; the signing secret is answered once",
        request=s.EndpointWriteSerializer,
        responses={201: s.EndpointSecretSerializer},
    ),
    partial_update=extend_schema(
        summary="Change the URL, events or description",
        request=s.EndpointUpdateSerializer,
        responses={200: s.EndpointSerializer},
        parameters=[IF_MATCH],
    ),
    destroy=extend_schema(summary="Remove the endpoint and its delivery log"),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.EndpointSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return queries.endpoints(self.request.user)

    def _respond(self, ep: WebhookEndpoint, code: int = status.HTTP_200_OK) -> Response:
        ep = self.get_queryset().get(pk=ep.pk)
        response = Response(s.EndpointSerializer(ep).data, status=code)
        response["ETag"] = f'"{ep.version}"'
        return response

    def _with_secret(self, ep: WebhookEndpoint, secret: str, code: int) -> Response:
        data = dict(s.EndpointSerializer(self.get_queryset().get(pk=ep.pk)).data)
        data["secret"] = secret
        return Response(data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    def create(self, request, *args, **kwargs):
        # Not @idempotent: a replayed answer would hand out the secret a second time.
        data = _data(s.EndpointWriteSerializer, request)
        ep, secret = actions.create_endpoint(
            request.user,
            _org_by_uscc(request, data["organization"]),
            url=data["url"],
            events=data.get("events") or ["*"],
            description=data.get("description", ""),
        )
        return self._with_secret(ep, secret, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        ep = self.get_object()
        data = _data(s.EndpointUpdateSerializer, request, partial=True)
        return self._respond(
            actions.update_endpoint(request.user, ep, version=if_match(request), **data)
        )

    def destroy(self, request, *args, **kwargs):
        actions.delete_endpoint(request.user, self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Disable the endpoint (pending deliveries wait)",
        request=s.DisableSerializer,
        responses={200: s.EndpointSerializer},
        parameters=[IF_MATCH, IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def disable(self, request, pk=None):
        data = _data(s.DisableSerializer, request)
        ep = actions.disable_endpoint(
            request.user,
            self.get_object(),
            reason=data.get("reason", ""),
            version=if_match(request),
        )
        return self._respond(ep)

    @extend_schema(
        summary="Enable the endpoint again (failure count starts over)",
        request=None,
        responses={200: s.EndpointSerializer},
        parameters=[IF_MATCH, IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def enable(self, request, pk=None):
        ep = actions.enable_endpoint(request.user, self.get_object(), version=if_match(request))
        return self._respond(ep)

    @extend_schema(
        summary="Send a webhook.test event to this endpoint",
        request=None,
        responses={202: s.DeliverySerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def test(self, request, pk=None):
        d = actions.send_test(request.user, self.get_object())
        d.refresh_from_db()
        return Response(s.DeliverySerializer(d).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Make a new signing secret (answered once; the old one stops at once)",
        request=None,
        responses={200: s.EndpointSecretSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        ep, secret = actions.rotate_secret(request.user, self.get_object())
        return self._with_secret(ep, secret, status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(
        summary="List webhook deliveries, newest first (filters: endpoint, status, event)",
        parameters=[
            OpenApiParameter("endpoint", OpenApiTypes.INT, required=False),
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                required=False,
                enum=["pending", "succeeded", "failed", "abandoned"],
            ),
            OpenApiParameter("event", OpenApiTypes.STR, required=False),
        ],
    ),
    retrieve=extend_schema(summary="Get one webhook delivery with its payload"),
)
class WebhookDeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.DeliverySerializer

    def get_queryset(self):
        p = self.request.query_params
        endpoint = p.get("endpoint", "")
        return queries.deliveries(
            self.request.user,
            endpoint=(int(endpoint) if endpoint.isdigit() else -1) if endpoint else None,
            status=p.get("status", ""),
            event=p.get("event", ""),
        )

    @extend_schema(
        summary="Send the delivery again now (attempts start over)",
        request=None,
        responses={202: s.DeliverySerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def redeliver(self, request, pk=None):
        d = actions.redeliver(request.user, self.get_object())
        d = WebhookDelivery.objects.get(pk=d.pk)
        return Response(s.DeliverySerializer(d).data, status=status.HTTP_202_ACCEPTED)
