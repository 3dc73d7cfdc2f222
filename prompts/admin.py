from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from prompts.models import (
    Domain,
    ImportJob,
    MultiChoiceItem,
    Prompt,
    PromptSet,
    ReferencePair,
    Scenario,
)


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_en", "name_zh"]
    search_fields = ["slug", "name_en", "name_zh"]


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_en", "name_zh"]
    search_fields = ["slug", "name_en", "name_zh"]


@admin.register(PromptSet)
class PromptSetAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "license", "prompt_count", "hidden", "created_at", "import_link"]
    list_filter = ["hidden"]
    search_fields = ["name", "description"]
    # Evaluation hides the sets it asks its questions through; shown, their answers would become
    # campaign items.
    readonly_fields = ["hidden", "created_by", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PromptSet]:
        return super().get_queryset(request).annotate(prompt_count=Count("prompts"))

    @admin.display(description=_("prompts"), ordering="prompt_count")
    def prompt_count(self, obj: PromptSet) -> int:
        return obj.prompt_count  # type: ignore[attr-defined]

    @admin.display(description="")
    def import_link(self, obj: PromptSet) -> str:
        return format_html(
            '<a href="{}?set={}">{}</a>', reverse("prompts:import"), obj.pk, _("Import a file")
        )


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ["external_id", "prompt_set", "level", "domain", "scenario", "short_text"]
    list_filter = ["level", "prompt_set", "domain", "scenario", "source"]
    search_fields = ["text", "external_id"]
    list_select_related = ["prompt_set", "domain", "scenario"]
    show_full_result_count = False

    @admin.display(description=_("text"))
    def short_text(self, obj: Prompt) -> str:
        return obj.text[:80]


@admin.register(MultiChoiceItem)
class MultiChoiceItemAdmin(admin.ModelAdmin):
    list_display = ["external_id", "prompt_set", "label", "domain", "difficulty"]
    list_filter = ["prompt_set", "label", "domain", "difficulty"]
    search_fields = ["question"]
    list_select_related = ["prompt_set", "domain"]
    show_full_result_count = False


@admin.register(ReferencePair)
class ReferencePairAdmin(admin.ModelAdmin):
    list_display = ["external_id", "prompt_set", "pos_type", "neg_type"]
    list_filter = ["prompt_set", "pos_type", "neg_type"]
    search_fields = ["prompt"]
    list_select_related = ["prompt_set"]
    show_full_result_count = False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "prompt_set",
        "format",
        "status",
        "created_count",
        "created_at",
    ]
    list_filter = ["status", "format"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Files come in through the import page, which validates them and queues the work.
        return False
