"""authoring's REST API, with the pages' rules: admins make and steer campaigns; authors see the
open campaigns they may write in, acknowledge a campaign's content warning, submit, and read their
submissions; reviewers review. Writing in a campaign whose warning the author has not acknowledged
is refused with 409 and the code content_warning_unacknowledged, on every way in."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from authoring import selectors, services
from authoring.dedup import near_duplicates
from authoring.models import AuthoringCampaign, Conversation, Submission
from authoring.serializers import (
    AuthoringCampaignAdminSerializer,
    AuthoringCampaignSerializer,
    AuthoringCampaignWriteSerializer,
    GivenPromptSerializer,
    NearDuplicateQuerySerializer,
    NearDuplicateSerializer,
    ReviewSerializer,
    StatusSerializer,
    SubmissionSerializer,
    SubmissionWriteSerializer,
)
from common.roles import IsAdmin, IsReviewer, user_is_admin
from prompts.models import Scenario

WARNING_UNACKNOWLEDGED = OpenApiResponse(
    description="The campaign's content warning is not acknowledged yet (POST content-warning/ first): "
    '{"detail": why, "code": "content_warning_unacknowledged"}.'
)


class AuthoringCampaignApi(viewsets.ReadOnlyModelViewSet):
    """Authoring campaigns: admins see and steer every one; others see the open ones they may
    write in."""

    ADMIN_ACTIONS = ("create", "update", "set_status")
    REVIEWER_ACTIONS = ("answers_export",)
    # A submit to a paused or closed campaign is told why by the service, not answered 404.
    SERVICE_CHECKED_ACTIONS = ("submit", "near_duplicates", "content_warning", *REVIEWER_ACTIONS)

    def get_queryset(self) -> QuerySet[AuthoringCampaign]:
        campaigns = AuthoringCampaign.objects.order_by("-created_at", "-id")
        if getattr(self, "swagger_fake_view", False):  # the schema's generation asks as nobody
            return campaigns.none()
        campaigns = selectors.campaigns_with_warning_acknowledged(campaigns, user=self.request.user)
        if user_is_admin(self.request.user) or self.action in self.SERVICE_CHECKED_ACTIONS:
            return campaigns
        return campaigns.filter(pk__in=[c.pk for c in selectors.campaigns_for_author(self.request.user)])

    def _campaign_shown(self, campaign: AuthoringCampaign) -> dict[str, Any]:
        """The campaign as the asker reads it, afresh (with whether they acknowledged its warning)."""
        return self.get_serializer(self.get_queryset().get(pk=campaign.pk)).data

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return (
            AuthoringCampaignAdminSerializer
            if user_is_admin(self.request.user)
            else AuthoringCampaignSerializer
        )

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action in self.ADMIN_ACTIONS:
            return [permissions.IsAuthenticated(), IsAdmin()]
        if self.action in self.REVIEWER_ACTIONS:
            return [permissions.IsAuthenticated(), IsReviewer()]
        return [permissions.IsAuthenticated()]

    @extend_schema(
        request=AuthoringCampaignWriteSerializer, responses={201: AuthoringCampaignAdminSerializer}
    )
    def create(self, request: Request) -> Response:
        form = AuthoringCampaignWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        campaign = services.authoring_campaign_create(data=form.campaign_input(), user=request.user)
        return Response(self._campaign_shown(campaign), status=status.HTTP_201_CREATED)

    @extend_schema(request=AuthoringCampaignWriteSerializer, responses=AuthoringCampaignAdminSerializer)
    def update(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        form = AuthoringCampaignWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.authoring_campaign_update(campaign=campaign, data=form.campaign_input())
        return Response(self._campaign_shown(campaign))

    @extend_schema(request=StatusSerializer, responses=AuthoringCampaignAdminSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        form = StatusSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.authoring_campaign_status_set(campaign=campaign, status=form.validated_data["status"])
        return Response(self._campaign_shown(campaign))

    @extend_schema(request=None, responses=AuthoringCampaignSerializer)
    @action(detail=True, methods=["post"], url_path="content-warning")
    def content_warning(self, request: Request, pk: str) -> Response:
        """Acknowledge the campaign's content warning (its text is the campaign's content_warning), as
        its page's button does. Until then, writing in the campaign is refused (409,
        code content_warning_unacknowledged); acknowledging again changes nothing."""
        campaign = self.get_object()
        services.authoring_warning_acknowledge(user=request.user, campaign=campaign)
        return Response(self._campaign_shown(campaign))

    @extend_schema(
        request=SubmissionWriteSerializer,
        responses={201: SubmissionSerializer, 200: SubmissionSerializer, 409: WARNING_UNACKNOWLEDGED},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Submit a prompt, as the write page does; 200 (not 201) when its submit_key was sent before."""
        campaign = self.get_object()
        form = SubmissionWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        done = services.submission_submit(campaign=campaign, user=request.user, data=form.submission_input())
        code = status.HTTP_201_CREATED if done.created else status.HTTP_200_OK
        return Response(SubmissionSerializer(done.submission).data, status=code)

    @extend_schema(responses={200: GivenPromptSerializer, 204: None})
    @action(detail=True, methods=["get"], url_path="next-prompt")
    def next_prompt(self, request: Request, pk: str) -> Response:
        """Expert answers: the next given prompt you have not answered (204 when none is left).
        Answer it with submit/, its id as `given` and your answer as `reference_answer`."""
        campaign = self.get_object()
        if campaign.kind != AuthoringCampaign.Kind.EXPERT_ANSWERS:
            raise exceptions.NotFound(_("This campaign has no prompts to answer."))
        given = selectors.next_given_prompt(user=request.user, campaign=campaign)
        if given is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(GivenPromptSerializer(given).data)

    @extend_schema(
        parameters=[OpenApiParameter("layout", enum=["sft", "dpo"], required=True)],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], url_path="answers-export")
    def answers_export(self, request: Request, pk: str) -> Response:
        """Expert answers (reviewers and admins): the accepted answers as SFT pairs
        (`layout=sft`: OpenAI chat messages) or DPO triples (`layout=dpo`: prompt messages, the
        expert's answer chosen, the model's low-scored answer rejected), as a JSON list."""
        campaign = self.get_object()
        if campaign.kind != AuthoringCampaign.Kind.EXPERT_ANSWERS:
            raise exceptions.NotFound(_("This campaign has no expert answers."))
        rows = selectors.answer_export_rows(campaign, request.query_params.get("layout", ""))
        if rows is None:
            raise exceptions.ValidationError({"layout": _("Choose sft or dpo.")})
        return Response(rows)

    @extend_schema(
        request=NearDuplicateQuerySerializer,
        responses={200: NearDuplicateSerializer(many=True), 409: WARNING_UNACKNOWLEDGED},
    )
    @action(detail=True, methods=["post"], url_path="near-duplicates")
    def near_duplicates(self, request: Request, pk: str) -> Response:
        """The campaign's accepted prompts most like a text, before it is submitted."""
        campaign = self.get_object()
        if not selectors.campaign_author_allowed(user=request.user, campaign=campaign):
            raise exceptions.PermissionDenied(_("You may not write in this campaign."))
        # The set's prompts are the content the warning is about.
        services.authoring_warning_check(user=request.user, campaign=campaign)
        form = NearDuplicateQuerySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        found = near_duplicates(prompt_set=campaign.prompt_set_id, text=form.validated_data["text"])
        return Response(NearDuplicateSerializer([d.as_dict() for d in found], many=True).data)


