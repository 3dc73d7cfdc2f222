from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from annotation.models import Campaign, Judging
from evaluation.models import JudgeRun, JudgeTemplate
from metrics.model_judges import RESPONSE_TYPES
from models_registry.models import RegisteredModel
from prompts.models import Domain, Level, Scenario


class JudgeRunForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"))
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.all(), label=_("Campaign"))
    judge_models = forms.ModelMultipleChoiceField(
        queryset=RegisteredModel.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        label=_("Judge models"),
    )
    template = forms.ModelChoiceField(
        queryset=JudgeTemplate.objects.all(),
        required=False,
        label=_("Judging template"),
        empty_label=_("the built-in template of the campaign's kind (pairwise for a pairwise campaign)"),
    )
    domain = forms.ModelChoiceField(
        queryset=Domain.objects.all(), required=False, label=_("Only this domain")
    )
    scenario = forms.ModelChoiceField(
        queryset=Scenario.objects.all(), required=False, label=_("Only this risk scenario")
    )


class JudgeTemplateForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24}),
        label=_("Prompt"),
        help_text=_(
            "Placeholders: {prompt}, {response}, {guidelines}, {domain}, {scenario}; a pairwise "
            "template shows {response_1} and {response_2} instead of {response}."
        ),
    )


class JudgeTemplateCreateForm(JudgeTemplateForm):
    name = forms.SlugField(max_length=100, label=_("Name"))
    kind = forms.ChoiceField(choices=Level.choices, label=_("Kind"))
    judging_mode = forms.ChoiceField(
        choices=Judging.choices, initial=Judging.ABSOLUTE, required=False, label=_("Judging")
    )
    field_order = ["name", "kind", "judging_mode", "text"]

    def clean_judging_mode(self) -> str:
        # Absent (a script that predates pairwise templates): one answer at a time, as before.
        return self.cleaned_data.get("judging_mode") or Judging.ABSOLUTE


class MachineJudgementReviewForm(forms.Form):
    safe = forms.TypedChoiceField(
        choices=[("", "—"), ("true", _("safe")), ("false", _("unsafe"))],
        coerce=lambda v: v == "true",
        empty_value=None,
        required=False,
        label=_("Verdict"),
    )
    response_type = forms.ChoiceField(
        choices=[("", "—"), *[(t, t) for t in RESPONSE_TYPES]], required=False, label=_("Response type")
    )
    score = forms.IntegerField(min_value=1, max_value=10, required=False, label=_("Score"))
    # Pairwise: in the terms the judge saw the pair (answer 1, answer 2).
    choice = forms.ChoiceField(
        choices=[
            ("", "—"),
            ("1", _("Answer 1 is better")),
            ("2", _("Answer 2 is better")),
            ("tie", _("Tie")),
            ("both_bad", _("Both are bad")),
        ],
        required=False,
        label=_("Better answer"),
    )


class CampaignSuggestionsForm(forms.Form):
    suggestion_model = forms.ModelChoiceField(
        queryset=RegisteredModel.objects.all(),
        required=False,
        label=_("Suggest the verdict of"),
        empty_label=_("no suggestion"),
    )
    template = forms.ModelChoiceField(
        queryset=JudgeTemplate.objects.all(), required=False, label=_("Template")
    )
    share = forms.FloatField(
        min_value=0.01,
        max_value=1.0,
        initial=0.5,
        label=_("Share of items shown a suggestion"),
        help_text=_("The other items show none: they measure anchoring."),
    )


class CampaignTriageForm(forms.Form):
    triage_models = forms.ModelMultipleChoiceField(
        queryset=RegisteredModel.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Two judge models"),
    )
    template = forms.ModelChoiceField(
        queryset=JudgeTemplate.objects.all(), required=False, label=_("Template")
    )
    judges_needed = forms.IntegerField(
        min_value=1, max_value=20, initial=1, label=_("People an agreed item needs")
    )
    tolerance = forms.IntegerField(
        min_value=0, max_value=9, initial=1, label=_("Ratings: agree when at most this far apart")
    )


class CampaignPpiJudgeForm(forms.Form):
    """Whose labels the campaign's prediction-powered scores use. The lists offer the campaign's
    own runs and their judge models; any run or model is accepted here, so that one the campaign
    cannot use gets the service's refusal, the same words as in the admin."""

    ppi_run = forms.ModelChoiceField(
        queryset=JudgeRun.objects.all(),
        required=False,
        label=_("Judge run"),
        empty_label=_("the newest judge run of the campaign's kind"),
    )
    ppi_model = forms.ModelChoiceField(
        queryset=RegisteredModel.objects.all(),
        required=False,
        label=_("Judge model"),
        empty_label=_("the run's judge model with the most readable answers"),
    )

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        runs = (
            JudgeRun.objects.filter(
                campaign=campaign, template__kind=campaign.kind, template__judging_mode=Judging.ABSOLUTE
            )
            .select_related("template")
            .prefetch_related("generation_run__target_models")
        )
        run_choices = [("", self.fields["ppi_run"].empty_label)]
        model_choices: dict[int, str] = {}
        for run in runs:
            run_choices.append((run.pk, f"{run.name} · {run.template}"))
            model_choices.update({m.pk: m.name for m in run.generation_run.target_models.all()})
        self.fields["ppi_run"].widget.choices = run_choices
        self.fields["ppi_model"].widget.choices = [
            ("", self.fields["ppi_model"].empty_label),
            *sorted(model_choices.items(), key=lambda choice: choice[1]),
        ]
