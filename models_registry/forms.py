from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from models_registry.models import RegisteredModel
from prompts.fields import domain_filter_field, level_filter_field, scenario_filter_field
from prompts.models import PromptSet


class GenerationRunForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"))
    prompt_set = forms.ModelChoiceField(queryset=PromptSet.objects.visible(), label=_("Prompt set"))
    target_models = forms.ModelMultipleChoiceField(
        queryset=RegisteredModel.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        label=_("Models"),
    )
    level = level_filter_field()
    domain = domain_filter_field()
    scenario = scenario_filter_field()
    samples_per_prompt = forms.IntegerField(
        min_value=1,
        max_value=20,
        required=False,
        label=_("Samples per prompt"),
        help_text=_("Empty: each model's own setting."),
    )


class RegisteredModelForm(forms.ModelForm):
    """Register a model under test, or change one (its registry name then stays as it is)."""

    # Local endpoints are plain http; a scheme-less address must not silently become https.
    base_url = forms.URLField(
        max_length=500,
        assume_scheme="http",
        label=_("Endpoint"),
        help_text=_("Ends in /v1, e.g. http://127.0.0.1:8089/v1."),
    )

    class Meta:
        model = RegisteredModel
        fields = [name for name in RegisteredModel.EDITABLE_FIELDS if name != "provider"]
        labels = {
            "name": _("Registry name"),
            "display_name": _("Display name"),
            "base_url": _("Endpoint"),
            "model_id": _("Model id"),
            "api_key_env": _("API key from (environment variable)"),
            "is_active": _("Active"),
            "system_prompt": _("System prompt"),
            "temperature": _("Temperature"),
            "top_p": "top_p",
            "max_tokens": "max_tokens",
            "seed": _("Seed"),
            "stop": _("Stop strings"),
            "samples_per_prompt": _("Samples per prompt"),
            "timeout_s": _("Timeout (seconds)"),
            "max_retries": _("Retries"),
            "max_concurrency": _("Concurrency"),
            "price_in_per_1m": _("Price per million input tokens"),
            "price_out_per_1m": _("Price per million output tokens"),
            "notes": _("Notes"),
        }
        widgets = {
            "system_prompt": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if self.instance.pk:
            # Exports and URLs name a model by it; a changed name would orphan them.
            self.fields["name"].disabled = True
