"""A person's profile: pseudonym, expert domains and preferences (roles are groups, common.roles)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from prompts.models import Domain


class AnnotatorProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annotator_profile"
    )
    domains = models.ManyToManyField(
        Domain,
        blank=True,
        related_name="experts",
        help_text=_("Domains this expert is qualified to rate."),
    )
    pseudonym = models.CharField(
        max_length=32,
        unique=True,
        help_text=_("Stable pseudonymous id used in exports instead of the username."),
    )
    language = models.CharField(
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The interface language this person chose; empty: their browser's."),
    )
    shortcuts = models.BooleanField(
        default=True,
        db_default=True,
        help_text=_("Single-key shortcuts on the judging page (off: only Enter in a field and Ctrl+Enter)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table predates the people app; keeping its name moved the model without a copy.
        db_table = "annotation_annotatorprofile"

    def __str__(self) -> str:
        return f"profile of user {self.user_id}"


class SingleSignOnAccount(models.Model):
    """An outside identity, bound to one person: an OpenID Connect provider's issuer and subject, or
    an LDAP server's URI and the entry's SSO_LDAP_ID_ATTRIBUTE (entryUUID, AD's objectGUID; people/ldap.py).

    A person signs in by this pair, never by a username or e-mail the provider sends, so that nobody
    can take over an account by choosing its name at the provider (docs/sso.md)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="single_sign_on_accounts"
    )
    issuer = models.URLField(
        _("issuer"), max_length=255, help_text=_("The OpenID Connect issuer, or the LDAP server's URI.")
    )
    subject = models.CharField(
        _("subject"),
        max_length=255,
        help_text=_("The provider's subject, or the directory entry's entryUUID."),
    )
    created_at = models.DateTimeField(_("bound at"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True)

    class Meta:
        verbose_name = _("single sign-on account")
        verbose_name_plural = _("single sign-on accounts")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_account_unique_identity")
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject}"
