"""REST API for campaigns, items and judgements, with the pages' permissions
(annotation.selectors: campaigns_visible_to, items_visible_to, judgements_visible_to)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from annotation import selectors, services
from annotation.assignment import AssignmentRefused, assignment_next_for
from annotation.models import Campaign, Item, Judgement
from annotation.serializers import (
    CampaignCreateSerializer,
    CampaignProgressSerializer,
    CampaignSerializer,
    CampaignStatusSerializer,
    ItemSerializer,
    JudgementEditSerializer,
    JudgementSerializer,
    JudgementVoidSerializer,
    JudgementWriteSerializer,
)
from config.roles import IsAdmin, IsReviewer
from models_registry.selectors import responses_filtered
from prompts.models import Scenario


class CampaignApi(viewsets.ReadOnlyModelViewSet):
    """Campaigns: annotators see those of their kind (not drafts); admins create and steer them."""

    serializer_class = CampaignSerializer
    filterset_fields = ["kind", "status"]

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaigns_visible_to(self.request.user).order_by("-created_at", "-id")

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action in ("create", "set_status", "progress"):
            return [permissions.IsAuthenticated(), IsAdmin()]
        return [permissions.IsAuthenticated()]

    @extend_schema(request=CampaignCreateSerializer, responses={201: CampaignSerializer})
    def create(self, request: Request) -> Response:
        form = CampaignCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        responses = responses_filtered(
            runs=[data["follow_run"]] if data.get("follow_run") else data.get("runs") or (),
            models=data.get("target_models") or (),
            level=data.get("level") or "",
            domain=data.get("domain"),
            scenario=data.get("scenario"),
        )
        try:
            campaign = services.campaign_create(
                name=data["name"],
                kind=data["kind"],
                responses=responses,
                judges_per_item=data.get("judges_per_item"),
                guidelines=data.get("guidelines", ""),
                blind=data["blind"],
                lease_minutes=data["lease_minutes"],
                group_samples=data["group_samples"],
                min_seconds=data.get("min_seconds"),
                follow_run=data.get("follow_run"),
                user=request.user,
                content_warning=data.get("content_warning"),
                content_warning_text=data.get("content_warning_text", ""),
                break_after_minutes=data.get("break_after_minutes", 30),
            )
        except ValueError as exc:
            raise serializers.ValidationError({"detail": str(exc)}) from exc
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CampaignStatusSerializer, responses=CampaignSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        form = CampaignStatusSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            services.campaign_status_set(campaign=campaign, status=form.validated_data["status"])
        except ValueError as exc:
            raise serializers.ValidationError({"status": str(exc)}) from exc
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(responses=CampaignProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: str) -> Response:
        return Response(CampaignProgressSerializer(selectors.campaign_progress(self.get_object())).data)

    @extend_schema(request=None, responses={200: ItemSerializer, 204: None})
    @action(detail=True, methods=["post"])
    def next(self, request: Request, pk: str) -> Response:
        """Lease the next item to judge (as the Judge page does); 204 when none is left for you."""
        campaign = self.get_object()
        try:
            item = assignment_next_for(user=request.user, campaign=campaign)
        except AssignmentRefused as refused:
            raise exceptions.PermissionDenied(str(refused)) from refused
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


def _judgement_data(values: dict[str, Any], item: Item) -> dict[str, Any]:
    """The API's fields as judgement_submit / judgement_edit take them; never trusts ids."""
    if item.campaign.kind == Campaign.Kind.SAFETY:
        scenario: object = None
        if values.get("scenario"):
            scenario = Scenario.objects.filter(slug=values["scenario"]).first() or "unknown"
        return {
            "safe": values.get("safe"),
            "scenario": scenario,
            "response_type": values.get("response_type", ""),
            "reason": values.get("reason", ""),
            "confirmed": values.get("confirm", False),
        }
    return {
        "score": values.get("score"),
        "best_response_id": values.get("best_response"),
        "none_good": values.get("none_good", False),
        "rewrite": values.get("rewrite", ""),
        "criterion_notes": values.get("criterion_notes") or {},
    }


def _rejected(exc: services.JudgementRejected) -> serializers.ValidationError:
    return serializers.ValidationError({exc.field or "detail": str(exc)})


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
        try:
            judgement, created, feedback = services.judgement_submit_checked(
                user=request.user, item=item, data=_judgement_data(values, item)
            )
        except services.JudgementRejected as exc:
            raise _rejected(exc) from exc
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
        current = {
            "safe": judgement.safe,
            "scenario": judgement.scenario.slug if judgement.scenario else "",
            "response_type": judgement.response_type,
            "reason": judgement.reason,
            "score": judgement.score,
            "best_response": judgement.best_response_id,
            "none_good": judgement.none_good,
            "rewrite": judgement.rewrite,
            "criterion_notes": judgement.criterion_notes,
            "confirm": judgement.contradictory,
        }
        item = Item.objects.select_related("campaign").get(pk=judgement.item_id)
        try:
            edited = services.judgement_edit(
                user=request.user,
                judgement=judgement,
                data=_judgement_data({**current, **form.validated_data}, item),
            )
        except services.JudgementRejected as exc:
            raise _rejected(exc) from exc
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
        try:
            services.judgement_void(
                judgement=judgement, by=request.user, reason=form.validated_data["reason"]
            )
        except services.JudgementRejected as exc:
            raise _rejected(exc) from exc
        return Response(JudgementSerializer(self.get_queryset().get(pk=judgement.pk)).data)
