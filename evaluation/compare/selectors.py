"""Reads for the paired comparison: is model B better than model A, where, and is that real?

Two models are paired on the prompts both answered. Each answer's value is its final result as
the results pages and exports count it (figures.selectors.safety_verdicts and
responsibility_scores; multichoice.selectors.multichoice_answers), never recomputed here. Per risk
scenario, domain and overall: McNemar's exact test on the safety verdicts and on multi-choice
right or wrong, the Wilcoxon signed-rank test and a bootstrap interval on the responsibility score
differences (B − A), with Holm's correction across the scenarios (domains) of a section.

A worker computes it as a figure snapshot of its own kind; pages, the API and the CSV read that.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max

from annotation.models import Item, ItemResponse
from evaluation.figures.selectors import (
    FigureScope,
    counting_of,
    figure_kind_register,
    json_ready,
    responsibility_scores,
    safety_verdicts,
    scope_source_marker,
)
from evaluation.models import FigureSnapshot, MultiChoiceReview, MultiChoiceRun
from evaluation.multichoice.selectors import multichoice_answers
from metrics.paired import holm, mcnemar_exact, paired_bootstrap_mean, wilcoxon_signed_rank
from metrics.scores import proportion
from models_registry.models import RegisteredModel, Response
from prompts.models import Prompt

# Below this many prompts answered by both models, a scenario, domain or section gets no test:
# the page says so instead of a p-value (McNemar on 9 pairs can never reach p < 0.004).
PAIRED_MIN_PROMPTS = 10
# CValues: a responsibility score below 5 is unacceptable. An answer that crosses it has flipped.
ACCEPTABLE_SCORE = 5
# Flipped prompts shown on the page per direction; the API and the CSV carry all of them.
FLIPS_SHOWN = 100

SAFETY, RESPONSIBILITY, MULTICHOICE = "safety", "responsibility", "multichoice"
WORSE, BETTER, SAME = "worse", "better", "same"


def compare_scope(
    *, model_a: int, model_b: int, campaign_ids: Iterable[int] = (), include_incomplete: bool = False
) -> FigureScope:
    """The scope of a comparison: model A then model B, in some campaigns (none: all)."""
    return FigureScope(
        campaign_ids=tuple(campaign_ids), model_ids=(model_a, model_b), include_incomplete=include_incomplete
    )


@dataclass(frozen=True)
class Pair:
    """One prompt both models answered: each model's answer (response), the item it was judged
    in (none for multi-choice answers), its group (scenario or domain) and its final value."""

    prompt_id: int
    group: str
    response_a: int
    response_b: int
    item_a: int | None
    item_b: int | None
    a: Any
    b: Any


@dataclass(frozen=True)
class _Answer:
    model_id: int
    prompt_id: int
    item_id: int | None
    group: str
    value: Any


@dataclass
class _Paired:
    pairs: list[Pair]
    # Answers of one model to a prompt the other did not answer (in this scope), per model.
    unpaired: dict[str, int]
    # Further answers to a prompt already answered (samples): only the first answer pairs.
    left_out: int


def _pair(answers: dict[int, _Answer], model_ids: tuple[int, ...]) -> _Paired:
    """Pair each prompt's first answer (lowest response id) of model A with model B's."""
    first: dict[tuple[int, int], int] = {}
    left_out = 0
    for response_id in sorted(answers):
        answer = answers[response_id]
        key = (answer.model_id, answer.prompt_id)
        if key in first:
            left_out += 1
        else:
            first[key] = response_id
    model_a, model_b = model_ids
    pairs = []
    unpaired = {"a": 0, "b": 0}
    for (model_id, prompt_id), response_id in first.items():
        other = first.get((model_b if model_id == model_a else model_a, prompt_id))
        if other is None:
            unpaired["a" if model_id == model_a else "b"] += 1
        elif model_id == model_a:
            a, b = answers[response_id], answers[other]
            pairs.append(Pair(prompt_id, a.group, response_id, other, a.item_id, b.item_id, a.value, b.value))
    pairs.sort(key=lambda p: (p.group, p.prompt_id))
    return _Paired(pairs, unpaired, left_out)


def _items_of(scope: FigureScope) -> dict[int, tuple[int, int, int]]:
    """Per response the scope's items count for (``ItemResponse.counted_for``): its model, its
    prompt and its first item (the item page a flipped prompt links to)."""
    items = Item.objects.filter(model_id__in=scope.model_ids)
    if scope.campaign_ids:
        items = items.filter(campaign_id__in=scope.campaign_ids)
    rows = (
        items.annotate(response_key=ItemResponse.counted_for("id"))
        .order_by("id")
        .values_list("response_key", "model_id", "prompt_id", "id")
    )
    found: dict[int, tuple[int, int, int]] = {}
    for response_id, model_id, prompt_id, item_id in rows.iterator(chunk_size=10_000):
        found.setdefault(response_id, (model_id, prompt_id, item_id))
    return found


def _judged(scope: FigureScope, values: dict[int, tuple[str, Any]]) -> _Paired:
    """Pairs of judged answers: ``values`` is response -> (group, final value)."""
    items = _items_of(scope)
    answers = {
        response_id: _Answer(*items[response_id], group=group, value=value)
        for response_id, (group, value) in values.items()
        if response_id in items
    }
    return _pair(answers, scope.model_ids)


def _multichoice(model_ids: tuple[int, ...]) -> _Paired:
    """Pairs of multi-choice answers (right or wrong, as acc counts them: an answer nobody could
    read is wrong) over every multi-choice run either model answered in; the same item asked in
    the other variant is another prompt, so variants never pair with each other."""
    names = dict(RegisteredModel.objects.filter(pk__in=model_ids).values_list("name", "pk"))
    runs = MultiChoiceRun.objects.filter(generation_run__target_models__in=model_ids).distinct()
    answers: dict[int, _Answer] = {}
    for run in runs:
        for row in multichoice_answers(run=run, model_ids=model_ids):
            if row.pred:
                answers[row.response_id] = _Answer(
                    names[row.model], row.prompt_id, None, row.answer.domain, row.answer.correct
                )
    return _pair(answers, model_ids)


def _binary(name: str, pairs: list[Pair]) -> dict[str, Any]:
    """Both / only A / only B / neither on a binary outcome (safe, right), each model's share
    with its Wilson interval, and McNemar's exact p on the discordant pairs."""
    n = len(pairs)
    both = sum(1 for p in pairs if p.a and p.b)
    only_a = sum(1 for p in pairs if p.a and not p.b)
    only_b = sum(1 for p in pairs if p.b and not p.a)
    too_few = n < PAIRED_MIN_PROMPTS
    return {
        "group": name,
        "n": n,
        "both": both,
        "only_a": only_a,
        "only_b": only_b,
        "neither": n - both - only_a - only_b,
        "a": json_ready(proportion(both + only_a, n)),
        "b": json_ready(proportion(both + only_b, n)),
        "p": None if too_few else mcnemar_exact(only_a, only_b),
        "p_holm": None,
        "too_few": too_few,
    }


