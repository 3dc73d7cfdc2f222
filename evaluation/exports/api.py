"""Exports through the API: queue one, poll it, download the zip (admins)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from common.roles import IsAdmin
from evaluation.exports import services as export_services
from evaluation.exports.serializers import ExportCreateSerializer, ExportSerializer
from evaluation.exports.views import export_file_response
from evaluation.models import Export


class _AnyAccept(BaseContentNegotiation):
    """The download is a zip whatever the client accepts (`Accept: application/zip` included):
    DRF's negotiation would answer 406, having no renderer for it."""

    def select_parser(self, request: Request, parsers: list) -> object:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: list, format_suffix: str | None = None) -> tuple:
        return renderers[0], renderers[0].media_type


class ExportApi(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Exports (admins): POST queues one for a worker; poll it until `status` is ready, then GET
    its `download` link (a zip with the files and their dataset card)."""

    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    serializer_class = ExportSerializer
    queryset = Export.objects.order_by("-created_at", "-id")
    filterset_fields = ["kind", "format", "status"]

    @extend_schema(request=ExportCreateSerializer, responses={202: ExportSerializer})
    def create(self, request: Request) -> Response:
        form = ExportCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            export = export_services.export_create(
                kind=form.validated_data["kind"],
                fmt=form.validated_data["format"],
                scope=form.scope(),
                user=request.user,
                csv_bom=form.validated_data["csv_bom"],
            )
        except export_services.ExportRefused as refused:
            raise serializers.ValidationError({"detail": str(refused)}) from refused
        return Response(self.get_serializer(export).data, status=202)

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], content_negotiation_class=_AnyAccept)
    def download(self, request: Request, pk: str) -> FileResponse:
        export = self.get_object()
        if export.status != Export.Status.READY:
            raise Http404(_("The export is not ready."))
        return export_file_response(export)
