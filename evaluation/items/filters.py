"""The item browser's search and filters (django-filter): each field narrows the query in the
database; what agreement and final value mean is defined in the selectors."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from annotation.models import Campaign, Item
from evaluation.items import selectors
from models_registry.models import RegisteredModel
from prompts.fields import BilingualNameChoiceField
from prompts.models import Domain, Scenario


class BilingualChoiceFilter(django_filters.ModelChoiceFilter):
    """A domain or risk scenario, named in the language of the page."""

    field_class = BilingualNameChoiceField


class ItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="text_filter",
        label=_("Search"),
        help_text=_("Words in the prompt or a response."),
        max_length=200,
    )
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.all(), empty_label=_("any campaign"), label=_("Campaign")
    )
    model = django_filters.ModelChoiceFilter(
        queryset=RegisteredModel.objects.all(), empty_label=_("any model"), label=_("Model")
    )
    scenario = BilingualChoiceFilter(
        field_name="prompt__scenario",
        queryset=Scenario.objects.all(),
        empty_label=_("any scenario"),
        label=_("Risk scenario"),
    )
    domain = BilingualChoiceFilter(
        queryset=Domain.objects.all(), empty_label=_("any domain"), label=_("Domain")
    )
    agreement = django_filters.ChoiceFilter(
        choices=selectors.AGREEMENT_CHOICES,
        method="agreement_filter",
        empty_label=_("any agreement"),
        label=_("Agreement"),
    )
    flagged = django_filters.ChoiceFilter(
        choices=[("yes", _("flagged: too fast or contradictory")), ("no", _("not flagged"))],
        method="flagged_filter",
        empty_label=_("flagged or not"),
        label=_("Flags"),
    )
    final = django_filters.ChoiceFilter(
        choices=selectors.FINAL_CHOICES,
        method="final_filter",
        empty_label=_("any final value"),
        label=_("Final value"),
    )

    class Meta:
        model = Item
        fields = ["q", "campaign", "model", "scenario", "domain", "agreement", "flagged", "final"]

    def text_filter(self, items: QuerySet[Item], name: str, value: Any) -> QuerySet[Item]:
        text = (value or "").strip()
        return selectors.items_matching_text(items, text) if text else items

    def agreement_filter(self, items: QuerySet[Item], name: str, value: Any) -> QuerySet[Item]:
        return items.filter(selectors.AGREEMENT_FILTERS[value])

    def flagged_filter(self, items: QuerySet[Item], name: str, value: Any) -> QuerySet[Item]:
        return items.filter(flagged=value == "yes")

    def final_filter(self, items: QuerySet[Item], name: str, value: Any) -> QuerySet[Item]:
        return items.filter(selectors.FINAL_FILTERS[value])