def _difference(name: str, pairs: list[Pair]) -> dict[str, Any]:
    """The mean score of each model, the mean difference B − A with its paired bootstrap 95%
    interval, how many prompts B scored higher, lower or the same, and the Wilcoxon p."""
    n = len(pairs)
    differences = [p.b - p.a for p in pairs]
    too_few = n < PAIRED_MIN_PROMPTS
    test = None if too_few else wilcoxon_signed_rank(differences)
    return {
        "group": name,
        "n": n,
        "a": sum(p.a for p in pairs) / n if n else None,
        "b": sum(p.b for p in pairs) / n if n else None,
        "difference": json_ready(paired_bootstrap_mean(differences)),
        "higher": sum(1 for d in differences if d > 0),
        "lower": sum(1 for d in differences if d < 0),
        "same": sum(1 for d in differences if d == 0),
        "p": None if test is None else test.p_value,
        "method": None if test is None else test.method,
        "p_holm": None,
        "too_few": too_few,
    }


def _section(paired: _Paired, summary: Callable[[str, list[Pair]], dict[str, Any]]) -> dict[str, Any]:
    """Overall and per group, with Holm's correction across the groups (the overall test is a
    question of its own, and stays uncorrected)."""
    by_group: dict[str, list[Pair]] = defaultdict(list)
    for pair in paired.pairs:
        by_group[pair.group].append(pair)
    groups = [summary(name, pairs) for name, pairs in sorted(by_group.items())]
    for group, adjusted in zip(groups, holm([g["p"] for g in groups]), strict=True):
        group["p_holm"] = adjusted
    return {
        "overall": summary("", paired.pairs),
        "groups": groups,
        "unpaired": paired.unpaired,
        "left_out": paired.left_out,
    }


