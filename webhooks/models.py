"""Webhook endpoints that admins register, the events ValueLens emits, and one delivery row per
(event, endpoint) with each attempt's answer."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EventKind(models.TextChoices):
    GENERATION_RUN_FINISHED = "generation_run.finished", _("Generation run finished")
    CAMPAIGN_OPENED = "campaign.opened", _("Campaign opened")
    CAMPAIGN_COMPLETED = "campaign.completed", _("Campaign complete")
    EXPORT_READY = "export.ready", _("Export ready")
    QUALITY_FLAG_RAISED = "quality.flag_raised", _("Quality flag raised")
    AUTHORING_SUBMISSION_WAITING = (
        "authoring.submission_waiting",
        _("Authoring submission waiting for review"),
    )
    # Sent to one endpoint by its "Send a test event" button; nobody subscribes to it.
    TEST = "test", _("Test event")


SUBSCRIBABLE = [kind for kind in EventKind if kind != EventKind.TEST]


class Endpoint(models.Model):
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("URL"), max_length=2000)
    events = models.JSONField(_("events"), default=list, help_text=_("The kinds of event sent to it."))
    # Kept to sign each delivery (a hash could not sign); shown once, when it is made.
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name

    def event_labels(self) -> list[str]:
        labels = dict(EventKind.choices)
        return [str(labels[code]) for code in self.events if code in labels]


class Event(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=64, choices=EventKind.choices)
    # Ids and links only: never a judgement's text, a prompt, an answer or a key.
    payload = models.JSONField(default=dict)
    # An event that a periodic check finds (a campaign complete) is emitted once per key.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("webhook delivery", "Waiting")
        SUCCEEDED = "succeeded", pgettext_lazy("webhook delivery", "Delivered")
        FAILED = "failed", pgettext_lazy("webhook delivery", "Failed")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField()
    # Failing attempts after this mark the delivery failed; "Send again" moves it on.
    expires_at = models.DateTimeField()
    # The task delivery sending it now (common.queue.delivery_token) and until when it may.
    claim = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once")]
        indexes = [
            models.Index(fields=["endpoint", "status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_sweep"),
            # The retention prune reads the oldest rows a batch at a time, never the whole log.
            models.Index(fields=["created_at"], name="webhook_delivery_age"),
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.endpoint_id}"


class Attempt(models.Model):
    """One request of a delivery: what the receiver answered, or why there was no answer."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_rows")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id}: {self.status_code or self.error[:40]}"
