from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluation.models import MultiChoiceVariant
from metrics.multichoice import REVIEW_CHOICES
from models_registry.models import RegisteredModel
from prompts.fields import domain_filter_field
from prompts.models import PromptSet


class MultiChoiceRunForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"))
    item_set = forms.ModelChoiceField(
        queryset=PromptSet.objects.visible().filter(multi_choice_items__isnull=False).distinct(),
        label=_("Multi-choice items"),
        help_text=_("A prompt set imported in the cvalues_mc format."),
    )
    target_models = forms.ModelMultipleChoiceField(
        queryset=RegisteredModel.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        label=_("Models"),
    )
    variant = forms.ChoiceField(
        choices=MultiChoiceVariant.choices, initial=MultiChoiceVariant.OFFICIAL, label=_("Variant")
    )
    domain = domain_filter_field(empty_label=_("every domain"))


class MultiChoiceReviewForm(forms.Form):
    pred = forms.ChoiceField(choices=[(c, c) for c in REVIEW_CHOICES])
