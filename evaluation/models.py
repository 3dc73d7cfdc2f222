"""Evaluation keeps only derived figures: judgements and generations stay the source of truth."""

from __future__ import annotations

from django.db import models


class FigureSnapshot(models.Model):
    """Dashboard figures (results or agreement) for one scope, computed by a worker and cached.

    A scope is a set of campaigns and filters (model, domain, scenario, dates); ``key`` is a hash of
    it. ``source_marker`` records the judgements the figures were computed from (their count and
    latest change), so a refresh only recomputes what changed.
    """

    class Kind(models.TextChoices):
        RESULTS = "results"
        AGREEMENT = "agreement"

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        READY = "ready"
        FAILED = "failed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=64, help_text="sha256 of the kind and the scope.")
    scope = models.JSONField(help_text="Campaign ids and filters the figures cover.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    payload = models.JSONField(null=True, blank=True)
    source_marker = models.CharField(max_length=100, blank=True)
    judgements = models.PositiveIntegerField(
        default=0, help_text="Judgements the figures were computed from."
    )
    compute_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    viewed_at = models.DateTimeField(auto_now_add=True, help_text="Kept fresh while someone looks at it.")
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="figure_snapshot_unique_key")]
        indexes = [models.Index(fields=["viewed_at"], name="figure_snapshot_viewed")]

    def __str__(self) -> str:
        return f"{self.kind} snapshot {self.key[:8]}"
