"""Reads for the rankings of pairwise campaigns: Bradley–Terry scores per model with bootstrap
intervals, overall and per risk scenario or domain, the win-rate matrix and the position bias.

The unit is a person's vote: each standing judgement of a pair item (``Judgement.preferred``, in
A/B terms; ``Item.model`` is A and ``Item.model_b`` is B) is one comparison of the two models. An
item a reviewer adjudicated counts as the reviewer's choice, as many times as it has votes: the
final value replaces the disagreement, at the weight the item had. Ties and "both bad" count as
half a win to each side (metrics.pairwise, as Chatbot Arena counts ties); the win-rate matrix
leaves them out. The position bias reads people's own votes (adjudication says nothing of where a
judge saw each answer): the share of decisive votes that went to the answer shown on the left.

A worker computes it as a figure snapshot of its own kind; pages, the API and the CSV read that.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotation.models import Adjudication, Campaign, Judging, Preference
from evaluation.figures.selectors import (
    FigureScope,
    figure_kind_register,
    json_ready,
    scope_source_marker,
)
from evaluation.models import FigureSnapshot
from metrics.pairwise import (
    A_BETTER,
    B_BETTER,
    BOTH_BAD,
    N_RESAMPLES,
    TIE,
    Ranking,
    Votes,
    bradley_terry,
    position_bias,
    win_matrix,
    win_rates,
)
from models_registry.models import RegisteredModel

OUTCOMES = {
    Preference.A: A_BETTER,
    Preference.B: B_BETTER,
    Preference.TIE: TIE,
    Preference.BOTH_BAD: BOTH_BAD,
}
# Below this many votes a model's place in a ranking is marked as too few to read: its interval
# says how little is known, and the page says so in words too.
RANKING_MIN_VOTES = 20
# The bootstrap's seed: the same votes give the same intervals on every refresh.
BOOTSTRAP_SEED = 0


@dataclass(frozen=True)
class Vote:
    """One person's vote on a pair item, in A/B terms, with the side they saw A on and the group
    (risk scenario or domain) of the prompt."""

    item_id: int
    model_a: int
    model_b: int
    preferred: str
    a_on_left: bool | None
    group: str


def rankings_scope(*, campaign_ids: tuple[int, ...] = (), include_incomplete: bool = False) -> FigureScope:
    """The scope of a ranking: pairwise campaigns (none: every pairwise campaign)."""
    return FigureScope(campaign_ids=campaign_ids, include_incomplete=include_incomplete)


def pairwise_campaign_ids(scope: FigureScope) -> list[int]:
    """The scope's pairwise campaigns (a ranking reads no other)."""
    campaigns = Campaign.objects.filter(judging_mode=Judging.PAIRWISE)
    if scope.campaign_ids:
        campaigns = campaigns.filter(pk__in=scope.campaign_ids)
    return list(campaigns.values_list("pk", flat=True))


def pairwise_votes(scope: FigureScope) -> list[Vote]:
    """People's votes on the pair items of the scope's pairwise campaigns: the judgements that count
    (``FigureScope.judgements``: standing, of complete items unless the scope includes the others),
    one per person and item."""
    campaign_ids = pairwise_campaign_ids(scope)
    if not campaign_ids:
        return []
    rows = (
        scope.judgements()
        .filter(campaign_id__in=campaign_ids, preferred__isnull=False, item__model_b__isnull=False)
        .order_by("item_id", "id")
        .values_list(
            "item_id",
            "item__model_id",
            "item__model_b_id",
            "preferred",
            "a_on_left",
            "item__campaign__kind",
            "item__prompt__scenario__slug",
            "item__domain__slug",
        )
    )
    votes = []
    for item_id, model_a, model_b, preferred, a_on_left, kind, scenario, domain in rows.iterator(
        chunk_size=10_000
    ):
        group = (scenario if kind == Campaign.Kind.SAFETY else domain) or ""
        votes.append(Vote(item_id, model_a, model_b, preferred, a_on_left, group))
    return votes


def _adjudicated(votes: list[Vote]) -> tuple[list[Vote], int]:
    """The votes with each adjudicated item's replaced by the reviewer's choice, once per vote; and
    how many items were adjudicated."""
    final = dict(
        Adjudication.objects.filter(
            item_id__in={v.item_id for v in votes}, preferred__isnull=False
        ).values_list("item_id", "preferred")
    )
    replaced = [
        Vote(v.item_id, v.model_a, v.model_b, final[v.item_id], v.a_on_left, v.group)
        if v.item_id in final
        else v
        for v in votes
    ]
    return replaced, len(final)


def _arrays(votes: list[Vote], index: dict[int, int]) -> Votes:
    return Votes.of(
        [index[v.model_a] for v in votes],
        [index[v.model_b] for v in votes],
        [OUTCOMES[Preference(v.preferred)] for v in votes],
        [bool(v.a_on_left) for v in votes],
    )


