"""The webhooks API's shapes. An endpoint's fields are the page form's (`EndpointInput`), checked
by the same service; the secret is in the answer to a create (or a new secret) only."""

from __future__ import annotations

from rest_framework import serializers

from webhooks.models import SUBSCRIBABLE, Delivery, Endpoint
from webhooks.services import EndpointInput


class EndpointSerializer(serializers.ModelSerializer):
    waiting = serializers.IntegerField(
        read_only=True, default=0, help_text="Deliveries waiting or being retried."
    )
    failed = serializers.IntegerField(read_only=True, default=0, help_text="Deliveries that failed for good.")
    last_delivery_at = serializers.DateTimeField(read_only=True, default=None, allow_null=True)

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "name",
            "url",
            "events",
            "is_active",
            "created_at",
            "updated_at",
            "waiting",
            "failed",
            "last_delivery_at",
        ]
        read_only_fields = fields


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret, in this answer only: it is never shown again (a new one replaces it).",
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class EndpointWriteSerializer(serializers.Serializer):
    """The page form's fields; the service checks them (the same words on every way in)."""

    name = serializers.CharField(max_length=200, allow_blank=True)
    url = serializers.CharField(
        max_length=2000, allow_blank=True, help_text="https:// or http://, with a host."
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=[(kind.value, kind.label) for kind in SUBSCRIBABLE]),
        allow_empty=True,
    )
    is_active = serializers.BooleanField(default=True, help_text="A disabled endpoint is sent nothing.")

    def endpoint_input(self, *, current: Endpoint | None = None) -> EndpointInput:
        """A partial update (PATCH) keeps the fields it does not name."""
        values = dict(self.validated_data)
        if current is not None:
            kept = {"name": current.name, "url": current.url, "events": current.events}
            values = {**kept, "is_active": current.is_active, **values}
        return EndpointInput.of(values)


class DeliverySerializer(serializers.ModelSerializer):
    event = serializers.UUIDField(source="event.uuid", read_only=True, help_text="X-ValueLens-Event-Id.")
    kind = serializers.CharField(source="event.kind", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "endpoint",
            "event",
            "kind",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "last_attempt_at",
            "next_attempt_at",
            "expires_at",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields
