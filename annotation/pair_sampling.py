"""Active sampling for pairwise campaigns: which pairs of models people compare next.

With active sampling on, a worker refits the campaign's Bradley–Terry scores from its votes every
minute (metrics.pairwise.pair_gains: how much one more vote on each pair of models is expected to
narrow the widest intervals) and reorders the items nobody has started: it draws a weighted random
order in which each pair's items come up in proportion to their pair's gain (the exponential race
of Efraimidis and Spirakis: the smallest ``−ln(u) / gain`` first, ``u`` a keyed hash of the item),
and moves the first ``ACTIVE_WINDOW`` of that order to the front of the serving order (negative
positions). Everything else about serving stays as it is: an item already started is finished
first (overlap N), leases, skips and check items are untouched, and the judging request does no
more work than before. Items that leave the window go back to their own random position.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
from django.db import connection, transaction
from django.db.models import Q

from annotation.models import Campaign, Item, ItemPurpose, ItemResponse, Judgement, Preference
from annotation.pairs import pair_position
from metrics.pairwise import A_BETTER, B_BETTER, BOTH_BAD, TIE, Votes, bt_scores, pair_gains, win_matrix

# Items put at the front per refresh: far more than people start in the minute between refreshes.
ACTIVE_WINDOW = 2_000
# A pair whose vote would teach nothing still comes up now and then (its gain is never exactly 0).
GAIN_FLOOR = 1e-9
_OUTCOMES = {
    Preference.A: A_BETTER,
    Preference.B: B_BETTER,
    Preference.TIE: TIE,
    Preference.BOTH_BAD: BOTH_BAD,
}


def _uniform(seed: int, item_id: int) -> float:
    """A keyed hash of the item as a number in (0, 1): the same item draws the same u every time."""
    digest = hashlib.md5(f"{seed}:active:{item_id}".encode(), usedforsecurity=False).digest()
    return (int.from_bytes(digest[:7], "big") + 1) / (2**56 + 2)


def pair_gains_of(*, campaign: Campaign) -> tuple[list[int], np.ndarray]:
    """The campaign's models (ids, in index order) and the gain of one more vote on each pair,
    from its standing votes on regular items (a model without a vote counts as average)."""
    model_ids = sorted(
        set(Item.objects.filter(campaign=campaign).values_list("model_id", flat=True).distinct())
        | set(
            Item.objects.filter(campaign=campaign, model_b__isnull=False)
            .values_list("model_b_id", flat=True)
            .distinct()
        )
    )
    index = {model_id: i for i, model_id in enumerate(model_ids)}
    rows = list(
        Judgement.objects.standing()
        .filter(campaign=campaign, preferred__isnull=False, item__purpose=ItemPurpose.REGULAR)
        .values_list("item__model_id", "item__model_b_id", "preferred")
    )
    votes = Votes.of(
        [index[a] for a, _, _ in rows],
        [index[b] for _, b, _ in rows],
        [_OUTCOMES[Preference(p)] for _, _, p in rows],
        np.ones(len(rows), dtype=bool),
    )
    counts = win_matrix(votes, len(model_ids))
    return model_ids, pair_gains(counts, bt_scores(counts))


def _homes(item_ids: list[int], seed: int) -> dict[int, int]:
    """Each item's own random position (as campaign_create drew it from its two answers)."""
    answers: dict[int, dict[int, int]] = {}
    for item_id, place, response_id in ItemResponse.objects.filter(item_id__in=item_ids).values_list(
        "item_id", "position", "response_id"
    ):
        answers.setdefault(item_id, {})[place] = response_id
    return {
        item_id: pair_position(seed=seed, a_response_id=sides[1], b_response_id=sides[2])
        for item_id, sides in answers.items()
    }


def _positions_set(positions: dict[int, int]) -> None:
    """Move items that nobody has started yet (an item started meanwhile keeps its place)."""
    if not positions:
        return
    ids, values = list(positions), list(positions.values())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE annotation_item AS i SET position = v.position"
                " FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, position)"
                " WHERE i.id = v.id AND i.judgement_count = 0",
                [ids, values],
            )
        return
    items = list(Item.objects.filter(pk__in=ids, judgement_count=0).only("pk"))
    for item in items:
        item.position = positions[item.pk]
    Item.objects.bulk_update(items, ["position"], batch_size=500)


@transaction.atomic
def pair_priorities_refresh(*, campaign: Campaign, window: int = ACTIVE_WINDOW) -> int:
    """Reorder the campaign's unstarted pair items by active sampling (see the module's docstring);
    returns how many items moved."""
    model_ids, gains = pair_gains_of(campaign=campaign)
    index = {model_id: i for i, model_id in enumerate(model_ids)}
    waiting = Item.objects.filter(
        campaign=campaign, purpose=ItemPurpose.REGULAR, judgement_count=0, model_b__isnull=False
    )
    candidates = list(waiting.values_list("pk", "model_id", "model_b_id"))
    keys = sorted(
        (
            -math.log(_uniform(campaign.seed, pk)) / max(float(gains[index[a], index[b]]), GAIN_FLOOR),
            pk,
        )
        for pk, a, b in candidates
    )
    front = [pk for _key, pk in keys[:window]]
    # Negative: ahead of every random position; the most urgent first.
    wanted = {pk: place - len(front) for place, pk in enumerate(front)}
    current = dict(waiting.filter(Q(position__lt=0) | Q(pk__in=front)).values_list("pk", "position"))
    leaving = [pk for pk, position in current.items() if position < 0 and pk not in wanted]
    moves = {pk: position for pk, position in wanted.items() if current.get(pk) != position}
    moves.update(_homes(leaving, campaign.seed))
    _positions_set(moves)
    return len(moves)


def campaigns_pair_priorities_refresh() -> int:
    """Every open pairwise campaign with active sampling on, reordered; returns items moved."""
    moved = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.OPEN, active_sampling=True):
        moved += pair_priorities_refresh(campaign=campaign)
    return moved
