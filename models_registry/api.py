"""REST API for models under test and generation runs (admins, as the pages)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.roles import IsAdmin
from models_registry import selectors, services
from models_registry.models import GenerationRun, RegisteredModel
from models_registry.serializers import (
    CountSerializer,
    GenerationRunSerializer,
    GenerationRunStartSerializer,
    RegisteredModelSerializer,
    RunProgressSerializer,
)


class RegisteredModelApi(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Models under test. POST registers one, or updates the one with that name."""

    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    serializer_class = RegisteredModelSerializer
    queryset = RegisteredModel.objects.order_by("name")
    filterset_fields = ["name", "is_active"]

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data: dict[str, Any] = dict(serializer.validated_data)
        try:
            serializer.instance = services.model_register(
                name=data.pop("name"), base_url=data.pop("base_url"), model_id=data.pop("model_id"), **data
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from exc


class GenerationRunApi(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Generation runs: start one (POST), follow its progress, cancel it."""

    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    serializer_class = GenerationRunSerializer
    queryset = GenerationRun.objects.prefetch_related("target_models").order_by("-created_at", "-id")
    filterset_fields = ["status", "prompt_set"]

    @extend_schema(request=GenerationRunStartSerializer, responses={201: GenerationRunSerializer})
    def create(self, request: Request) -> Response:
        start = GenerationRunStartSerializer(data=request.data)
        start.is_valid(raise_exception=True)
        data = start.validated_data
        run = services.generation_run_start(
            name=data["name"],
            prompt_set=data["prompt_set"],
            models=data["target_models"],
            level=data.get("level") or "",
            domain=data.get("domain"),
            scenario=data.get("scenario"),
            samples_per_prompt=data.get("samples_per_prompt"),
            user=request.user,
        )
        return Response(GenerationRunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=RunProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: str) -> Response:
        progress = selectors.run_progress(self.get_object())
        return Response(RunProgressSerializer(progress).data)

    @extend_schema(request=None, responses=CountSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        run = self.get_object()
        changed = services.generation_run_cancel(run=run)
        run.refresh_from_db()
        return Response({"run": run.pk, "status": run.status, "changed": changed})

    @extend_schema(request=None, responses=CountSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        run = self.get_object()
        changed = services.generation_run_resume(run=run)
        run.refresh_from_db()
        return Response({"run": run.pk, "status": run.status, "changed": changed})
