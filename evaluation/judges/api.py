"""Model judges as JSON: judge runs (admins start them) and the judge-vs-people figures."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from annotation.models import Campaign
from common.roles import IsAdmin
from evaluation.figures.api import FigureSnapshotApi
from evaluation.judges import selectors, services
from evaluation.models import FigureSnapshot, JudgeRun, JudgeTemplate
from models_registry.models import RegisteredModel
from prompts.models import Domain, Scenario


class JudgesApi(FigureSnapshotApi):
    """Judge vs people, per judge model and template version: κ and α against the people's
    majority with bootstrap intervals, confusion matrix, per scenario / domain, bias and spread
    of ratings, beside how an average single person agrees with the rest."""

    kind = FigureSnapshot.Kind.JUDGES


class JudgeRunSerializer(serializers.ModelSerializer):
    judge_models = serializers.SerializerMethodField()
    template = serializers.StringRelatedField()
    generation_status = serializers.CharField(source="generation_run.status", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = JudgeRun
        fields = [
            "id",
            "name",
            "campaign",
            "template",
            "filters",
            "generation_run",
            "generation_status",
            "judge_models",
            "progress",
            "created_at",
        ]

    def get_judge_models(self, run: JudgeRun) -> list[str]:
        return [m.name for m in run.generation_run.target_models.all()]

    def get_progress(self, run: JudgeRun) -> dict[str, Any]:
        progress = selectors.judge_run_progress(run=run)
        return {
            "generations": progress.generation.total,
            "by_status": progress.generation.by_status,
            "cost": None if progress.generation.cost is None else str(progress.generation.cost),
            "machine_judgements": progress.judgements,
            "need_check": progress.need_check,
            "reviewed": progress.reviewed,
            "preparing": progress.preparing,
            "finished": progress.finished,
        }


class JudgeRunStartSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all())
    judge_models = serializers.PrimaryKeyRelatedField(
        queryset=RegisteredModel.objects.filter(is_active=True), many=True
    )
    template = serializers.PrimaryKeyRelatedField(queryset=JudgeTemplate.objects.all(), required=False)
    domain = serializers.PrimaryKeyRelatedField(queryset=Domain.objects.all(), required=False)
    scenario = serializers.PrimaryKeyRelatedField(queryset=Scenario.objects.all(), required=False)


class JudgeRunApi(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Judge runs: start one (POST), follow its progress and its Need_Check count."""

    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    serializer_class = JudgeRunSerializer
    queryset = JudgeRun.objects.select_related("template", "generation_run").prefetch_related(
        "generation_run__target_models"
    )
    filterset_fields = ["campaign"]

    @extend_schema(request=JudgeRunStartSerializer, responses={201: JudgeRunSerializer})
    def create(self, request: Request) -> Response:
        start = JudgeRunStartSerializer(data=request.data)
        start.is_valid(raise_exception=True)
        data = start.validated_data
        run = services.judge_run_start(
            name=data["name"],
            campaign=data["campaign"],
            models=data["judge_models"],
            template=data.get("template"),
            domain=data.get("domain"),
            scenario=data.get("scenario"),
            user=request.user,
        )
        return Response(JudgeRunSerializer(run).data, status=status.HTTP_201_CREATED)
