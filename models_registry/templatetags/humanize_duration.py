from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def duration_s(seconds: float | None) -> str:
    """A duration in seconds as '1 h 02 min', '3 min 05 s' or '12 s'."""
    if seconds is None:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"
