from __future__ import annotations

from django import template

from models_registry.models import Response

register = template.Library()


@register.filter
def response_status(value: str) -> str:
    """A response status code (as grouped counts carry it) in the page's language."""
    return str(dict(Response.Status.choices).get(value, value))
