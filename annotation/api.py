"""REST API for campaigns, items and judgements, with the pages' permissions
(annotation.selectors: campaigns_visible_to, items_visible_to, judgements_visible_to)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from annotation import selectors, services
from annotation.assignment import assignment_next_for
from annotation.models import Campaign, Item, Judgement
from annotation.protocol.selectors import (
    campaign_audit_log,
    campaign_audit_verify,
    campaign_protocol_items,
    campaign_protocol_of,
)
from annotation.serializers import (
    AuditEntrySerializer,
    CampaignCreateSerializer,
    CampaignProgressSerializer,
    CampaignProtocolSerializer,
    CampaignSerializer,
    CampaignStatusSerializer,
    ItemSerializer,
    JudgementEditSerializer,
    JudgementSerializer,
    JudgementVoidSerializer,
    JudgementWriteSerializer,
)
from common.roles import IsAdmin, IsReviewer


class CampaignApi(viewsets.ReadOnlyModelViewSet):
    """Campaigns: annotators see those of their kind (not drafts); admins create and steer them."""

    serializer_class = CampaignSerializer
    filterset_fields = ["kind", "status"]

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaigns_visible_to(self.request.user).order_by("-created_at", "-id")

    def get_permissions(self) -> list[permissions.BasePermission]:
        # The protocol and the audit log (which names staff) are the campaign page's, for admins
        # as there and as its downloads.
        if self.action in ("create", "set_status", "progress", "protocol", "protocol_items", "audit"):
            return [permissions.IsAuthenticated(), IsAdmin()]
        return [permissions.IsAuthenticated()]

    @extend_schema(request=CampaignCreateSerializer, responses={201: CampaignSerializer})
    def create(self, request: Request) -> Response:
        form = CampaignCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        campaign = services.campaign_create_from_input(data=form.campaign_input(), user=request.user)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CampaignStatusSerializer, responses=CampaignSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        form = CampaignStatusSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.campaign_status_set(campaign=campaign, status=form.validated_data["status"], by=request.user)
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(responses=CampaignProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: str) -> Response:
        return Response(CampaignProgressSerializer(selectors.campaign_progress(self.get_object())).data)

    @extend_schema(responses={200: CampaignProtocolSerializer, 404: None})
    @action(detail=True, methods=["get"])
    def protocol(self, request: Request, pk: str) -> Response:
        """The protocol frozen when the campaign first opened (404 before), with the chain check."""
        campaign = self.get_object()
        protocol = campaign_protocol_of(campaign=campaign)
        if protocol is None:
            raise exceptions.NotFound(_("This campaign has not been opened: its protocol is not frozen yet."))
        verdict = campaign_audit_verify(campaign=campaign)
        return Response(CampaignProtocolSerializer({**vars(protocol), "verify": verdict.as_dict()}).data)

    @extend_schema(responses={(200, "application/x-ndjson"): OpenApiTypes.STR, 404: None})
    @action(detail=True, methods=["get"], url_path="protocol/items")
    def protocol_items(self, request: Request, pk: str) -> StreamingHttpResponse:
        """The frozen item list as JSON lines, as hashed into the protocol's ``items.sha256``."""
        campaign = self.get_object()
        if campaign_protocol_of(campaign=campaign) is None:
            raise exceptions.NotFound(_("This campaign has not been opened: its protocol is not frozen yet."))
        return StreamingHttpResponse(
            (lines.encode("utf-8") for lines in campaign_protocol_items(campaign=campaign)),
            content_type="application/x-ndjson; charset=utf-8",
        )

    @extend_schema(responses=AuditEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def audit(self, request: Request, pk: str) -> Response:
        """The audit log, oldest first, a page at a time; ``verify`` says whether the chain holds."""
        campaign = self.get_object()
        page = self.paginate_queryset(campaign_audit_log(campaign=campaign))
        response = self.get_paginated_response(AuditEntrySerializer(page, many=True).data)
        response.data["verify"] = campaign_audit_verify(campaign=campaign).as_dict()
        return response

    @extend_schema(request=None, responses={200: ItemSerializer, 204: None})
    @action(detail=True, methods=["post"])
    def next(self, request: Request, pk: str) -> Response:
        """Lease the next item to judge (as the Judge page does); 204 when none is left for you."""
        campaign = self.get_object()
        # A refusal (AssignmentRefused) answers 403 with why.
        item = assignment_next_for(user=request.user, campaign=campaign)
        if item is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ItemSerializer(item, context=self.get_serializer_context()).data)


class ItemApi(viewsets.ReadOnlyModelViewSet):
    """Items. Reviewers and admins list them; an annotator reads only the item they hold now (from
    POST /campaigns/{id}/next/) and the items of their own judgements, by id."""

    serializer_class = ItemSerializer
    filterset_fields = ["campaign", "domain"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not selectors.items_lists_allowed(request.user):
            raise exceptions.PermissionDenied(
                _("Annotators read the item they hold and the items they judged, one by one.")
            )
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Item]:
        if getattr(self, "swagger_fake_view", False):
            return Item.objects.none()
        return (
            selectors.items_visible_to(self.request.user)
            .select_related("campaign", "prompt__scenario", "domain", "model")
            .prefetch_related("item_responses__response")
            .order_by("id")
        )


class JudgementApi(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Judgements. Annotators read and write only their own (POST judges an item they may judge,
    PATCH edits one of theirs within 30 minutes); reviewers and admins read all."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = JudgementSerializer
    filterset_fields = ["campaign", "item"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Judgement]:
        if getattr(self, "swagger_fake_view", False):
            return Judgement.objects.none()
        return (
            selectors.judgements_visible_to(self.request.user)
            .select_related("user__annotator_profile", "scenario")
            .order_by("id")
        )

    @extend_schema(
        request=JudgementWriteSerializer, responses={201: JudgementSerializer, 200: JudgementSerializer}
    )
    def create(self, request: Request) -> Response:
        form = JudgementWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        values = form.validated_data
        # Not items_visible_to: an item whose lease ran out is refused by the service, with why.
        item = get_object_or_404(
            selectors.items_judgeable_by(request.user).select_related("campaign"), pk=values["item"]
        )
        judgement, created, feedback = services.judgement_submit_checked(
            user=request.user, item=item, data=form.judgement_input()
        )
        judgement = self.get_queryset().get(pk=judgement.pk)
        # What the judge is told: a training explanation after a gold item, a warning, a pause.
        return Response(
            {**JudgementSerializer(judgement).data, "feedback": asdict(feedback)},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=JudgementEditSerializer, responses=JudgementSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        judgement = self.get_object()
        if judgement.user_id != request.user.pk:
            raise exceptions.PermissionDenied(_("You can only edit your own judgements."))
        form = JudgementEditSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        edited = services.judgement_edit(
            user=request.user, judgement=judgement, data=form.judgement_input(current=judgement)
        )
        return Response(JudgementSerializer(self.get_queryset().get(pk=edited.pk)).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.MethodNotAllowed("PUT")

    @extend_schema(request=JudgementVoidSerializer, responses=JudgementSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated, IsReviewer])
    def void(self, request: Request, pk: str) -> Response:
        """Reviewers and admins: take a judgement out of the results, saying why (it stays stored)."""
        judgement = self.get_object()
        form = JudgementVoidSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.judgement_void(judgement=judgement, by=request.user, reason=form.validated_data["reason"])
        return Response(JudgementSerializer(self.get_queryset().get(pk=judgement.pk)).data)
