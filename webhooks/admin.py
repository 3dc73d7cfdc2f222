"""The Django admin shows endpoints and deliveries; changes go through the same services as the
webhook pages (one rule for every way in). New endpoints are made on the Webhooks page, which shows
their secret once; the secret is never shown here."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from webhooks.forms import EndpointForm
from webhooks.models import Delivery, Endpoint, Event
from webhooks.services import (
    EndpointInput,
    WebhookRejected,
    endpoint_delete,
    endpoint_input_check,
    endpoint_update,
)


class EndpointAdminForm(forms.ModelForm):
    url = EndpointForm.base_fields["url"]
    events = EndpointForm.base_fields["events"]

    class Meta:
        model = Endpoint
        fields = ["name", "url", "events", "is_active"]

    def clean(self) -> dict:
        data = super().clean()
        try:
            endpoint_input_check(EndpointInput.of(data))
        except WebhookRejected as refused:
            raise ValidationError({refused.field or "__all__": refused.message}) from refused
        return data


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointAdminForm
    list_display = ["name", "url", "is_active", "created_at"]
    list_filter = ["is_active"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Endpoint, form: forms.ModelForm, change: bool) -> None:
        endpoint_update(endpoint=obj, data=EndpointInput.of(form.cleaned_data), by=request.user)

    # Deleting goes through the service, as on the API: the events only it was sent go too.
    def delete_model(self, request: HttpRequest, obj: Endpoint) -> None:
        endpoint_delete(endpoint=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            endpoint_delete(endpoint=endpoint, by=request.user)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["pk", "endpoint", "event", "status", "attempts", "last_status_code", "next_attempt_at"]
    list_filter = ["status", "endpoint"]
    list_select_related = ["endpoint", "event"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["uuid", "kind", "created_at"]
    list_filter = ["kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False
