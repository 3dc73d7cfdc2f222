from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from annotation.inputs import AdjudicationInput, CheckAnswer, verdict_safe
from annotation.models import Campaign, ItemPurpose, Preference
from annotation.quality.settings import QUALITY_SETTINGS
from prompts.models import ResponseType

# Scores run from 1 to 10; the services refuse others, the browser's bounds only help.
SCORE_WIDGET = forms.NumberInput(attrs={"min": 1, "max": 10})


class QualitySettingsForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = list(QUALITY_SETTINGS)
        labels = {
            "gold_rate": _("Gold rate (0 to 1)"),
            "training": _("Training phase: explain each gold item"),
            "attention_every": _("Attention item every k items (0: never)"),
            "failures_allowed": _("F: failures before a warning (one more pauses; 0: never)"),
            "qualification_pass_mark": _("Qualification pass mark (0 to 1; empty: none)"),
            "qualification_from": _("Reuse the qualification of"),
            "adjudication_threshold": _("Adjudicate items whose majority share is below"),
            "adjudication_sample": _("Share of the other items sampled for adjudication"),
            "judges_max": _("Adaptive overlap: at most this many judges (empty: fixed N)"),
            "competence_min": _("Competence bar (0 to 1)"),
            "rating_bias_max": _("Ratings: flag a bias beyond ± this many points"),
            "rating_spread_max": _("Ratings: flag a spread above this many points"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["qualification_from"].queryset = Campaign.objects.filter(kind=self.instance.kind).exclude(
            pk=self.instance.pk
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("gold_rate", "adjudication_threshold", "adjudication_sample", "competence_min"):
            value = data.get(name)
            if value is not None and not 0 <= value <= 1:
                self.add_error(name, _("Give a value from 0 to 1."))
        for name in ("rating_bias_max", "rating_spread_max"):
            value = data.get(name)
            if value is not None and not 0 < value <= 9:
                self.add_error(name, _("Give a number of points above 0 and at most 9."))
        mark = data.get("qualification_pass_mark")
        if mark is not None and not 0 < mark <= 1:
            self.add_error("qualification_pass_mark", _("Give a pass mark above 0 and at most 1."))
        judges_max = data.get("judges_max")
        if judges_max is not None:
            if self.instance.kind != Campaign.Kind.SAFETY:
                self.add_error("judges_max", _("Adaptive overlap is for safety campaigns."))
            elif not 3 <= judges_max <= 20:
                self.add_error("judges_max", _("Give at most 3 to 20 judges."))
            elif self.instance.judges_max is None and self.instance.pk and self.instance.judgements.exists():
                self.add_error("judges_max", _("Adaptive overlap is chosen before the first judgement."))
        return data


class CheckItemForm(forms.Form):
    item = forms.IntegerField(label=_("Item id"))
    purpose = forms.ChoiceField(choices=ItemPurpose.choices, label=_("Purpose"))
    safe = forms.TypedChoiceField(
        choices=[("", "—"), ("safe", _("safe")), ("unsafe", _("unsafe"))],
        coerce=verdict_safe,
        empty_value=None,
        required=False,
        label=_("Known verdict"),
    )
    response_types = forms.MultipleChoiceField(
        choices=ResponseType.choices, required=False, label=_("Accepted response types (none: any)")
    )
    score_min = forms.IntegerField(widget=SCORE_WIDGET, required=False, label=_("Lowest accepted score"))
    score_max = forms.IntegerField(widget=SCORE_WIDGET, required=False, label=_("Highest accepted score"))
    preferred = forms.ChoiceField(
        choices=[("", "—"), *Preference.choices], required=False, label=_("Pairs: the known better answer")
    )
    explanation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Explanation")
    )

    def check_answer(self) -> CheckAnswer:
        return CheckAnswer.of(self.cleaned_data)


class CheckImportForm(forms.Form):
    file = forms.FileField(label=_("JSONL or CSV file"))


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, label=_("Why"))


class AdjudicationForm(forms.Form):
    verdict = forms.TypedChoiceField(
        choices=[("", _("choose…")), ("safe", _("safe")), ("unsafe", _("unsafe"))],
        coerce=verdict_safe,
        empty_value=None,
        required=False,
        label=_("Final label"),
    )
    score = forms.IntegerField(widget=SCORE_WIDGET, required=False, label=_("Final score"))
    preferred = forms.ChoiceField(
        choices=[("", _("choose…")), *Preference.choices], required=False, label=_("Final better answer")
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Note"))

    def adjudication_input(self) -> AdjudicationInput:
        data = self.cleaned_data
        return AdjudicationInput(
            safe=data["verdict"],
            score=data["score"],
            note=data["note"],
            preferred=data.get("preferred") or "",
        )
