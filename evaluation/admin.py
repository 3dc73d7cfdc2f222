from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from evaluation.judges.services import JudgeRejected, campaign_ppi_judge_set, ppi_judge_checked
from evaluation.models import CampaignJudging

PPI_JUDGE = ("ppi_run", "ppi_model")


class CampaignJudgingAdminForm(forms.ModelForm):
    """The prediction-powered scores' judge run and model, refused beside the field as on the
    campaign's judges page (``ppi_judge_checked``) before save_model calls the service."""

    class Meta:
        model = CampaignJudging
        fields = "__all__"  # noqa: DJ007

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(name in self.changed_data for name in PPI_JUDGE):
            return cleaned
        campaign = cleaned.get("campaign") or getattr(self.instance, "campaign", None)
        if campaign is None:
            return cleaned
        try:
            ppi_judge_checked(campaign=campaign, run=cleaned.get("ppi_run"), model=cleaned.get("ppi_model"))
        except JudgeRejected as refused:
            self.add_error(refused.field if refused.field in self.fields else None, refused.message)
        return cleaned


@admin.register(CampaignJudging)
class CampaignJudgingAdmin(admin.ModelAdmin):
    """A campaign's judging setup. Suggestions and triage rewrite the campaign's items, so they
    change on the campaign's judges page only; here the prediction-powered scores' judge run and
    model change (or a campaign's setup is added with them), through the page's service."""

    form = CampaignJudgingAdminForm
    list_display = ["campaign", "ppi_run", "ppi_model", "suggestion_model", "triaged_items", "updated_at"]
    raw_id_fields = list(PPI_JUDGE)
    readonly_fields = [
        "suggestion_model",
        "suggestion_template",
        "suggestion_share",
        "suggested_items",
        "triage_models",
        "triage_template",
        "triage_judges",
        "triage_tolerance",
        "triaged_items",
        "updated_at",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: CampaignJudging | None = None) -> list[str]:
        # A setup belongs to its campaign for good: chosen when it is added, then fixed.
        return self.readonly_fields if obj is None else ["campaign", *self.readonly_fields]

    def has_delete_permission(self, request: HttpRequest, obj: CampaignJudging | None = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: CampaignJudging, form: forms.ModelForm, change: bool
    ) -> None:
        if change and not any(name in form.changed_data for name in PPI_JUDGE):
            return
        judging = campaign_ppi_judge_set(
            campaign=obj.campaign, run=obj.ppi_run, model=obj.ppi_model, by=request.user
        )
        obj.pk = judging.pk

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        # triage_models is read-only here: nothing related to save.
        return
