"""People and annotation. Campaigns, items and judgements arrive with the annotation workspace."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from prompts.models import Domain


class AnnotatorProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annotator_profile"
    )
    domains = models.ManyToManyField(
        Domain,
        blank=True,
        related_name="experts",
        help_text="Domains this expert is qualified to rate.",
    )
    pseudonym = models.CharField(
        max_length=32,
        unique=True,
        help_text="Stable pseudonymous id used in exports instead of the username.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"profile of user {self.user_id}"
