from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from annotation.human_sample import (
    HumanSampleRejected,
    campaign_human_sample_set,
    human_sample_changeable_checked,
    human_sample_checked,
)
from annotation.models import AuditEntry, Campaign, CampaignProtocol, Item, Judgement
from annotation.protocol.services import campaign_settings_save
from annotation.quality.settings import QUALITY_SETTINGS
from annotation.services import campaign_status_set

HUMAN_SAMPLE = ("human_sample_rate", "human_sample_count", "human_sample_by_group")


class CampaignAdminForm(forms.ModelForm):
    """The human sample's rules as on the campaign page and the API (``human_sample_checked``), and
    no change once people have judged; shown beside the field before save_model draws the sample
    (``campaign_human_sample_set``, which checks the same again)."""

    class Meta:
        model = Campaign
        # The admin lists the fields it shows (its readonly ones left out); a narrower list here
        # would be the admin's list too.
        fields = "__all__"  # noqa: DJ007

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(name in self.changed_data for name in HUMAN_SAMPLE):
            return cleaned
        try:
            human_sample_checked(
                rate=cleaned.get("human_sample_rate"),
                count=cleaned.get("human_sample_count"),
                by_group=bool(cleaned.get("human_sample_by_group")),
                judging_mode=self.instance.judging_mode,
            )
            if self.instance.pk:
                human_sample_changeable_checked(campaign=self.instance)
        except HumanSampleRejected as refused:
            self.add_error(refused.field if refused.field in self.fields else None, refused.message)
        return cleaned


def _status_action(status: str):
    @admin.action(description=f"Set status: {status}", permissions=["change"])
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        for campaign in queryset:
            try:
                campaign_status_set(campaign=campaign, status=status, by=request.user)
            except ValueError as exc:
                modeladmin.message_user(request, f"{campaign}: {exc}", level=messages.ERROR)

    action.__name__ = f"status_{status}"
    return action


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """Kind, N, the way of judging, the pair plan and the items (the response set) are fixed at
    creation; the status moves only
    through campaign_status_set (the actions), as on the campaign pages. Quality-control settings
    change on the campaign's quality page, which checks them together."""

    form = CampaignAdminForm
    list_display = ["name", "kind", "judges_per_item", "status", "blind", "min_seconds", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [
        "kind",
        "judges_per_item",
        "judging_mode",
        "pair_plan",
        "pair_reference",
        "pair_side_safety",
        "active_sampling",
        "status",
        "seed",
        "human_sample_seed",
        "created_by",
        "created_at",
        *QUALITY_SETTINGS,
    ]
    actions = [
        _status_action(s) for s in (Campaign.Status.OPEN, Campaign.Status.PAUSED, Campaign.Status.CLOSED)
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Campaigns are made from responses on the campaign page, which creates their items.
        return False

    def save_model(self, request: HttpRequest, obj: Campaign, form: forms.ModelForm, change: bool) -> None:
        # The one save of settings, as on the pages and the API: an open campaign logs the change.
        if not change:
            super().save_model(request, obj, form, change)
            return
        wanted = {name: getattr(obj, name) for name in HUMAN_SAMPLE}
        sample_changed = any(name in form.changed_data for name in HUMAN_SAMPLE)
        if sample_changed:
            # The sample moves only through its service, which draws it again (and logs it).
            stored = Campaign.objects.get(pk=obj.pk)
            for name in HUMAN_SAMPLE:
                setattr(obj, name, getattr(stored, name))
        fields = [name for name in form.changed_data if name not in HUMAN_SAMPLE]
        campaign_settings_save(campaign=obj, fields=fields, by=request.user)
        if sample_changed:
            campaign_human_sample_set(
                campaign=obj,
                rate=wanted["human_sample_rate"],
                count=wanted["human_sample_count"],
                by_group=wanted["human_sample_by_group"],
                by=request.user,
            )

    def has_delete_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        # Deleting a campaign would delete its judgements with it; only an untouched draft may go.
        return (
            obj is not None
            and obj.status == Campaign.Status.DRAFT
            and not obj.judgements.exists()
            and super().has_delete_permission(request, obj)
        )


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["id", "campaign", "prompt", "model", "judgement_count", "lease_count", "open_slots"]
    list_filter = ["campaign"]
    readonly_fields = [
        "campaign",
        "prompt",
        "model",
        "model_b",
        "domain",
        "position",
        "judgement_count",
        "lease_count",
        "open_slots",
        # Drawn by the campaign's human sample (annotation.human_sample), never by hand.
        "sampled",
    ]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Item | None = None) -> bool:
        return False


@admin.register(Judgement)
class JudgementAdmin(admin.ModelAdmin):
    """Read-only: a judgement is never deleted nor changed here; a reviewer voids it (with a
    reason) on its void page, which keeps the item counters right."""

    list_display = [
        "id",
        "campaign",
        "item",
        "user",
        "safe",
        "score",
        "time_spent_ms",
        "too_fast",
        "contradictory",
        "voided_at",
        "created_at",
    ]
    list_filter = ["campaign", "safe", "too_fast", "contradictory", ("voided_at", admin.EmptyFieldListFilter)]
    readonly_fields = [*(f.name for f in Judgement._meta.fields), "void_page"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Judgement | None = None) -> bool:
        return False

    @admin.display(description="void")
    def void_page(self, obj: Judgement) -> str:
        if obj.voided_at is not None:
            return "voided"
        return format_html('<a href="{}">Void this judgement…</a>', reverse("annotation:void", args=[obj.pk]))


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Protocols and audit entries are evidence: the admin shows them and changes nothing."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CampaignProtocol)
class CampaignProtocolAdmin(_ReadOnlyAdmin):
    list_display = ["campaign", "sha256", "frozen_at", "frozen_by", "head_seq"]
    readonly_fields = ["campaign", "sha256", "frozen_at", "frozen_by", "head_seq", "head_hash", "canonical"]


@admin.register(AuditEntry)
class AuditEntryAdmin(_ReadOnlyAdmin):
    list_display = ["campaign", "seq", "at", "actor_name", "action", "hash"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    show_full_result_count = False
