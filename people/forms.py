from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from common.roles import ROLE_LABELS, Role
from people.services import LOGIN_REFUSAL_ATTR
from people.sso import oidc_enabled
from prompts.models import Domain


class LoginForm(AuthenticationForm):
    """Django's login form, saying why a directory login was refused (people/ldap.py) rather than
    that the password was wrong."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            refusal = getattr(self.request, LOGIN_REFUSAL_ATTR, None)
            if refusal:
                raise forms.ValidationError(refusal, code="sign_in_refused") from None
            raise


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
        # With local passwords off a password would open nothing: the person comes in through LDAP
        # (by this username) or single sign-on (into an account of their own, see the help text).
        if not settings.LOCAL_PASSWORDS:
            del self.fields["password"]
        self.fields["username"].help_text = " ".join(str(text) for text in _how_people_sign_in())

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("Somebody already has this username."))
        return username

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


def _how_people_sign_in() -> list[str]:
    """What the username means for each way in that is on (docs/sso.md, "How accounts are matched")."""
    texts = []
    if settings.LDAP_SERVER_URI:
        texts.append(
            _(
                "Someone whose directory (LDAP) username is this one signs in to this account with "
                "their directory password."
            )
        )
    if oidc_enabled():
        texts.append(
            _(
                "Single sign-on does not use this account: a person gets an account of their own at "
                "their first sign-in, named after their account at the institution's provider (with "
                "-2, -3… when the name is taken). Give roles to that account afterwards."
            )
        )
    return texts


class PeopleSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=150, label=_("Username"))
    role = forms.ChoiceField(
        choices=lambda: [("", _("any role")), *_role_choices()], required=False, label=_("Role")
    )
