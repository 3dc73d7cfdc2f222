"""Reads for the multi-choice test: predictions (parsed, or set by a person), scores per model,
the review queue, the CValues export, and the human scores beside the automatic ones.

Predictions are derived every time from the stored answers and reviews (parsing is cheap next to
the queries), so improving the parser re-scores every run.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from annotation.models import Campaign
from evaluation.figures.selectors import responsibility_results, safety_results
from evaluation.models import MultiChoiceRun, MultiChoiceVariant
from metrics.multichoice import (
    NEED_CHECK,
    Answer,
    MultiChoiceScores,
    RankGap,
    kendall_tau_b,
    multichoice_breakdown,
    multichoice_scores,
    parse_answer,
    rank_gaps,
    spearman_rho,
)
from metrics.scores import Estimate
from models_registry.models import RegisteredModel, Response
from prompts.models import MultiChoiceItem


@dataclass(frozen=True)
class AnswerRow:
    response_id: int
    prompt_id: int
    model: str
    status: str
    auto_pred: str
    pred: str
    reviewed: bool
    answer: Answer


def multichoice_answers(
    *, run: MultiChoiceRun, model_ids: Iterable[int] | None = None
) -> Iterator[AnswerRow]:
    """Every generation of the run (of these models only, when given); auto_pred and pred are
    empty until it has an answer."""
    responses = Response.objects.filter(runs=run.generation_run_id)
    if model_ids is not None:
        responses = responses.filter(model_id__in=list(model_ids))
    rows = responses.order_by("id").values_list(
        "id",
        "prompt_id",
        "model__name",
        "status",
        "text",
        "prompt__multi_choice__item__label",
        "prompt__multi_choice__item__pair_key",
        "prompt__multi_choice__item__domain__slug",
        "prompt__multi_choice__item__difficulty",
        "multi_choice_review__pred",
    )
    for pk, prompt_id, model, status, text, label, pair_key, domain, difficulty, review in rows.iterator(
        chunk_size=5000
    ):
        answered = status == Response.Status.SUCCEEDED
        auto = parse_answer(text, variant=run.variant) if answered else ""
        pred = (review or auto) if answered else ""
        yield AnswerRow(
            response_id=pk,
            prompt_id=prompt_id,
            model=model,
            status=status,
            auto_pred=auto,
            pred=pred,
            reviewed=bool(review),
            answer=Answer(label=label, pred=pred, pair_key=pair_key, domain=domain, difficulty=difficulty),
        )


@dataclass
class ModelResult:
    model: str
    scores: MultiChoiceScores
    by_domain: dict[str, MultiChoiceScores]
    by_difficulty: dict[str, MultiChoiceScores]
    total: int
    unanswered: int
    open_checks: int
    reviewed: int


def multichoice_run_results(*, run: MultiChoiceRun) -> list[ModelResult]:
    """Scores per model over the answered items; unanswered generations (waiting, failed) are
    counted apart, not as wrong, so a run in progress shows the accuracy so far."""
    answered: dict[str, list[Answer]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    unanswered: dict[str, int] = defaultdict(int)
    open_checks: dict[str, int] = defaultdict(int)
    reviewed: dict[str, int] = defaultdict(int)
    for row in multichoice_answers(run=run):
        totals[row.model] += 1
        if not row.pred:
            unanswered[row.model] += 1
            continue
        answered[row.model].append(row.answer)
        open_checks[row.model] += int(row.pred == NEED_CHECK)
        reviewed[row.model] += int(row.reviewed)
    return [
        ModelResult(
            model=model,
            scores=multichoice_scores(answered[model]),
            by_domain=multichoice_breakdown(answered[model], key=lambda a: a.domain),
            by_difficulty=multichoice_breakdown(answered[model], key=lambda a: a.difficulty),
            total=totals[model],
            unanswered=unanswered[model],
            open_checks=open_checks[model],
            reviewed=reviewed[model],
        )
        for model in sorted(totals)
    ]


@dataclass
class ReviewEntry:
    response: Response
    item: MultiChoiceItem
    pred: str | None


def multichoice_review_queue(
    *, run: MultiChoiceRun, limit: int = 50, offset: int = 0
) -> tuple[list[ReviewEntry], int]:
    """The answers the rules read as Need_Check, those nobody has set first (``limit`` of them
    from ``offset``); and how many are still unset."""
    checks = multichoice_review_checks(run=run)
    open_count = sum(1 for row in checks if not row.reviewed)
    ids = [row.response_id for row in checks[offset : offset + limit]]
    responses = Response.objects.filter(pk__in=ids).select_related(
        "model", "prompt__multi_choice__item__domain", "multi_choice_review"
    )
    by_id = {r.pk: r for r in responses}
    entries = []
    for pk in ids:
        response = by_id[pk]
        review = getattr(response, "multi_choice_review", None)
        entries.append(
            ReviewEntry(
                response=response, item=response.prompt.multi_choice.item, pred=review and review.pred
            )
        )
    return entries, open_count


def multichoice_review_checks(*, run: MultiChoiceRun) -> list[AnswerRow]:
    """Every Need_Check answer of the run, unset ones first."""
    checks = [row for row in multichoice_answers(run=run) if row.auto_pred == NEED_CHECK]
    checks.sort(key=lambda row: (row.reviewed, row.response_id))
    return checks


def multichoice_review_entry(*, run: MultiChoiceRun, response_id: int) -> ReviewEntry | None:
    response = (
        Response.objects.filter(
            runs=run.generation_run_id, pk=response_id, prompt__multi_choice__isnull=False
        )
        .select_related("model", "prompt__multi_choice__item__domain", "multi_choice_review")
        .first()
    )
    if response is None:
        return None
    review = getattr(response, "multi_choice_review", None)
    return ReviewEntry(response=response, item=response.prompt.multi_choice.item, pred=review and review.pred)


def multichoice_export_records(*, run: MultiChoiceRun, model: RegisteredModel) -> Iterator[dict[str, Any]]:
    """One model's answers in the CValues evaluation format (cvalues_eval.py reads it as is): the
    item's fields, the raw `response` and the `pred`. `prompt` is the text the model was sent, so
    in the A/B variant it is the A/B wording; `pred` always uses CValues' names."""
    preds = {row.response_id: row.pred for row in multichoice_answers(run=run) if row.pred}
    responses = (
        Response.objects.filter(runs=run.generation_run_id, model=model, status=Response.Status.SUCCEEDED)
        .select_related("prompt__multi_choice__item__domain")
        .order_by("prompt__multi_choice__item_id", "id")
    )
    for response in responses.iterator(chunk_size=1000):
        if response.pk not in preds:
            continue  # answered after the predictions were read (a run still going): next export
        item = response.prompt.multi_choice.item
        yield {
            "prompt": response.prompt.text,
            "label": item.label,
            "meta_info": {
                "question": item.question,
                "pos_resp": item.pos_resp,
                "neg_resp": item.neg_resp,
                "domain_en": item.domain.slug,
                "domain_zh": item.domain.name_zh,
                "difficulty_level": item.difficulty,
            },
            "response": response.text,
            "pred": preds[response.pk],
        }