def _ranking_rows(ranking: Ranking, names: list[str]) -> list[dict[str, Any]]:
    """One row per model that has votes, best first, with its rank (models whose intervals overlap
    the best one's share its ordering only by the point estimate: the page shows the intervals)."""
    rows = []
    for place, i in enumerate(ranking.order(), start=1):
        if ranking.votes[i] == 0:
            continue
        rows.append(
            {
                "rank": place,
                "model": names[i],
                "score": json_ready(float(ranking.scores[i])),
                "ci_low": json_ready(float(ranking.ci_low[i])),
                "ci_high": json_ready(float(ranking.ci_high[i])),
                "rating": json_ready(float(ranking.elo[i])),
                "rating_low": json_ready(float(ranking.elo_low[i])),
                "rating_high": json_ready(float(ranking.elo_high[i])),
                "votes": int(ranking.votes[i]),
                "too_few": int(ranking.votes[i]) < RANKING_MIN_VOTES,
            }
        )
    return rows


def _ranking(votes: list[Vote], index: dict[int, int], names: list[str], n_resamples: int) -> dict[str, Any]:
    counts = win_matrix(_arrays(votes, index), len(names))
    ranking = bradley_terry(counts, n_resamples=n_resamples, seed=BOOTSTRAP_SEED)
    return {
        "votes": ranking.n_votes,
        "ties": int(np.triu(counts.ties).sum() - np.triu(counts.both_bad).sum()),
        "both_bad": int(np.triu(counts.both_bad).sum()),
        "rows": _ranking_rows(ranking, names),
    }


def _win_matrix(votes: list[Vote], index: dict[int, int], names: list[str]) -> dict[str, Any]:
    """Per ordered pair of models that met: the share of their decisive votes the row model won."""
    counts = win_matrix(_arrays(votes, index), len(names))
    rates = win_rates(counts)
    cells = []
    for i in range(len(names)):
        for j in range(len(names)):
            if i != j and counts.votes[i, j]:
                cells.append(
                    {
                        "model": names[i],
                        "against": names[j],
                        "rate": json_ready(float(rates.rate[i, j])),
                        "wins": int(rates.wins[i, j]),
                        "decisive": int(rates.decisive[i, j]),
                        "ties": int(counts.ties[i, j]),
                    }
                )
    return {"models": names, "cells": cells}


def rankings_figures(scope: FigureScope) -> dict[str, Any]:
    """The rankings of the scope's pairwise campaigns: overall and per risk scenario or domain, the
    win-rate matrix (overall) and the position bias of people's votes."""
    people = pairwise_votes(scope)
    votes, adjudicated = _adjudicated(people)
    model_ids = sorted({v.model_a for v in votes} | {v.model_b for v in votes})
    index = {model_id: i for i, model_id in enumerate(model_ids)}
    by_id = dict(RegisteredModel.objects.filter(pk__in=model_ids).values_list("pk", "name"))
    names = [by_id[m] for m in model_ids]
    by_group: dict[str, list[Vote]] = defaultdict(list)
    for vote in votes:
        by_group[vote.group].append(vote)
    seen = [v for v in people if v.a_on_left is not None]
    bias = position_bias(_arrays(seen, index)) if seen else None
    return {
        # The unit is a vote, not a response: none of the results' counting sentence applies.
        "include_incomplete": scope.include_incomplete,
        "campaign_ids": pairwise_campaign_ids(scope),
        "min_votes": RANKING_MIN_VOTES,
        "resamples": N_RESAMPLES,
        "items": len({v.item_id for v in votes}),
        "overall": _ranking(votes, index, names, N_RESAMPLES),
        "groups": [
            {"group": group, **_ranking(group_votes, index, names, N_RESAMPLES)}
            for group, group_votes in sorted(by_group.items())
        ],
        "win_matrix": _win_matrix(votes, index, names),
        "position_bias": json_ready(bias) if bias is not None else None,
        "adjudicated": adjudicated,
    }


def ranking_table_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Every ranking of a snapshot as flat rows (the CSV): overall first (group empty), then each
    risk scenario or domain."""
    rankings = [("", figures["overall"]), *((g["group"], g) for g in figures["groups"])]
    return [{"group": group, **row} for group, ranking in rankings for row in ranking["rows"]]


def win_matrix_for_page(figures: dict[str, Any] | None, *, names: dict[str, str]) -> dict[str, Any] | None:
    """The win-rate matrix as the page draws it: models in the overall ranking's order, one row per
    model with a cell per opponent (None where the two never met)."""
    if not figures:
        return None
    order = [row["model"] for row in figures["overall"]["rows"]]
    cells = {(c["model"], c["against"]): c for c in figures["win_matrix"]["cells"]}
    return {
        "columns": [names.get(m, m) for m in order],
        "rows": [
            {"model": names.get(m, m), "cells": [None if m == o else cells.get((m, o)) for o in order]}
            for m in order
        ],
    }


def rankings_source_marker(scope: FigureScope) -> tuple[str, int]:
    """As every figure: the scope's judgements and adjudications (scope_source_marker)."""
    return scope_source_marker(scope)


figure_kind_register(
    kind=FigureSnapshot.Kind.RANKINGS, figures=rankings_figures, source_marker=rankings_source_marker
)
