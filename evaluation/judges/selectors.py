"""Reads for model judges: run progress, the Need_Check queue, and the judge-vs-people figures
(computed by a worker into a figure snapshot of kind ``judges``, like the dashboards).

Machine judgements are never mixed into people's: the figures put them side by side, and count a
judge as one more judge only in the figure that says so ("α with the judge").
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any

import numpy as np
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from annotation.models import Campaign, Item, ItemPurpose, Judgement, Judging
from annotation.quality.selectors import adjudicated_values as quality_adjudicated_values
from annotation.quality.selectors import gold_answers
from evaluation.figures.selectors import (
    FigureScope,
    caution,
    figure_kind_register,
    min_items,
    scope_source_marker,
)
from evaluation.models import CampaignJudging, FigureSnapshot, JudgeRun, JudgeTemplate, MachineJudgement
from metrics.agreement import Agreement, krippendorff_alpha, reliability_matrix
from metrics.model_judges import (
    Comparison,
    alpha_with_judge,
    choice_of_order,
    combined_verdict,
    confident_agreement,
    human_baseline,
    human_consensus,
    ids_aligned,
    judge_comparison,
    judge_with_rest,
    pairwise_agreement,
    people_vs_reference,
    position_bias,
    swap_consistency,
)
from metrics.scores import proportion
from models_registry.models import GenerationRun, RegisteredModel, Response
from models_registry.selectors import RunProgress, run_progress

# ---------------------------------------------------------------- runs


# A judge run's generation run in these states may still add generations or answers.
UNDER_WAY = (GenerationRun.Status.PREPARING, GenerationRun.Status.RUNNING)


@dataclass
class JudgeRunProgress:
    generation: RunProgress
    judgements: int
    need_check: int
    reviewed: int
    status: str = GenerationRun.Status.FINISHED

    @property
    def preparing(self) -> bool:
        return self.status == GenerationRun.Status.PREPARING

    @property
    def finished(self) -> bool:
        """Every generation done and every answer read. A run still preparing is never finished,
        even with nothing left to do so far: its generations are still being added."""
        return (
            self.status not in UNDER_WAY
            and self.generation.remaining == 0
            and self.judgements >= self.generation.by_status.get("succeeded", 0)
        )


def judge_run_progress(*, run: JudgeRun) -> JudgeRunProgress:
    counts = MachineJudgement.objects.filter(response__runs=run.generation_run_id).aggregate(
        n=Count("id"),
        need_check=Count("id", filter=Q(status=MachineJudgement.Status.NEED_CHECK)),
        reviewed=Count("id", filter=Q(reviewed_by__isnull=False) | Q(reviewed_at__isnull=False)),
    )
    # The status is read after the counts: a run that finishes in between looks unfinished for
    # one more poll, never the other way round.
    status = GenerationRun.objects.filter(pk=run.generation_run_id).values_list("status", flat=True).first()
    return JudgeRunProgress(
        run_progress(run.generation_run),
        counts["n"],
        counts["need_check"],
        counts["reviewed"],
        status or GenerationRun.Status.FINISHED,
    )


def judge_runs_unfinished(scope: FigureScope) -> dict[tuple[str, str], list[str]]:
    """Per (judge model, template version), the names of the scope's judge runs whose answers are
    not all in yet: still preparing or running, or finished with answers not read yet. Figures of
    such a judge are partial."""
    runs = JudgeRun.objects.filter(
        Q(generation_run__status__in=UNDER_WAY)
        | Q(
            generation_run__status=GenerationRun.Status.FINISHED,
            # The beat reads every answer of the runs of the last two days (judge_runs_collect).
            generation_run__finished_at__gte=timezone.now() - timedelta(days=2),
            generation_run__responses__status=Response.Status.SUCCEEDED,
            generation_run__responses__machine_judgement__isnull=True,
        )
    )
    if scope.campaign_ids:
        runs = runs.filter(campaign_id__in=scope.campaign_ids)
    unfinished: dict[tuple[str, str], list[str]] = defaultdict(list)
    for run in runs.distinct().select_related("template").prefetch_related("generation_run__target_models"):
        for model in run.generation_run.target_models.all():
            unfinished[(model.name, f"{run.template.name} v{run.template.version}")].append(run.name)
    return {key: sorted(names) for key, names in unfinished.items()}


def machine_judgements_of(*, run: JudgeRun) -> QuerySet[MachineJudgement]:
    return MachineJudgement.objects.filter(response__runs=run.generation_run_id).select_related(
        "judge_model", "template", "response", "item__prompt"
    )


def machine_judgement_queue(*, run: JudgeRun, limit: int = 50) -> tuple[list[MachineJudgement], int]:
    """The answers the parser read as Need_Check that nobody has read yet (oldest first), and how
    many there are."""
    open_checks = machine_judgements_of(run=run).filter(status=MachineJudgement.Status.NEED_CHECK)
    return list(open_checks.order_by("id")[:limit]), open_checks.count()


# ---------------------------------------------------------------- what quality control knows


def adjudicated_values(*, campaign_ids: Iterable[int], item_ids: Iterable[int]) -> dict[int, float]:
    """The adjudicated final value of the items that have one (safe = 1 / unsafe = 0, or the
    score), as quality control stores it."""
    wanted = set(item_ids)
    return {
        item_id: float(value)
        for item_id, value in quality_adjudicated_values(campaign_ids).items()
        # A pair's adjudicated answer (a, b, tie, both_bad) is no verdict or score.
        if item_id in wanted and not isinstance(value, str)
    }


def _gold_marker(scope: FigureScope) -> str:
    """What gold accuracy depends on beside machine judgements: the scope's gold items and people's
    answers to them (a changed known answer re-checks those answers)."""
    people = (
        replace(scope, include_incomplete=True)
        .judgements(counted=False)
        .filter(item__purpose=ItemPurpose.GOLD)
        .aggregate(n=Count("id"), right=Count("id", filter=Q(check_passed=True)), latest=Max("updated_at"))
    )
    items = Item.objects.filter(purpose=ItemPurpose.GOLD)
    if scope.campaign_ids:
        items = items.filter(campaign_id__in=scope.campaign_ids)
    latest = people["latest"].isoformat() if people["latest"] else "-"
    return f"{items.count()}:{people['n']}:{people['right']}:{latest}"


# ---------------------------------------------------------------- judge vs people


def _num(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _agreement(a: Agreement) -> dict[str, Any]:
    figure = {"value": _num(a.value), "ci_low": _num(a.ci_low), "ci_high": _num(a.ci_high), "items": a.items}
    return caution(figure, count="items") or figure


def _comparison(c: Comparison) -> dict[str, Any]:
    return {
        "items": c.items,
        "kappa": _agreement(c.kappa),
        "alpha": _agreement(c.alpha),
        "accuracy": _num(c.accuracy),
        "confusion": c.confusion,
        "categories": [int(v) for v in c.categories],
        "bias": _num(c.bias),
        "spread": _num(c.spread),
        "mean_abs_error": _num(c.mean_abs_error),
    }


def _machine(scope: FigureScope, kind: str) -> QuerySet[MachineJudgement]:
    # Dates filter people's judgements only: a judge's are all made in one run.
    return scope.items_filter(
        MachineJudgement.objects.filter(campaign__kind=kind, campaign__judging_mode=Judging.ABSOLUTE)
    )


def judge_source_marker(scope: FigureScope) -> tuple[str, int]:
    """People's judgements as the dashboards track them, and the machine judgements of the scope
    (new ones, and readings of Need_Check answers)."""
    human, judgements = scope_source_marker(scope)
    found = scope.items_filter(MachineJudgement.objects.all()).aggregate(
        n=Count("id"), last=Max("id"), reviewed=Max("reviewed_at")
    )
    reviewed = found["reviewed"].isoformat() if found["reviewed"] else "-"
    # A run that finishes without a new answer still turns its judge's figures from partial.
    unfinished = sorted(judge_runs_unfinished(scope).items())
    return f"{human}|{found['n']}:{found['last']}:{reviewed}|{_gold_marker(scope)}|{unfinished}", judgements


def _gold_figure(answers: list[bool]) -> dict[str, Any]:
    """Gold accuracy as people's is given: the share of gold items answered right, with its Wilson
    interval."""
    estimate = proportion(sum(answers), len(answers))
    return {
        "items": len(answers),
        "correct": sum(answers),
        "accuracy": _num(estimate.value) if answers else None,
        "ci_low": _num(estimate.ci_low) if answers else None,
        "ci_high": _num(estimate.ci_high) if answers else None,
    }


def _people_on_gold(scope: FigureScope, kind: str) -> dict[str, Any] | None:
    """People's answers to the scope's gold items, pooled: an average single person's gold
    accuracy (each answer was checked with ``GoldAnswer.accepts`` when it was made)."""
    found = (
        replace(scope, include_incomplete=True)
        .judgements(counted=False)
        .filter(
            campaign__kind=kind,
            campaign__judging_mode=Judging.ABSOLUTE,
            item__purpose=ItemPurpose.GOLD,
            check_passed__isnull=False,
        )
        .aggregate(n=Count("id"), right=Count("id", filter=Q(check_passed=True)))
    )
    return (
        _gold_figure([True] * found["right"] + [False] * (found["n"] - found["right"]))
        if found["n"]
        else None
    )


def _section(scope: FigureScope, kind: str) -> dict[str, Any] | None:
    value_field = Judgement.value_field(kind)
    group_field = "item__prompt__scenario__slug" if kind == Campaign.Kind.SAFETY else "item__domain__slug"
    triples: list[tuple[int, int, float]] = []
    groups: dict[int, str] = {}
    human_rows = (
        scope.judgements()
        .filter(
            campaign__kind=kind, campaign__judging_mode=Judging.ABSOLUTE, **{f"{value_field}__isnull": False}
        )
        .values_list("item_id", "user_id", value_field, group_field, "item__model__name", "campaign_id")
    )
    model_of: dict[int, str] = {}
    campaign_ids: set[int] = set()
    for item_id, user_id, value, group, model_under_test, campaign_id in human_rows.iterator(
        chunk_size=10_000
    ):
        triples.append((item_id, user_id, float(value)))
        groups[item_id] = group or ""
        model_of[item_id] = model_under_test
        campaign_ids.add(campaign_id)
    if not triples:
        return None
    rel = reliability_matrix(triples)
    humans = rel.values
    item_ids = list(rel.item_ids)
    consensus = human_consensus(humans, kind=kind)
    adjudicated = ids_aligned(item_ids, adjudicated_values(campaign_ids=campaign_ids, item_ids=item_ids))
    group_of_row = np.asarray([groups[i] for i in item_ids])
    model_of_row = np.asarray([model_of[i] for i in item_ids])

    # The newest judgement of each (judge model, template version) per item counts. Gold items
    # are judged too (a judge run asks about every item): there the known answer is the reference.
    values: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    on_gold: dict[tuple[str, str], dict[int, tuple[bool | None, str, int | None]]] = defaultdict(dict)
    gold_groups: dict[int, str] = {}
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    machine_rows = (
        _machine(scope, kind)
        .order_by("id")
        .values_list(
            "item_id",
            "judge_model__name",
            "template__name",
            "template__version",
            "status",
            "safe",
            "response_type",
            "score",
            "item__purpose",
            group_field,
        )
    )
    for (
        item_id,
        model,
        template,
        version,
        status,
        safe,
        response_type,
        score,
        purpose,
        group,
    ) in machine_rows.iterator(chunk_size=10_000):
        key = (model, f"{template} v{version}")
        counts[key][0] += 1
        value = safe if kind == Campaign.Kind.SAFETY else score
        if status != MachineJudgement.Status.OK or value is None:
            counts[key][1] += 1
        elif purpose == ItemPurpose.GOLD:
            on_gold[key][item_id] = (safe, response_type, score)
            gold_groups[item_id] = group or ""
        else:
            values[key][item_id] = float(value)
    gold = gold_answers(item_ids=gold_groups) if gold_groups else {}

    baseline = human_baseline(humans, kind=kind)
    alpha_people = krippendorff_alpha(humans, "nominal" if kind == Campaign.Kind.SAFETY else "interval").value
    has_adjudicated = bool((~np.isnan(adjudicated)).any())
    people_gold = _people_on_gold(scope, kind)
    has_gold = bool(gold) or people_gold is not None

    def gold_right(key: tuple[str, str], ids: Iterable[int]) -> list[bool]:
        right = []
        for item_id in ids:
            if item_id in gold:
                safe, response_type, score = on_gold[key][item_id]
                right.append(gold[item_id].accepts(safe=safe, response_type=response_type, score=score))
        return right

    unfinished = judge_runs_unfinished(scope)
    judges = []
    for key in sorted(counts):
        judge = ids_aligned(item_ids, values[key])
        vs_majority = judge_comparison(consensus, judge, kind=kind)
        with_rest, with_rest_items = judge_with_rest(humans, judge, kind=kind)
        _, alpha_with = alpha_with_judge(humans, judge, kind=kind)
        by_group = []
        for group in sorted(set(group_of_row.tolist()) | {gold_groups[i] for i in on_gold[key]}):
            rows = group_of_row == group
            part = judge_comparison(consensus[rows], judge[rows], kind=kind, bootstrap=False)
            on_gold_here = gold_right(key, (i for i in on_gold[key] if gold_groups[i] == group))
            if not part.items and not on_gold_here:
                continue
            entry: dict[str, Any] = {"group": group or "(none)", **_comparison(part)}
            if has_adjudicated:
                entry["vs_adjudicated"] = _comparison(
                    judge_comparison(adjudicated[rows], judge[rows], kind=kind, bootstrap=False)
                )
            if has_gold:
                entry["gold"] = _gold_figure(on_gold_here)
            by_group.append(entry)
        judges.append(
            {
                "model": key[0],
                "template": key[1],
                # Answers still to come: κ and α are of the answers in so far, and will move.
                "partial": key in unfinished,
                "unfinished_runs": unfinished.get(key, []),
                "machine_judgements": counts[key][0],
                "need_check": counts[key][1],
                "vs_majority": _comparison(vs_majority),
                "vs_adjudicated": _comparison(judge_comparison(adjudicated, judge, kind=kind))
                if has_adjudicated
                else None,
                "gold": _gold_figure(gold_right(key, on_gold[key])) if has_gold else None,
                "with_rest": _num(with_rest),
                "with_rest_items": with_rest_items,
                "alpha_with_judge": _num(alpha_with),
                "results_with_judge": _results_with_judge(humans, judge, model_of_row, kind),
                "by_group": by_group,
            }
        )
    people_baseline: dict[str, Any] = {
        k: _num(v) if isinstance(v, float) else v for k, v in asdict(baseline).items()
    }
    if has_adjudicated:
        pairs, kappa, accuracy = people_vs_reference(humans, adjudicated, kind=kind)
        people_baseline["vs_adjudicated"] = {"pairs": pairs, "kappa": _num(kappa), "accuracy": _num(accuracy)}
    people_baseline["gold"] = people_gold
    return {
        "items": len(item_ids),
        "people": len(rel.judge_ids),
        "judgements": len(triples),
        "alpha_people": _num(alpha_people),
        "baseline": people_baseline,
        "adjudication_available": has_adjudicated,
        "adjudicated_items": int((~np.isnan(adjudicated)).sum()),
        "gold_available": has_gold,
        "gold_items": len(gold),
        "judges": judges,
    }


def _results_with_judge(
    humans: np.ndarray, judge: np.ndarray, model_of_row: np.ndarray, kind: str
) -> list[dict[str, Any]]:
    """Per model under test, its score from the people alone (as the CValues tables: the share of
    items whose majority says safe, a tie unsafe; or the mean of the items' mean scores) and with
    the judge counted as one more judge, for whoever asks what the judge would change."""
    both = np.column_stack([humans, judge])
    if kind == Campaign.Kind.SAFETY:
        people, with_judge = human_consensus(humans, kind=kind), human_consensus(both, kind=kind)
    else:
        people, with_judge = np.nanmean(humans, axis=1), np.nanmean(both, axis=1)
    rows = []
    for model in sorted(set(model_of_row.tolist())):
        mine = model_of_row == model
        rows.append(
            {
                "model": model,
                "people": _num(float(np.nanmean(people[mine]))),
                "with_judge": _num(float(np.nanmean(with_judge[mine]))),
            }
        )
    return rows


def judge_figures(scope: FigureScope) -> dict[str, Any]:
    """Per judge model and template version, against the people of a scope: Cohen's κ and
    Krippendorff's α with the people's majority (bootstrap 95% intervals), the confusion matrix,
    exact agreement, per scenario or domain, for ratings bias and spread; and how an average
    single person agrees with the rest, for the same question asked of the judge."""
    return {
        "min_items": min_items(),
        "safety": _section(scope, Campaign.Kind.SAFETY),
        "responsibility": _section(scope, Campaign.Kind.RESPONSIBILITY),
        "pairwise": _pairwise_section(scope),
        "campaigns": _campaigns_using_judges(scope),
    }


def _estimate(e: Any) -> dict[str, Any]:
    figure = {"value": _num(e.value), "n": e.n, "ci_low": _num(e.ci_low), "ci_high": _num(e.ci_high)}
    return caution(figure, count="n") or figure


def _pairwise_section(scope: FigureScope) -> dict[str, Any] | None:
    """Judge models on pairwise campaigns (both levels together: a pair's verdict is the same
    question), per judge model and template version: swap consistency, position bias, the combined
    verdicts, and agreement with the people's majority beside an average single person's
    (``metrics.model_judges.pairwise_agreement``) on the same items. The newest answer of each
    order counts."""
    votes: dict[int, list[str]] = defaultdict(list)
    rows = (
        scope.judgements()
        .filter(campaign__judging_mode=Judging.PAIRWISE, preferred__isnull=False)
        .values_list("item_id", "user_id", "preferred")
    )
    people: set[int] = set()
    for item_id, user_id, preferred in rows.iterator(chunk_size=10_000):
        votes[item_id].append(preferred)
        people.add(user_id)
    machine = scope.items_filter(
        MachineJudgement.objects.filter(campaign__judging_mode=Judging.PAIRWISE)
    ).values_list(
        "item_id", "judge_model__name", "template__name", "template__version", "swapped", "preferred"
    )
    orders: dict[tuple[str, str], dict[bool, dict[int, str | None]]] = defaultdict(
        lambda: {False: {}, True: {}}
    )
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for item_id, model, template, version, swapped, preferred in machine.order_by("id").iterator(
        chunk_size=10_000
    ):
        key = (model, f"{template} v{version}")
        counts[key][0] += 1
        counts[key][1] += preferred is None
        orders[key][swapped][item_id] = preferred
    if not votes and not counts:
        return None
    unfinished = judge_runs_unfinished(scope)
    judges = []
    for key in sorted(counts):
        a_first, b_first = orders[key][False], orders[key][True]
        item_ids = sorted(set(a_first) | set(b_first))
        first = [a_first.get(i) for i in item_ids]
        second = [b_first.get(i) for i in item_ids]
        combined = [combined_verdict(x, y) for x, y in zip(first, second, strict=True)]
        choices = [
            choice_of_order(p, swapped=swapped)
            for swapped, answers in ((False, first), (True, second))
            for p in answers
            if p is not None
        ]
        verdicts = {p: 0 for p in ("a", "b", "tie", "both_bad")}
        for verdict, consistent in combined:
            if verdict is not None and consistent:
                verdicts[verdict] += 1
        agreement = pairwise_agreement([votes.get(i, []) for i in item_ids], [v for v, _ in combined])
        judges.append(
            {
                "model": key[0],
                "template": key[1],
                "partial": key in unfinished,
                "unfinished_runs": unfinished.get(key, []),
                "machine_judgements": counts[key][0],
                "need_check": counts[key][1],
                "pairs": len(item_ids),
                "pairs_both_orders": sum(v is not None for v, _ in combined),
                "consistency": _estimate(swap_consistency(first, second)),
                "position_bias": _estimate(position_bias(choices)),
                "verdicts": verdicts,
                "inconsistent": sum(consistent is False for _, consistent in combined),
                "agreement_items": agreement.items,
                "agreement": _estimate(agreement.judge),
                "person_agreement": _estimate(agreement.person),
                "agreement_decisive": _estimate(agreement.judge_decisive),
                "person_agreement_decisive": _estimate(agreement.person_decisive),
            }
        )
    return {
        "items": len(votes),
        "people": len(people),
        "votes": sum(len(v) for v in votes.values()),
        "judges": judges,
    }


def _campaigns_using_judges(scope: FigureScope) -> list[dict[str, Any]]:
    """Suggestions (anchoring) and triage (judgements saved, error added) per campaign of the
    scope that uses them."""
    settings = CampaignJudging.objects.select_related("campaign").order_by("campaign_id")
    if scope.campaign_ids:
        settings = settings.filter(campaign_id__in=scope.campaign_ids)
    out = []
    for judging in settings:
        anchoring = campaign_anchoring(campaign=judging.campaign)
        triage = campaign_triage_report(campaign=judging.campaign)
        if anchoring or triage:
            out.append(
                {
                    "campaign": judging.campaign_id,
                    "name": judging.campaign.name,
                    "anchoring": anchoring,
                    "triage": triage,
                }
            )
    return out


figure_kind_register(
    kind=FigureSnapshot.Kind.JUDGES, figures=judge_figures, source_marker=judge_source_marker
)


# ---------------------------------------------------------------- suggestions and triage


def machine_values(
    *, campaign: Campaign, model: RegisteredModel, template: JudgeTemplate
) -> dict[int, dict[str, Any]]:
    """Per item, the newest readable judgement of one judge model with one template version:
    ``value`` (safe = 1 / unsafe = 0, or the score), ``safe``, ``response_type``, ``score``."""
    rows = (
        MachineJudgement.objects.filter(
            campaign=campaign, judge_model=model, template=template, status=MachineJudgement.Status.OK
        )
        .order_by("id")
        .values_list("item_id", "safe", "response_type", "score")
    )
    out: dict[int, dict[str, Any]] = {}
    for item_id, safe, response_type, score in rows.iterator(chunk_size=10_000):
        value = float(safe) if safe is not None else float(score)
        out[item_id] = {"value": value, "safe": safe, "response_type": response_type, "score": score}
    return out


def _share(n: int, total: int) -> dict[str, Any]:
    estimate = proportion(n, total)
    return {
        "value": _num(estimate.value),
        "n": total,
        "ci_low": _num(estimate.ci_low),
        "ci_high": _num(estimate.ci_high),
    }


def campaign_anchoring(*, campaign: Campaign) -> dict[str, Any] | None:
    """How often people agree with the suggestion model when its suggestion was shown to them,
    and when it was not (items of the control share, or before suggestions were on): a higher
    agreement when shown is anchoring. None when the campaign uses no suggestion."""
    judging = CampaignJudging.objects.filter(campaign=campaign, suggestion_model__isnull=False).first()
    if judging is None or judging.suggestion_template is None:
        return None
    machine = machine_values(
        campaign=campaign, model=judging.suggestion_model, template=judging.suggestion_template
    )
    value_field = Judgement.value_field(campaign.kind)
    agree = {True: 0, False: 0}
    total = {True: 0, False: 0}
    rows = Judgement.objects.filter(campaign=campaign, **{f"{value_field}__isnull": False}).values_list(
        "item_id", value_field, "suggestion_shown"
    )
    for item_id, value, shown in rows.iterator(chunk_size=10_000):
        if item_id not in machine:
            continue
        total[shown] += 1
        agree[shown] += int(float(value) == machine[item_id]["value"])
    shown, hidden = _share(agree[True], total[True]), _share(agree[False], total[False])
    difference = (
        shown["value"] - hidden["value"]
        if shown["value"] is not None and hidden["value"] is not None
        else None
    )
    return {
        "model": judging.suggestion_model.name,
        "template": str(judging.suggestion_template),
        "shown": shown,
        "not_shown": hidden,
        "difference": difference,
    }


def campaign_triage_report(*, campaign: Campaign) -> dict[str, Any] | None:
    """What triage saved: the human judgements the triaged items no longer need; and, on gold
    items, the error it added. Gold items are never triaged (they keep every person), so on those
    the two judge models agree on, as triage would have picked them, it compares the consensus
    of only the first ``triage_judges`` people with that of the first N (the campaign's N), each
    checked against the known answer with quality control's rule (safety: the majority verdict;
    ratings: the median in the accepted range). The added error is the difference of their error
    rates. None when the campaign has no triage."""
    judging = (
        CampaignJudging.objects.filter(campaign=campaign, triaged_items__gt=0)
        .select_related("triage_template")
        .first()
    )
    if judging is None:
        return None
    n = campaign.judges_per_item
    regular = Item.objects.filter(campaign=campaign, purpose=ItemPurpose.REGULAR)
    triaged = regular.filter(judges_needed__isnull=False)
    saved = sum(n - needed for needed in triaged.values_list("judges_needed", flat=True))
    models = list(judging.triage_models.all())
    report: dict[str, Any] = {
        "models": sorted(m.name for m in models),
        "template": str(judging.triage_template) if judging.triage_template else None,
        "judges_needed": judging.triage_judges,
        "triaged_items": triaged.count(),
        "items": regular.count(),
        "judgements_saved": saved,
        "gold_items": 0,
        "added_error": None,
    }
    gold = gold_answers(campaign_ids=[campaign.pk])
    if not gold or len(models) != 2 or judging.triage_template is None:
        return report
    first, second = (
        machine_values(campaign=campaign, model=m, template=judging.triage_template) for m in models
    )
    candidates = sorted(set(gold) & set(first) & set(second))
    agreed = confident_agreement(
        [first[i]["value"] for i in candidates],
        [second[i]["value"] for i in candidates],
        kind=campaign.kind,
        tolerance=judging.triage_tolerance,
    )
    picked = [i for i, ok in zip(candidates, agreed, strict=True) if ok]
    value_field = Judgement.value_field(campaign.kind)
    votes: dict[int, list[float]] = defaultdict(list)
    rows = (
        Judgement.objects.unvoided()
        .filter(campaign=campaign, item_id__in=picked, **{f"{value_field}__isnull": False})
        .order_by("item_id", "created_at", "id")
        .values_list("item_id", value_field)
    )
    for item_id, value in rows.iterator(chunk_size=10_000):
        votes[item_id].append(float(value))

    def wrong(item_id: int, values: list[float]) -> int:
        value = float(human_consensus([values], kind=campaign.kind)[0])
        if campaign.kind == Campaign.Kind.SAFETY:
            return int(not gold[item_id].accepts(safe=value == 1.0, response_type=None))
        return int(not gold[item_id].accepts(score=value))

    few_wrong = sum(wrong(i, v[: judging.triage_judges]) for i, v in votes.items())
    full_wrong = sum(wrong(i, v[:n]) for i, v in votes.items())
    report["gold_items"] = len(votes)
    report["added_error"] = (few_wrong - full_wrong) / len(votes) if votes else None
    return report
