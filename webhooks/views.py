"""Webhook endpoints (admins only): list, create (the secret shown once), edit and disable, a
test event, the deliveries log with each answer, and "Send again" (htmx)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.pagination import page_of
from common.roles import admin_required
from webhooks import selectors, services
from webhooks.forms import EndpointForm
from webhooks.models import Delivery, Endpoint


def _secret_page(request: HttpRequest, endpoint: Endpoint, secret: str) -> HttpResponse:
    # Rendered, never redirected to: the secret is in this one response and nowhere else.
    response = render(request, "webhooks/secret.html", {"endpoint": endpoint, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@admin_required
def endpoint_list(request: HttpRequest) -> HttpResponse:
    return render(request, "webhooks/list.html", {"endpoints": selectors.endpoints_list()})


@admin_required
@require_http_methods(["GET", "POST"])
def endpoint_create(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(data=form.cleaned_input(), by=request.user)
        except services.WebhookRejected as refused:
            form.add_error(refused.field or None, refused.message)
        else:
            return _secret_page(request, endpoint, secret)
    status = 400 if form.errors else 200
    return render(request, "webhooks/form.html", {"form": form}, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def endpoint_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    form = EndpointForm.of(endpoint, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(endpoint=endpoint, data=form.cleaned_input(), by=request.user)
        except services.WebhookRejected as refused:
            form.add_error(refused.field or None, refused.message)
        else:
            messages.success(request, _("Endpoint %(name)s saved.") % {"name": endpoint.name})
            return redirect("webhooks:detail", endpoint_id=endpoint.pk)
    status_filter = request.GET.get("status", "")
    if status_filter not in Delivery.Status.values:
        status_filter = ""
    page = page_of(request, selectors.deliveries_of(endpoint=endpoint, status=status_filter))
    context = {
        "endpoint": endpoint,
        "form": form,
        "page": page,
        "status_filter": status_filter,
        "statuses": Delivery.Status.choices,
    }
    return render(request, "webhooks/detail.html", context, status=400 if form.errors else 200)


@admin_required
@require_POST
def endpoint_test(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    try:
        services.endpoint_test_send(endpoint=endpoint, by=request.user)
    except services.WebhookRejected as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("A test event is on its way; its delivery is at the top of the log."))
    return redirect("webhooks:detail", endpoint_id=endpoint.pk)


@admin_required
@require_POST
def endpoint_secret(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    secret = services.endpoint_secret_rotate(endpoint=endpoint, by=request.user)
    return _secret_page(request, endpoint, secret)


@admin_required
@require_POST
def delivery_resend(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery.objects.select_related("event"), pk=delivery_id)
    error = ""
    try:
        delivery = services.delivery_resend(delivery=delivery, by=request.user)
    except services.WebhookRejected as refused:
        error = refused.message
    if request.htmx:
        delivery = Delivery.objects.select_related("event").filter(pk=delivery.pk).first() or delivery
        return render(
            request,
            "webhooks/_delivery_row.html",
            {"delivery": delivery, "error": error, "resent": not error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The delivery will be sent again."))
    return redirect("webhooks:detail", endpoint_id=delivery.endpoint_id)
