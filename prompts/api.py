"""REST API for benchmark content: prompt sets, their prompts, and imports (admins, as the pages)."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from common.roles import IsAdmin
from prompts import services
from prompts.models import ImportJob, Prompt, PromptSet
from prompts.serializers import (
    ImportJobSerializer,
    ImportUploadSerializer,
    PromptSerializer,
    PromptSetSerializer,
)


class PromptSetApi(viewsets.ReadOnlyModelViewSet):
    """Prompt sets; `POST /api/prompt-sets/import/` uploads a file that a worker imports."""

    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    serializer_class = PromptSetSerializer
    filterset_fields = ["name"]

    def get_queryset(self) -> QuerySet[PromptSet]:
        return PromptSet.objects.visible().annotate(prompt_count=Count("prompts")).order_by("name")

    @extend_schema(request=ImportUploadSerializer, responses={202: ImportJobSerializer})
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request: Request) -> Response:
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            job = services.import_job_create(
                prompt_set=data.get("prompt_set"),
                new_set_name=data.get("new_set_name") or "",
                fmt=data["format"],
                upload=data["file"],
                mapping=data["mapping"],
                user=request.user,
            )
        except services.PromptImportFailed as exc:
            raise serializers.ValidationError({"file": [str(p) for p in exc.problems]}) from exc
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class PromptApi(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    serializer_class = PromptSerializer
    queryset = (
        Prompt.objects.filter(prompt_set__hidden=False).select_related("domain", "scenario").order_by("id")
    )
    filterset_fields = ["prompt_set", "level", "domain", "scenario", "external_id"]


class ImportJobApi(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imports and their status: poll one until it is succeeded or failed."""

    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    serializer_class = ImportJobSerializer
    queryset = ImportJob.objects.order_by("-created_at", "-id")
    filterset_fields = ["prompt_set", "status"]
