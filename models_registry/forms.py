from __future__ import annotations

from django import forms

from models_registry.models import RegisteredModel
from prompts.models import Domain, Level, PromptSet, Scenario


class GenerationRunForm(forms.Form):
    name = forms.CharField(max_length=200)
    prompt_set = forms.ModelChoiceField(queryset=PromptSet.objects.all())
    target_models = forms.ModelMultipleChoiceField(
        queryset=RegisteredModel.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        label="Models",
    )
    level = forms.ChoiceField(choices=[("", "any level"), *Level.choices], required=False)
    domain = forms.ModelChoiceField(queryset=Domain.objects.all(), required=False, empty_label="any domain")
    scenario = forms.ModelChoiceField(
        queryset=Scenario.objects.all(), required=False, empty_label="any scenario"
    )
    samples_per_prompt = forms.IntegerField(
        min_value=1, max_value=20, required=False, help_text="Empty: each model's own setting."
    )
