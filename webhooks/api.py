"""REST API for webhooks, admins only on every route (as the pages): endpoints (the secret in the
answer to a create or a new secret, never after), a test event, an endpoint's deliveries log
(newest first) and "Send again" — through the pages' services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.roles import IsAdmin
from webhooks import selectors, services
from webhooks.models import Delivery, Endpoint
from webhooks.serializers import (
    DeliverySerializer,
    EndpointCreatedSerializer,
    EndpointSerializer,
    EndpointWriteSerializer,
)

ADMINS = [permissions.IsAuthenticated, IsAdmin]


def _no_store(response: Response) -> Response:
    # The secret is in this one answer: no cache along the way keeps it.
    response["Cache-Control"] = "no-store"
    return response


class EndpointApi(viewsets.ModelViewSet):
    """Webhook endpoints. POST adds one and answers its signing secret, once."""

    permission_classes = ADMINS
    serializer_class = EndpointSerializer
    filterset_fields = ["is_active"]

    def get_queryset(self) -> QuerySet[Endpoint]:
        return selectors.endpoints_list()

    @extend_schema(request=EndpointWriteSerializer, responses={201: EndpointCreatedSerializer})
    def create(self, request: Request) -> Response:
        form = EndpointWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        endpoint, secret = services.endpoint_create(data=form.endpoint_input(), by=request.user)
        body = EndpointCreatedSerializer(self.get_queryset().get(pk=endpoint.pk)).data
        return _no_store(Response({**body, "secret": secret}, status=status.HTTP_201_CREATED))

    @extend_schema(request=EndpointWriteSerializer, responses=EndpointSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        partial = kwargs.get("partial", False)
        form = EndpointWriteSerializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        current = endpoint if partial else None
        services.endpoint_update(
            endpoint=endpoint, data=form.endpoint_input(current=current), by=request.user
        )
        return Response(EndpointSerializer(self.get_queryset().get(pk=endpoint.pk)).data)

    @extend_schema(request=EndpointWriteSerializer, responses=EndpointSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.endpoint_delete(endpoint=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str) -> Response:
        """Send this endpoint a `test` event (refused while it is disabled); answers its delivery."""
        delivery = services.endpoint_test_send(endpoint=self.get_object(), by=request.user)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=EndpointCreatedSerializer)
    @action(detail=True, methods=["post"])
    def secret(self, request: Request, pk: str) -> Response:
        """Make a new secret, used from the next request on: in this answer only."""
        endpoint = self.get_object()
        secret = services.endpoint_secret_rotate(endpoint=endpoint, by=request.user)
        return _no_store(Response({**EndpointSerializer(endpoint).data, "secret": secret}))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=Delivery.Status.values,
                description="Only deliveries in this state.",
            )
        ],
        responses=DeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def deliveries(self, request: Request, pk: str) -> Response:
        """The endpoint's deliveries log, newest first, a page at a time."""
        endpoint = self.get_object()
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in Delivery.Status.values:
            choices = ", ".join(Delivery.Status.values)
            raise serializers.ValidationError(
                {
                    "status": [
                        _("Unknown status %(status)s: one of %(choices)s.")
                        % {"status": wanted, "choices": choices}
                    ]
                }
            )
        page = self.paginate_queryset(selectors.deliveries_of(endpoint=endpoint, status=wanted))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)


class DeliveryResendApi(APIView):
    """Send a delivery again now ("Send again" on the log), whatever became of it."""

    permission_classes = ADMINS

    @extend_schema(request=None, responses={202: DeliverySerializer})
    def post(self, request: Request, delivery_id: int) -> Response:
        delivery = get_object_or_404(Delivery.objects.select_related("event"), pk=delivery_id)
        delivery = services.delivery_resend(delivery=delivery, by=request.user)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
