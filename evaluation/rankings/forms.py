"""What a ranking ranks: the votes of one pairwise campaign, or of every one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from annotation.models import Campaign, Judging
from evaluation.figures.selectors import FigureScope
from evaluation.rankings.selectors import rankings_scope


class RankingsForm(forms.Form):
    """The page's and the API's one input; with nothing chosen, every pairwise campaign's votes."""

    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.filter(judging_mode=Judging.PAIRWISE),
        required=False,
        empty_label=_("every pairwise campaign"),
        label=_("Campaign"),
    )
    include_incomplete = forms.BooleanField(
        required=False,
        label=_("Include incomplete items"),
        help_text=_("Off: only items that have all N judgements count."),
    )

    def scope(self) -> FigureScope:
        data = self.cleaned_data
        return rankings_scope(
            campaign_ids=(data["campaign"].pk,) if data.get("campaign") else (),
            include_incomplete=bool(data.get("include_incomplete")),
        )
