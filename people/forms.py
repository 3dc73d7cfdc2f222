from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from common.roles import ROLE_LABELS, Role
from prompts.models import Domain


class BilingualDomainsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


def _role_choices() -> list[tuple[str, str]]:
    return [(role.value, ROLE_LABELS[role]) for role in Role]


class PersonRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=_role_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
        label=_("Roles"),
    )
    domains = BilingualDomainsField(
        queryset=Domain.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
        label=_("Expert domains"),
        help_text=_("The responsibility domains an expert may rate."),
    )

    def cleaned_roles(self) -> set[Role]:
        return {Role(value) for value in self.cleaned_data["roles"]}


class PersonCreateForm(PersonRolesForm):
    username = forms.CharField(max_length=150, label=_("Username"))
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        label=_("Password"),
        help_text=_("Give it to the person over a safe channel."),
    )
    field_order = ["username", "password", "roles", "domains"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # With local passwords off the person signs in through single sign-on or LDAP, by this
        # username: a password would open nothing.
        if not settings.LOCAL_PASSWORDS:
            del self.fields["password"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("Somebody already has this username."))
        return username

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class PeopleSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=150, label=_("Username"))
    role = forms.ChoiceField(
        choices=lambda: [("", _("any role")), *_role_choices()], required=False, label=_("Role")
    )
