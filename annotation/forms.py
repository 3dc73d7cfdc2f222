from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _

from annotation.models import Campaign, Item
from models_registry.models import GenerationRun, RegisteredModel
from prompts.models import Domain, Level, Scenario


def judgement_data_from(post: QueryDict, item: Item) -> dict[str, Any]:
    """Turn a posted judgement form into the values judgement_submit checks; never trusts ids."""
    if item.campaign.kind == Campaign.Kind.SAFETY:
        verdict = post.get("verdict")
        scenario = None
        if post.get("scenario"):
            scenario = Scenario.objects.filter(pk=_int(post.get("scenario"))).first() or "unknown"
        return {
            "safe": {"safe": True, "unsafe": False}.get(verdict or ""),
            "scenario": scenario,
            "response_type": post.get("response_type", ""),
            "reason": post.get("reason", ""),
        }
    best = post.get("best", "")
    return {
        "score": _int(post.get("score")),
        "best_response_id": None if best in ("", "none") else _int(best),
        "none_good": best == "none",
        "rewrite": post.get("rewrite", ""),
    }


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Campaign.Kind.choices)
    judges_per_item = forms.IntegerField(
        min_value=1, max_value=20, required=False, help_text="Empty: 3 for safety, 2 for responsibility."
    )
    runs = forms.ModelMultipleChoiceField(queryset=GenerationRun.objects.all(), required=False)
    target_models = forms.ModelMultipleChoiceField(
        queryset=RegisteredModel.objects.all(), required=False, label="Models"
    )
    level = forms.ChoiceField(choices=[("", "any level"), *Level.choices], required=False)
    domain = forms.ModelChoiceField(queryset=Domain.objects.all(), required=False, empty_label="any domain")
    scenario = forms.ModelChoiceField(
        queryset=Scenario.objects.all(), required=False, empty_label="any scenario"
    )
    group_samples = forms.BooleanField(
        required=False,
        help_text="Responsibility: show all samples of a model for one prompt together (best-of-N).",
    )
    blind = forms.BooleanField(
        required=False, initial=True, help_text="Hide model names and other judgements."
    )
    lease_minutes = forms.IntegerField(min_value=1, max_value=120, initial=10)
    guidelines = forms.CharField(widget=forms.Textarea, required=False, help_text="Markdown.")
    follow_run = forms.ModelChoiceField(
        queryset=GenerationRun.objects.all(),
        required=False,
        empty_label="none",
        label="Follow a run",
        help_text="Items are this run's answers, and each answer it gives later joins while it runs "
        "(judging starts before the run ends). Leave the filters above empty.",
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("follow_run") and any(
            data.get(k) for k in ("runs", "target_models", "level", "domain", "scenario")
        ):
            raise forms.ValidationError(
                _("A campaign that follows a run takes all its answers: leave the other filters empty.")
            )
        return data
