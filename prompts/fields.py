"""Form fields for prompts' levels, domains and risk scenarios, as every app's filters use them:
optional, named in the language of the page."""

from __future__ import annotations

from django import forms
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from prompts.models import Domain, Level, Scenario


class BilingualNameChoiceField(forms.ModelChoiceField):
    """A domain or a risk scenario, named in the language of the page."""

    def label_from_instance(self, obj: Model) -> str:
        return obj.display_name  # type: ignore[attr-defined]


def level_filter_field() -> forms.ChoiceField:
    return forms.ChoiceField(choices=[("", _("any level")), *Level.choices], required=False, label=_("Level"))


def domain_filter_field(*, empty_label: str | None = None) -> BilingualNameChoiceField:
    return BilingualNameChoiceField(
        queryset=Domain.objects.all(),
        required=False,
        empty_label=empty_label or _("any domain"),
        label=_("Domain"),
    )


def scenario_filter_field() -> BilingualNameChoiceField:
    return BilingualNameChoiceField(
        queryset=Scenario.objects.all(),
        required=False,
        empty_label=_("any scenario"),
        label=_("Risk scenario"),
    )
