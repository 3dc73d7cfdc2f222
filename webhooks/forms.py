from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.models import SUBSCRIBABLE, Endpoint
from webhooks.services import EndpointInput


class EndpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    url = forms.URLField(
        label=_("URL"),
        max_length=2000,
        assume_scheme="https",
        help_text=_("ValueLens sends each event there as a signed HTTP request."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(kind.value, kind.label) for kind in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(
        label=_("Active"), required=False, initial=True, help_text=_("A disabled endpoint is sent nothing.")
    )

    @classmethod
    def of(cls, endpoint: Endpoint, data: object = None) -> EndpointForm:
        initial = {
            "name": endpoint.name,
            "url": endpoint.url,
            "events": endpoint.events,
            "is_active": endpoint.is_active,
        }
        return cls(data, initial=initial)

    def cleaned_input(self) -> EndpointInput:
        return EndpointInput.of(self.cleaned_data)
