"""How pages name quality-control codes stored in rows and snapshots: where a final value came
from, and what a rating judge is flagged for, in the page's language."""

from __future__ import annotations

from django import template

from annotation.quality.selectors import PROVENANCE_LABELS, RATING_FLAG_LABELS

register = template.Library()


@register.filter
def provenance(source: str | None) -> str:
    return str(PROVENANCE_LABELS.get(source or "", source or "—"))


@register.filter
def rating_flag(flag: str) -> str:
    return str(RATING_FLAG_LABELS.get(flag, flag))
