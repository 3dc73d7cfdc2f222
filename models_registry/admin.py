from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from models_registry.models import GenerationRun, RegisteredModel, Response
from models_registry.services import model_connection_check


@admin.register(RegisteredModel)
class RegisteredModelAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "display_name",
        "base_url",
        "model_id",
        "api_key_env",
        "max_concurrency",
        "is_active",
    ]
    list_filter = ["provider", "is_active"]
    search_fields = ["name", "display_name", "model_id"]
    actions = ["test_connection"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "display_name",
                    "provider",
                    "base_url",
                    "model_id",
                    "api_key_env",
                    "is_active",
                ]
            },
        ),
        (
            _("Generation"),
            {
                "fields": [
                    "system_prompt",
                    "temperature",
                    "top_p",
                    "max_tokens",
                    "seed",
                    "stop",
                    "samples_per_prompt",
                ]
            },
        ),
        (_("Reliability"), {"fields": ["timeout_s", "max_retries", "max_concurrency"]}),
        (_("Cost"), {"fields": ["price_in_per_1m", "price_out_per_1m"]}),
        (None, {"fields": ["notes"]}),
    ]

    @admin.action(description=_("Test connection"))
    def test_connection(self, request: HttpRequest, queryset: QuerySet[RegisteredModel]) -> None:
        for model in queryset:
            # The same words as the model page's own test: never what the endpoint answered.
            check = model_connection_check(model=model)
            outcome = gettext("OK:") if check.ok else gettext("Failed:")
            self.message_user(
                request,
                f"{model}: {outcome} {check.message}",
                messages.SUCCESS if check.ok else messages.ERROR,
            )


@admin.register(GenerationRun)
class GenerationRunAdmin(admin.ModelAdmin):
    list_display = ["name", "prompt_set", "status", "created_at", "progress_link"]
    list_filter = ["status"]
    readonly_fields = ["status", "created_by", "created_at", "finished_at", "claim", "heartbeat_at"]
    exclude = ["responses"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Runs start from the run page, which queues their generations.
        return False

    @admin.display(description="")
    def progress_link(self, obj: GenerationRun) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("models_registry:run_detail", args=[obj.pk]), _("Progress")
        )


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "model",
        "prompt",
        "sample_index",
        "status",
        "attempts",
        "latency_ms",
        "error_kind",
        "key_redacted",
    ]
    list_filter = ["status", "model", "error_kind", "key_redacted"]
    search_fields = ["text", "prompt__text"]
    list_select_related = ["model", "prompt"]
    readonly_fields = [f.name for f in Response._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
