"""webhooks' REST API routes (config/api_urls.py includes them under `webhooks/`)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from webhooks import api

router = SimpleRouter()
router.register("endpoints", api.EndpointApi, basename="webhook_endpoint")

urlpatterns = [
    path(
        "deliveries/<int:delivery_id>/resend/",
        api.DeliveryResendApi.as_view(),
        name="webhook_delivery_resend",
    ),
    *router.urls,
]
