"""Filters of the results and agreement pages (and of exports, which take the same scope)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from annotation.models import Campaign
from evaluation.figures.selectors import FigureScope
from models_registry.models import RegisteredModel
from prompts.fields import domain_filter_field, scenario_filter_field
from prompts.models import PromptSet

# Judgements are dated; outside this range a day is a typo or tampering (and date.max + 1 day,
# the end of an inclusive range, would overflow).
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2999, 12, 31)


class FigureFilterForm(forms.Form):
    """Filters of the results and agreement pages; every field is optional."""

    campaigns = forms.ModelMultipleChoiceField(
        # Tick boxes, not a list box that needs Ctrl-click to pick two.
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
        queryset=Campaign.objects.all(),
        required=False,
        label=_("Campaigns"),
        help_text=_("None chosen: every campaign."),
    )
    model = forms.ModelChoiceField(
        queryset=RegisteredModel.objects.all(), required=False, empty_label=_("any model"), label=_("Model")
    )
    domain = domain_filter_field()
    scenario = scenario_filter_field()
    since = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label=_("Judged from")
    )
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label=_("to"))
    include_incomplete = forms.BooleanField(
        required=False,
        label=_("Include incomplete items"),
        help_text=_("Off: only items that have all N judgements count."),
    )

    def __init__(self, *args: object, campaign: Campaign | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.campaign = campaign
        if campaign is not None:
            del self.fields["campaigns"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        for name in ("since", "until"):
            day = data.get(name)
            if day and not FIRST_DAY <= day <= LAST_DAY:
                self.add_error(
                    name,
                    _("Pick a day between %(first)s and %(last)s.")
                    % {"first": date_format(FIRST_DAY), "last": date_format(LAST_DAY)},
                )
        if since and until and since > until:
            raise forms.ValidationError(_("The first day comes after the last one."))
        return data

    def scope(self) -> FigureScope:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if self.campaign is not None:
            campaign_ids: tuple[int, ...] = (self.campaign.pk,)
        else:
            campaign_ids = tuple(c.pk for c in data.get("campaigns") or ())
        return FigureScope(
            campaign_ids=campaign_ids,
            model_id=data["model"].pk if data.get("model") else None,
            domain_id=data["domain"].pk if data.get("domain") else None,
            scenario_id=data["scenario"].pk if data.get("scenario") else None,
            since=data.get("since"),
            until=data.get("until"),
            include_incomplete=bool(data.get("include_incomplete")),
        )


class ExpertAnswersStartForm(forms.Form):
    """An expert-answers campaign from the results: the model, where its scores come from, and
    how many of its worst-answered prompts per domain experts answer."""

    name = forms.CharField(max_length=200, label=_("Campaign name"))
    model = forms.ModelChoiceField(queryset=RegisteredModel.objects.all(), label=_("Model"))
    n = forms.IntegerField(
        min_value=1,
        max_value=500,
        initial=20,
        label=_("Prompts per domain"),
        help_text=_("Per domain, the prompts whose answer by the model has the lowest final score."),
    )
    campaigns = forms.ModelMultipleChoiceField(
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
        queryset=Campaign.objects.filter(kind=Campaign.Kind.RESPONSIBILITY),
        required=False,
        label=_("Campaigns"),
        help_text=_("None chosen: every campaign."),
    )
    prompt_set = forms.ModelChoiceField(
        queryset=PromptSet.objects.all(),
        required=False,
        empty_label=_("any prompt set"),
        label=_("Prompt set"),
    )
    instructions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label=_("Instructions (Markdown)")
    )
