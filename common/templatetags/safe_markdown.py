"""Template filters for Markdown: the renderer and its sanitiser live in common/markdown.py.
common is no app, so the settings name this library (TEMPLATES' "libraries"): every app's
templates load it as `{% load safe_markdown %}`, the authoring pages before annotation's included."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from common.markdown import ALLOWED_TAGS, MODEL_TAGS, markdown_html, model_markdown_html

register = template.Library()

__all__ = ["ALLOWED_TAGS", "MODEL_TAGS", "markdown", "model_markdown"]


@register.filter
def markdown(text: str) -> SafeString:
    """Guidelines in Markdown, rendered and cleaned (common/markdown.py)."""
    return markdown_html(text)


@register.filter
def model_markdown(text: str) -> SafeString:
    """A model's answer as Markdown; HTML in it shows as text (common/markdown.py)."""
    return model_markdown_html(text)
