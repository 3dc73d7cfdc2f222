from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from people.models import AnnotatorProfile, SingleSignOnAccount
from people.services import annotator_profile_get_or_create


class AnnotatorProfileInline(admin.StackedInline):
    model = AnnotatorProfile
    can_delete = False
    filter_horizontal = ["domains"]
    readonly_fields = ["pseudonym"]
    verbose_name = "qualifications"


class SingleSignOnAccountInline(admin.TabularInline):
    """The outside identities bound to the person (docs/sso.md, "How accounts are matched"): an
    admin deletes one to let its person sign in elsewhere, or moves one to a new LDAP_SERVER_URI."""

    model = SingleSignOnAccount
    extra = 0
    fields = ["issuer", "subject", "created_at", "last_login_at"]
    readonly_fields = ["created_at", "last_login_at"]


class ValueLensUserAdmin(UserAdmin):
    inlines = [AnnotatorProfileInline, SingleSignOnAccountInline]
    list_display = ["username", "email", "is_active", "is_staff", "roles"]
    list_filter = ["groups", "is_active", "is_staff"]

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(g.name for g in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        annotator_profile_get_or_create(user=form.instance)


admin.site.unregister(User)
admin.site.register(User, ValueLensUserAdmin)