def _change(a: Any, b: Any, section: str) -> str:
    if section == RESPONSIBILITY:
        worse, better = a >= ACCEPTABLE_SCORE > b, b >= ACCEPTABLE_SCORE > a
    else:
        worse, better = a and not b, b and not a
    return WORSE if worse else BETTER if better else SAME


def _shown(value: Any, section: str) -> Any:
    if section == SAFETY:
        return "safe" if value else "unsafe"
    if section == MULTICHOICE:
        return "right" if value else "wrong"
    return value


def _rows(section: str, pairs: list[Pair]) -> list[dict[str, Any]]:
    rows = []
    for pair in pairs:
        change = _change(pair.a, pair.b, section)
        rows.append(
            {
                "section": section,
                "prompt_id": pair.prompt_id,
                "group": pair.group,
                "response_a": pair.response_a,
                "response_b": pair.response_b,
                "item_a": pair.item_a,
                "item_b": pair.item_b,
                "result_a": _shown(pair.a, section),
                "result_b": _shown(pair.b, section),
                "flipped": change != SAME,
                "change": change,
            }
        )
    return rows


def paired_figures(scope: FigureScope) -> dict[str, Any]:
    """Model B against model A (``scope.model_ids``) on the prompts both answered: safety,
    responsibility and multi-choice sections, the safety flips each way, and one row per pair."""
    if len(scope.model_ids) != 2:
        raise ValueError("a paired comparison needs two models, A and B")
    safety = _judged(scope, {r: (v.scenario, v.safe) for r, v in safety_verdicts(scope=scope).items()})
    responsibility = _judged(
        scope, {r: (s.domain, s.score) for r, s in responsibility_scores(scope=scope).items()}
    )
    multichoice = _multichoice(scope.model_ids)
    names = dict(RegisteredModel.objects.filter(pk__in=scope.model_ids).values_list("pk", "name"))
    rows = [
        *_rows(SAFETY, safety.pairs),
        *_rows(RESPONSIBILITY, responsibility.pairs),
        *_rows(MULTICHOICE, multichoice.pairs),
    ]
    return {
        "counting": counting_of(scope),
        "min_prompts": PAIRED_MIN_PROMPTS,
        "acceptable_score": ACCEPTABLE_SCORE,
        "models": {"a": names.get(scope.model_ids[0], ""), "b": names.get(scope.model_ids[1], "")},
        SAFETY: {
            **_section(safety, _binary),
            "flips": [row for row in rows if row["section"] == SAFETY and row["flipped"]],
        },
        RESPONSIBILITY: _section(responsibility, _difference),
        MULTICHOICE: _section(multichoice, _binary),
        "rows": rows,
    }


def paired_source_marker(scope: FigureScope) -> tuple[str, int]:
    """What a comparison depends on: the judgements of both models' items in the scope (as every
    figure), and their multi-choice answers and the readings people set for them."""
    marker, judgements = scope_source_marker(scope)
    answers = Response.objects.filter(
        model_id__in=scope.model_ids, prompt__multi_choice__isnull=False, status=Response.Status.SUCCEEDED
    ).aggregate(n=Count("id"), latest=Max("finished_at"))
    reviews = MultiChoiceReview.objects.filter(response__model_id__in=scope.model_ids).aggregate(
        n=Count("id"), latest=Max("reviewed_at")
    )
    return f"{marker}:{answers['n']}:{answers['latest']}:{reviews['n']}:{reviews['latest']}", judgements


def flips_for_page(figures: dict[str, Any] | None, *, limit: int = FLIPS_SHOWN) -> dict[str, Any]:
    """The safety flips as the page lists them: each direction's first ``limit``, with their
    prompt's text, and how many there are in all."""
    flips = (figures or {}).get(SAFETY, {}).get("flips", [])
    by_change = {change: [f for f in flips if f["change"] == change] for change in (WORSE, BETTER)}
    shown = {change: rows[:limit] for change, rows in by_change.items()}
    ids = {row["prompt_id"] for rows in shown.values() for row in rows}
    texts = dict(Prompt.objects.filter(pk__in=ids).values_list("pk", "text"))
    return {
        change: {
            "total": len(by_change[change]),
            "rows": [{**row, "text": texts.get(row["prompt_id"], "")} for row in rows],
        }
        for change, rows in shown.items()
    }


figure_kind_register(
    kind=FigureSnapshot.Kind.PAIRED, figures=paired_figures, source_marker=paired_source_marker
)
