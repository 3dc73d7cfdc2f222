from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

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
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)d min %(seconds)02d s") % {"minutes": minutes, "seconds": secs}
    return _("%(seconds)d s") % {"seconds": secs}


@register.filter
def seconds_from_ms(milliseconds: float | None) -> str:
    """Time a person spent, read in seconds (one decimal) rather than raw milliseconds."""
    if milliseconds is None:
        return ""
    return _("%(seconds)s s") % {"seconds": number_format(milliseconds / 1000, decimal_pos=1)}


@register.filter
def minutes_left(minutes: int | None) -> str:
    """An estimate of the time left, in words: 'about 20 min left', 'about 1 h 05 min left'."""
    if minutes is None:
        return ""
    if minutes <= 1:
        return _("about a minute left")
    hours, rest = divmod(minutes, 60)
    if hours:
        return _("about %(hours)d h %(minutes)02d min left") % {"hours": hours, "minutes": rest}
    return _("about %(minutes)d min left") % {"minutes": minutes}
