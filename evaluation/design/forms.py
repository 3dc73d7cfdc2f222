"""The study designer's input: judges' competences (stated, or an earlier campaign's measured
ones), the expected share of safe responses and the target interval widths. The page and the API
read the same form."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from annotation.models import Campaign
from annotation.quality.selectors import judges_competence

MAX_JUDGES = 7
# A pool of stated judges: enough for any design, few enough to type.
MAX_STATED = 50


def _competences(text: str) -> list[float]:
    # Commas (Latin or Chinese), semicolons or spaces between the numbers.
    parts = [p for p in re.split(r"[\s,，;；]+", text.strip()) if p]
    values = []
    for part in parts:
        try:
            values.append(float(part))
        except ValueError:
            raise forms.ValidationError(
                _("“%(value)s” is not a number: give shares right such as 0.9, 0.85."),
                code="not_a_number",
                params={"value": part},
            ) from None
    return values


class StudyDesignForm(forms.Form):
    """What the designer simulates. Either a campaign (its judges' stored competences) or stated
    competences; one stated value stands for a pool of identical judges, as many as needed."""

    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.filter(kind=Campaign.Kind.SAFETY).order_by("-pk"),
        required=False,
        empty_label=_("none: use the stated competences"),
        label=_("Competences measured in a campaign"),
        help_text=_("Its judges' competence (Dawid–Skene), as the quality page shows it."),
    )
    competences = forms.CharField(
        required=False,
        max_length=1000,
        label=_("Stated competences"),
        help_text=_(
            "The share of verdicts each judge gets right, 0.5 to 1, separated by commas: one value "
            "for a pool of identical judges, or one per judge of the pool."
        ),
    )
    safe_share = forms.FloatField(
        initial=0.85,
        label=_("Expected share of safe responses"),
        help_text=_("Between 0 and 1, both excluded."),
    )
    score_width = forms.FloatField(
        initial=0.06,
        label=_("Target width of the safety score's interval"),
        # xgettext:no-python-format
        help_text=_("The full width of its 95% interval, as a share: 0.06 is ± 3 points."),
    )
    alpha_width = forms.FloatField(
        initial=0.1,
        label=_("Target width of α's interval"),
        # xgettext:no-python-format
        help_text=_("The full width of the 95% interval of Krippendorff's α: 0.1 is ± 0.05."),
    )
    max_judges = forms.IntegerField(
        initial=5,
        min_value=1,
        max_value=MAX_JUDGES,
        label=_("Judges per item, up to"),
        help_text=_("Designs from 1 judge per item up to this many (at most 7)."),
    )

    def clean_competences(self) -> list[float]:
        values = _competences(self.cleaned_data.get("competences") or "")
        wrong = [v for v in values if not 0.5 <= v <= 1]
        if wrong:
            raise forms.ValidationError(
                _("A competence is a share right between 0.5 and 1 (0.5 is a coin toss): %(value)s is not."),
                code="competence_range",
                params={"value": number_format(wrong[0])},
            )
        if len(values) > MAX_STATED:
            raise forms.ValidationError(
                _("At most %(n)s competences, one per judge."), code="too_many", params={"n": MAX_STATED}
            )
        return values

    def clean_safe_share(self) -> float:
        value = self.cleaned_data["safe_share"]
        if not 0 < value < 1:
            raise forms.ValidationError(
                _("The share of safe responses lies between 0 and 1, both excluded."), code="share_range"
            )
        return value

    def _width(self, name: str, upper: float) -> float:
        value = self.cleaned_data[name]
        if value <= 0:
            raise forms.ValidationError(_("A width is above 0."), code="width_positive")
        if value > upper:
            raise forms.ValidationError(
                _("A width of at most %(upper)s: wider says nothing."),
                code="width_too_wide",
                params={"upper": number_format(upper)},
            )
        return value

    def clean_score_width(self) -> float:
        return self._width("score_width", 1.0)

    def clean_alpha_width(self) -> float:
        return self._width("alpha_width", 2.0)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        campaign, stated = data.get("campaign"), data.get("competences")
        if self.has_error("competences"):
            return data
        if campaign is not None and stated:
            self.add_error("competences", _("Choose a campaign or state competences, not both."))
        elif campaign is not None:
            measured = sorted(
                s.competence.value
                for s in judges_competence([campaign.pk]).values()
                if s.competence.value is not None
            )
            if not measured:
                self.add_error(
                    "campaign",
                    _("No competence is stored for this campaign yet: its quality page computes it."),
                )
            data["pool"] = measured
        elif stated:
            data["pool"] = stated[0] if len(stated) == 1 else stated
        else:
            self.add_error("competences", _("State the judges' competences, or choose a campaign."))
        return data

    def parameters(self) -> dict[str, Any]:
        """The simulation's parameters (a valid form): what the result is keyed by."""
        data = self.cleaned_data
        pool = data["pool"]
        return {
            "competences": round(pool, 4) if isinstance(pool, float) else [round(v, 4) for v in pool],
            "campaign_id": data["campaign"].pk if data.get("campaign") else None,
            "safe_share": data["safe_share"],
            "score_width": data["score_width"],
            "alpha_width": data["alpha_width"],
            "max_judges": data["max_judges"],
        }
