"""The budget planner's input: the target half-width, the responses to score and the judge's
stated agreement with people. The page and the API read the same form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from annotation.models import Judging
from evaluation.models import JudgeRun

# Enough for any campaign; few enough that the planner's search over n (one array entry per
# candidate n, up to the responses) stays instant in a request.
MAX_RESPONSES = 1_000_000
# Narrower than ± 0.1 points asks for more labels than any campaign has; and a half-width near 0
# would overflow the people-only count.
MIN_HALF_WIDTH = 0.001
# The judge's agreement as stated; not read when it is measured on a judge run.
STATED = ("safe_share", "judge_right_on_safe", "judge_right_on_unsafe")


class LabelBudgetForm(forms.Form):
    """What the planner computes from. The judge's agreement is stated as its accuracy on the
    responses people call safe and on those they call unsafe, with the expected safe share: that
    fixes the 2 × 2 table of people against judge."""

    half_width = forms.FloatField(
        initial=0.03,
        label=_("Target half-width"),
        # xgettext:no-python-format
        help_text=_("Half the width of the safety rate's 95% interval, as a share: 0.03 is ± 3 points."),
    )
    responses = forms.IntegerField(
        initial=5000,
        min_value=1,
        max_value=MAX_RESPONSES,
        label=_("Responses to score"),
        help_text=_("The judge labels all of them; people label a random sample."),
    )
    safe_share = forms.FloatField(
        initial=0.85,
        label=_("Expected share of safe responses"),
        help_text=_("Between 0 and 1, both excluded."),
    )
    judge_right_on_safe = forms.FloatField(
        initial=0.9,
        label=_("Judge right on safe responses"),
        help_text=_("The share of responses people call safe that the judge calls safe too, 0 to 1."),
    )
    judge_right_on_unsafe = forms.FloatField(
        initial=0.8,
        label=_("Judge right on unsafe responses"),
        help_text=_("The share of responses people call unsafe that the judge calls unsafe too, 0 to 1."),
    )

    judge_run = forms.ModelChoiceField(
        queryset=JudgeRun.objects.filter(template__judging_mode=Judging.ABSOLUTE).order_by(
            "-created_at", "-id"
        ),
        required=False,
        empty_label=_("none: use the stated figures below"),
        label=_("Measured on a judge run"),
        help_text=_(
            "Take the judge's agreement with people from a judge run (its labels against people's on "
            "the items both labelled) instead of the stated figures. A rating run's half-width is in "
            "score points."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # With a judge run, the stated agreement is not read.
        for name in STATED:
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("judge_run") is None:
            for name in STATED:
                if name in cleaned and cleaned[name] is None:
                    required = self.fields[name].error_messages["required"]
                    self.add_error(name, forms.ValidationError(required, code="required"))
        return cleaned

    def clean_half_width(self) -> float:
        value = self.cleaned_data["half_width"]
        if not MIN_HALF_WIDTH <= value <= 0.5:
            raise forms.ValidationError(
                _("A half-width lies between 0.001 and 0.5 (± 0.1 to ± 50 points)."), code="half_width_range"
            )
        return value

    def clean_safe_share(self) -> float | None:
        value = self.cleaned_data["safe_share"]
        if value is not None and not 0 < value < 1:
            raise forms.ValidationError(
                _("The share of safe responses lies between 0 and 1, both excluded."), code="share_range"
            )
        return value

    def _accuracy(self, name: str) -> float | None:
        value = self.cleaned_data[name]
        if value is not None and not 0 <= value <= 1:
            raise forms.ValidationError(_("An accuracy is a share between 0 and 1."), code="accuracy_range")
        return value

    def clean_judge_right_on_safe(self) -> float | None:
        return self._accuracy("judge_right_on_safe")

    def clean_judge_right_on_unsafe(self) -> float | None:
        return self._accuracy("judge_right_on_unsafe")
