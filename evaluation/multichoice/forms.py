from __future__ import annotations

from django import forms

from evaluation.models import MultiChoiceVariant
from metrics.multichoice import REVIEW_CHOICES
from models_registry.models import RegisteredModel
from prompts.models import Domain, PromptSet


class MultiChoiceRunForm(forms.Form):
    name = forms.CharField(max_length=200)
    item_set = forms.ModelChoiceField(
        queryset=PromptSet.objects.filter(multi_choice_items__isnull=False).distinct(),
        label="Multi-choice items",
        help_text="A prompt set imported in the cvalues_mc format.",
    )
    target_models = forms.ModelMultipleChoiceField(
        queryset=RegisteredModel.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        label="Models",
    )
    variant = forms.ChoiceField(choices=MultiChoiceVariant.choices, initial=MultiChoiceVariant.OFFICIAL)
    domain = forms.ModelChoiceField(queryset=Domain.objects.all(), required=False, empty_label="every domain")


class MultiChoiceReviewForm(forms.Form):
    pred = forms.ChoiceField(choices=[(c, c) for c in REVIEW_CHOICES])