class SubmissionApi(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your own submissions; reviewers and admins see every campaign's and review them."""

    serializer_class = SubmissionSerializer
    filterset_fields = ["campaign", "status"]

    def get_queryset(self) -> QuerySet[Submission]:
        if getattr(self, "swagger_fake_view", False):  # the schema's generation asks as nobody
            return Submission.objects.none()
        if self.action == "review":
            return Submission.objects.all()
        return selectors.submissions_of_author(user=self.request.user).order_by("-created_at", "-id")

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action == "review":
            return [permissions.IsAuthenticated(), IsReviewer()]
        return [permissions.IsAuthenticated()]

    @extend_schema(request=ReviewSerializer, responses=SubmissionSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        submission = self.get_object()
        form = ReviewSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        done = services.submission_review(submission=submission, user=request.user, data=form.review_input())
        return Response(SubmissionSerializer(done).data)


class AttackSubmitSerializer(serializers.Serializer):
    author_says_harmful = serializers.BooleanField(allow_null=True)
    scenario = serializers.SlugRelatedField(
        slug_field="slug", queryset=Scenario.objects.all(), allow_null=True
    )
    submit_key = serializers.UUIDField()
    provenance = serializers.JSONField(required=False)


class AttackSubmitApi(APIView):
    """Hand in a finished attack conversation of yours (as the attack workspace's Submit does)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=AttackSubmitSerializer,
        responses={201: SubmissionSerializer, 200: SubmissionSerializer, 409: WARNING_UNACKNOWLEDGED},
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        conversation = get_object_or_404(Conversation, pk=conversation_id)
        if conversation.author_id != request.user.pk:
            raise exceptions.NotFound()
        form = AttackSubmitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        done = services.attack_submit(user=request.user, conversation=conversation, **form.validated_data)
        code = status.HTTP_201_CREATED if done.created else status.HTTP_200_OK
        return Response(SubmissionSerializer(done.submission).data, status=code)