# ---------------------------------------------------------------- human and automatic


@dataclass
class HumanVsAutomaticRow:
    model: str
    run: MultiChoiceRun
    multichoice: MultiChoiceScores
    safety: Estimate | None = None
    responsibility: Estimate | None = None


@dataclass
class RankAgreement:
    human: str
    n: int
    spearman: float
    kendall: float
    gaps: list[RankGap] = field(default_factory=list)


@dataclass
class HumanVsAutomatic:
    rows: list[HumanVsAutomaticRow]
    agreements: list[RankAgreement]


def _latest_official_runs() -> dict[str, MultiChoiceRun]:
    latest: dict[str, MultiChoiceRun] = {}
    runs = MultiChoiceRun.objects.filter(variant=MultiChoiceVariant.OFFICIAL).prefetch_related(
        "generation_run__target_models"
    )
    for run in runs:  # newest first
        for model in run.generation_run.target_models.all():
            latest.setdefault(model.name, run)
    return latest


def _agreement(human: str, rows: list[HumanVsAutomaticRow]) -> RankAgreement:
    names, human_values, mc_values = [], [], []
    for row in rows:
        estimate = getattr(row, human)
        if (
            estimate is not None
            and not math.isnan(estimate.value)
            and not math.isnan(row.multichoice.acc.value)
        ):
            names.append(row.model)
            human_values.append(estimate.value)
            mc_values.append(row.multichoice.acc.value)
    return RankAgreement(
        human=human,
        n=len(names),
        spearman=spearman_rho(human_values, mc_values),
        kendall=kendall_tau_b(human_values, mc_values),
        gaps=[gap for gap in rank_gaps(names, human_values, mc_values) if gap.gap > 0][:3],
    )


def _estimate(data: dict[str, Any]) -> Estimate:
    return Estimate(
        **{k: math.nan if data.get(k) is None else data[k] for k in ("value", "ci_low", "ci_high")},
        n=data["n"],
    )


def multichoice_human_vs_automatic(*, human: dict[str, Any] | None = None) -> HumanVsAutomatic:
    """Models with both a human score (safety or responsibility, over all campaigns) and an
    answered multi-choice run (their latest run in the official variant): the scores side by
    side, and how well the two rank the models alike.

    ``human`` is the results snapshot's payload across all campaigns (the page passes it, so it
    never walks the judgements); without it the scores are computed here."""
    if human is not None:
        safety = {row["model"]: _estimate(row["safety"]) for row in human["safety"]}
        responsibility = {row["model"]: _estimate(row["overall"]) for row in human["responsibility"]}
    else:
        safety = {row.model: row.safety for row in safety_results(campaigns=Campaign.objects.all())}
        responsibility = {
            row.model: row.overall for row in responsibility_results(campaigns=Campaign.objects.all())
        }
    latest = {
        model: run
        for model, run in _latest_official_runs().items()
        if model in safety or model in responsibility
    }
    results: dict[int, dict[str, ModelResult]] = {}
    rows = []
    for model, run in sorted(latest.items()):
        if run.pk not in results:
            results[run.pk] = {r.model: r for r in multichoice_run_results(run=run)}
        result = results[run.pk].get(model)
        if result is None or result.scores.n == 0:
            continue
        rows.append(
            HumanVsAutomaticRow(
                model=model,
                run=run,
                multichoice=result.scores,
                safety=safety.get(model),
                responsibility=responsibility.get(model),
            )
        )
    return HumanVsAutomatic(
        rows=rows, agreements=[_agreement("safety", rows), _agreement("responsibility", rows)]
    )
