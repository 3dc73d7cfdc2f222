"""How a pairwise judgement reads to its judge: in their own left/right terms, never A/B."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from annotation.models import Judgement, Preference
from annotation.pairs import LEFT, RIGHT, choice_of

register = template.Library()


@register.filter
def pair_choice(judgement: Judgement) -> str:
    """'Left clearly better', 'Tie' … as the judge chose it."""
    choice = choice_of(preferred=judgement.preferred, a_on_left=judgement.a_on_left)
    labels = {
        (LEFT, "clearly"): _("Left clearly better"),
        (LEFT, "slightly"): _("Left slightly better"),
        (RIGHT, "clearly"): _("Right clearly better"),
        (RIGHT, "slightly"): _("Right slightly better"),
        ("tie", None): _("Tie: equally good"),
        ("both_bad", None): _("Both are bad"),
    }
    return labels.get((choice, judgement.strength), "")


@register.filter
def pair_sides_of(judgement: Judgement) -> list[tuple[str, Any]]:
    """The judged pair's responses (prefetched as ``item.responses_shown``, A then B) as
    (side label, response row) in the order the judge saw them."""
    rows = list(getattr(judgement.item, "responses_shown", []))
    if len(rows) != 2 or judgement.a_on_left is None:
        return []
    left, right = rows if judgement.a_on_left else reversed(rows)
    return [(_("Left answer"), left), (_("Right answer"), right)]


@register.filter
def pair_preferred(value: str | None) -> str:
    """A stored preference (A/B terms) as reviewers read it; '—' for none."""
    return str(dict(Preference.choices).get(value or "", "—"))
