from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from annotation.models import AnnotatorProfile, Campaign, Item, Judgement


class AnnotatorProfileInline(admin.StackedInline):
    model = AnnotatorProfile
    can_delete = False
    filter_horizontal = ["domains"]
    readonly_fields = ["pseudonym"]
    verbose_name = "qualifications"


class ValueLensUserAdmin(UserAdmin):
    inlines = [AnnotatorProfileInline]
    list_display = ["username", "email", "is_active", "is_staff", "roles"]
    list_filter = ["groups", "is_active", "is_staff"]

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(g.name for g in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        from annotation.services import annotator_profile_get_or_create

        annotator_profile_get_or_create(user=form.instance)


admin.site.unregister(User)
admin.site.register(User, ValueLensUserAdmin)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "judges_per_item", "status", "blind", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["created_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Campaigns are made from responses on the campaign page, which creates their items.
        return False


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["id", "campaign", "prompt", "model", "judgement_count", "lease_count", "open_slots"]
    list_filter = ["campaign"]
    readonly_fields = [
        "campaign",
        "prompt",
        "model",
        "domain",
        "judgement_count",
        "lease_count",
        "open_slots",
    ]
    show_full_result_count = False


@admin.register(Judgement)
class JudgementAdmin(admin.ModelAdmin):
    list_display = ["id", "campaign", "item", "user", "safe", "score", "time_spent_ms", "created_at"]
    list_filter = ["campaign", "safe"]
    readonly_fields = [f.name for f in Judgement._meta.fields]
    show_full_result_count = False
