"""Reads of the item browser: every regular item with its counted votes, agreement, flags and
final value as SQL expressions, so that the page filters and counts in the database and reads
only the rows of the page it shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext_lazy as _

from annotation.models import Campaign, Item, ItemPurpose, ItemResponse, Judgement
from annotation.quality.selectors import FinalValue, item_final_values

# Below this mean score an answer is unacceptable (the expert must rewrite it).
SCORE_ACCEPTABLE = 5

AGREEMENT_CHOICES = [
    ("unanimous", _("unanimous (two judgements or more)")),
    ("split", _("judges disagree")),
    ("few", _("fewer than two judgements")),
]
FINAL_CHOICES = [
    ("safe", _("safe")),
    ("unsafe", _("unsafe")),
    ("low", _("score below 5")),
    ("high", _("score 5 or above")),
    ("none", _("no final value yet")),
]


def _counted() -> QuerySet[Judgement]:
    # Campaign first: the judgement_campaign_item index answers each item's lookup.
    return Judgement.objects.standing().filter(campaign_id=OuterRef("campaign_id"), item_id=OuterRef("pk"))


def _per_item(rows: QuerySet[Judgement], aggregate: Any, output: Any) -> Subquery:
    return Subquery(
        rows.order_by().values("item_id").annotate(v=aggregate).values("v")[:1], output_field=output
    )


def items_browsable() -> QuerySet[Item]:
    """Regular items with, from the judgements that count (neither voided nor excluded): ``votes``,
    ``safe_votes``, ``distinct_values`` (different verdicts or scores given), ``mean_score``;
    ``flagged`` (a judgement not voided was too fast or contradictory); and ``final_safe`` /
    ``final_score``, the final value as item_final_values defines it (adjudication first, then
    the judges' majority or mean, a safety tie taking the model estimate, else unsafe)."""
    counted = _counted()
    votes = Coalesce(_per_item(counted, Count("pk"), IntegerField()), 0)
    safe_votes = Coalesce(_per_item(counted.filter(safe=True), Count("pk"), IntegerField()), 0)
    distinct = Coalesce(
        _per_item(counted, Count("safe", distinct=True) + Count("score", distinct=True), IntegerField()), 0
    )
    flagged = Exists(
        Judgement.objects.unvoided()
        .filter(campaign_id=OuterRef("campaign_id"), item_id=OuterRef("pk"))
        .filter(Q(too_fast=True) | Q(contradictory=True))
    )
    return (
        Item.objects.filter(purpose=ItemPurpose.REGULAR)
        .select_related(
            "campaign", "model", "domain", "prompt__scenario", "adjudication", "adjudication_request"
        )
        .annotate(
            votes=votes,
            safe_votes=safe_votes,
            distinct_values=distinct,
            mean_score=_per_item(counted, Avg("score"), FloatField()),
            flagged=flagged,
        )
        .annotate(
            unsafe_votes=F("votes") - F("safe_votes"),
            final_safe=Case(
                When(adjudication__safe__isnull=False, then=F("adjudication__safe")),
                When(votes=0, then=Value(None)),
                When(safe_votes__gt=F("votes") - F("safe_votes"), then=Value(True)),
                When(safe_votes__lt=F("votes") - F("safe_votes"), then=Value(False)),
                When(estimate_safe__isnull=False, then=F("estimate_safe")),
                default=Value(False),
                output_field=BooleanField(null=True),
            ),
            final_score=Case(
                When(adjudication__score__isnull=False, then=Cast("adjudication__score", FloatField())),
                default=F("mean_score"),
                output_field=FloatField(null=True),
            ),
        )
        .order_by("pk")
    )


def items_matching_text(items: QuerySet[Item], text: str) -> QuerySet[Item]:
    """Items whose prompt or one of whose responses contains the text (any case)."""
    in_response = ItemResponse.objects.filter(item_id=OuterRef("pk"), response__text__icontains=text)
    return items.filter(Q(prompt__text__icontains=text) | Exists(in_response))


_SAFETY = Q(campaign__kind=Campaign.Kind.SAFETY)
_RATINGS = Q(campaign__kind=Campaign.Kind.RESPONSIBILITY)
AGREEMENT_FILTERS: dict[str, Q] = {
    "unanimous": Q(votes__gte=2, distinct_values=1),
    "split": Q(distinct_values__gt=1),
    "few": Q(votes__lt=2),
}
FINAL_FILTERS: dict[str, Q] = {
    "safe": _SAFETY & Q(final_safe=True),
    "unsafe": _SAFETY & Q(final_safe=False),
    "low": _RATINGS & Q(final_score__lt=SCORE_ACCEPTABLE),
    "high": _RATINGS & Q(final_score__gte=SCORE_ACCEPTABLE),
    "none": (_SAFETY & Q(final_safe__isnull=True)) | (_RATINGS & Q(final_score__isnull=True)),
}


@dataclass(frozen=True)
class ItemRow:
    item: Item
    response: str
    final: FinalValue | None


def item_rows(items: Iterable[Item]) -> list[ItemRow]:
    """The rows of one page: each item with its first response's text and its final value (read by
    item_final_values, the one rule every page, figure and export uses)."""
    page = list(items)
    ids = [item.pk for item in page]
    responses = dict(
        ItemResponse.objects.filter(item_id__in=ids, position=1).values_list("item_id", "response__text")
    )
    finals = item_final_values({item.campaign_id for item in page}, item_ids=ids) if page else {}
    return [ItemRow(item, responses.get(item.pk, ""), finals.get(item.pk)) for item in page]
