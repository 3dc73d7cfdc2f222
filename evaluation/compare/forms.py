"""What a paired comparison compares: model A (before), model B (after), and where."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from annotation.models import Campaign
from evaluation.compare.selectors import compare_scope
from evaluation.figures.selectors import FigureScope
from models_registry.models import RegisteredModel


class CompareForm(forms.Form):
    """The page's and the API's one input: both models are required and must differ."""

    model_a = forms.ModelChoiceField(
        queryset=RegisteredModel.objects.order_by("name"), label=_("Model A (before)")
    )
    model_b = forms.ModelChoiceField(
        queryset=RegisteredModel.objects.order_by("name"), label=_("Model B (after)")
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.all(),
        required=False,
        empty_label=_("every campaign"),
        label=_("Campaign"),
        help_text=_("Multi-choice answers belong to no campaign: they are compared in every case."),
    )
    include_incomplete = forms.BooleanField(
        required=False,
        label=_("Include incomplete items"),
        help_text=_("Off: only items that have all N judgements count."),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("model_a") and data.get("model_a") == data.get("model_b"):
            raise forms.ValidationError(_("Choose two different models."))
        return data

    def scope(self) -> FigureScope:
        data = self.cleaned_data
        return compare_scope(
            model_a=data["model_a"].pk,
            model_b=data["model_b"].pk,
            campaign_ids=(data["campaign"].pk,) if data.get("campaign") else (),
            include_incomplete=bool(data.get("include_incomplete")),
        )
