"""Prediction-powered scores (issue 28): in a campaign with a human sample, people judge a uniform
random sample of each model's items and a judge model labels every item; PPI++
(``metrics.ppi.prediction_powered``) combines them into each model's safety rate or mean
responsibility score, overall and per scenario or domain, beside the people-only estimate on the
sample and the judge-only one.

The people's label of a sampled item is the results tables' own (``safety_verdicts``,
``responsibility_scores``: adjudication, else the majority or the mean), of that campaign's
judgements. The judge's label is the newest readable answer of one judge model with one template
version (``machine_values``): those of the judge run (and model) the campaign's judging setup
names (``CampaignJudging.ppi_run``, ``ppi_model``), else of its newest judge run of its kind, the
run's model with the most readable answers. Part of the results figures, computed on a worker.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, Max
from django.utils.translation import gettext, gettext_noop, ngettext

from annotation.models import Campaign, Item, ItemPurpose, ItemResponse, Judging
from evaluation.figures.selectors import (
    FigureScope,
    ResultsSection,
    json_ready,
    responsibility_scores,
    results_section_register,
    safety_verdicts,
)
from evaluation.judges.selectors import machine_values
from evaluation.models import CampaignJudging, JudgeRun, MachineJudgement
from metrics.ppi import (
    PredictionPowered,
    prediction_powered,
    prediction_powered_by_group,
    prediction_powered_stratified,
)
from models_registry.models import RegisteredModel

# Stored as English message ids and translated for each reader (figures_for_reader's way).
NO_SAMPLE = gettext_noop(
    "No campaign of this scope has a human sample: people judged every item, so there is no "
    "prediction-powered score."
)
NO_JUDGE_RUN = gettext_noop(
    "This campaign has a human sample but no judge run of its kind has labelled its items yet: "
    "start one on the Model judges page."
)
NO_JUDGE_LABEL = gettext_noop("The judge run has no readable answer yet.")


@dataclass(frozen=True)
class JudgeSource:
    """Which judge labels a campaign's items: a run, its judge model and template version."""

    run: JudgeRun
    model: RegisteredModel | None


def ppi_judge_source(*, campaign: Campaign) -> JudgeSource | None:
    """The judge run (and model) chosen in the campaign's judging setup; else the campaign's newest
    judge run of its kind (one answer at a time); with, unless chosen, the run's judge model that
    gave the most readable answers (ties: by name). None without a run."""
    chosen = (
        CampaignJudging.objects.filter(campaign=campaign, ppi_run__isnull=False)
        .select_related("ppi_run__template", "ppi_model")
        .first()
    )
    if chosen is not None:
        if chosen.ppi_model is not None:
            return JudgeSource(run=chosen.ppi_run, model=chosen.ppi_model)
        return judge_source_of_run(run=chosen.ppi_run)
    run = (
        JudgeRun.objects.filter(
            campaign=campaign, template__kind=campaign.kind, template__judging_mode=Judging.ABSOLUTE
        )
        .select_related("template")
        .order_by("-created_at", "-id")
        .first()
    )
    return None if run is None else judge_source_of_run(run=run)


def judge_source_of_run(*, run: JudgeRun) -> JudgeSource:
    """A judge run as a source of labels: its judge model that gave the most readable answers
    (ties: by name); no model while it has none."""
    best = (
        MachineJudgement.objects.filter(
            response__runs=run.generation_run_id,
            status=MachineJudgement.Status.OK,
            campaign_id=run.campaign_id,
        )
        .values("judge_model")
        .annotate(n=Count("id"))
        .order_by("-n", "judge_model__name")
        .first()
    )
    if best is None:
        return JudgeSource(run=run, model=None)
    return JudgeSource(run=run, model=RegisteredModel.objects.get(pk=best["judge_model"]))


@dataclass
class PpiInputs:
    """The labels PPI reads for one campaign, per model: the people's labels of the sampled items
    (with the judge's of the same items) and the judge's labels of the others, each with its group
    (scenario or domain slug)."""

    y: dict[str, list[float]]
    yhat: dict[str, list[float]]
    groups: dict[str, list[str]]
    yhat_unlabelled: dict[str, list[float]]
    groups_unlabelled: dict[str, list[str]]
    # Items of the scope the judge has not labelled (left out of every estimate).
    without_judge: int = 0
    # Per model, its sampled items of the scope and those people have not finished yet.
    sampled: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    pending: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _people_labels(campaign: Campaign, scope: FigureScope) -> dict[int, float]:
    """Per response (the figures' unit), the people's final label: the results tables' own."""
    mine = replace(scope, campaign_ids=(campaign.pk,), include_incomplete=False)
    if campaign.kind == Campaign.Kind.SAFETY:
        return {rid: float(v.safe) for rid, v in safety_verdicts(scope=mine).items()}
    return {rid: float(s.score) for rid, s in responsibility_scores(scope=mine).items()}


def _scope_items(campaign: Campaign, scope: FigureScope) -> Any:
    items = Item.objects.filter(campaign=campaign, purpose=ItemPurpose.REGULAR)
    return replace(scope, campaign_ids=(campaign.pk,)).items_filter(items, item="")


def ppi_inputs(*, campaign: Campaign, scope: FigureScope, source: JudgeSource) -> PpiInputs:
    """Every regular item of the campaign in the scope, as PPI reads it: labelled when it is in
    the human sample and people's label of it is final; unlabelled otherwise (outside the sample,
    or a sampled item not complete yet). The items people finish first are not a random share of
    the sample (adaptive overlap keeps disputed items open longest), so the sampled items not
    finished yet are counted per model (``pending``): the rows built on them are provisional."""
    people = _people_labels(campaign, scope)
    if source.model is None:
        raise ValueError("a judge source without a judge model labels nothing")
    judge = machine_values(campaign=campaign, model=source.model, template=source.run.template)
    group_field = "prompt__scenario__slug" if campaign.kind == Campaign.Kind.SAFETY else "domain__slug"
    rows = (
        _scope_items(campaign, scope)
        .annotate(response_key=ItemResponse.counted_for("id"))
        .values_list("pk", "model__name", group_field, "sampled", "response_key")
    )
    found = PpiInputs(
        y=defaultdict(list),
        yhat=defaultdict(list),
        groups=defaultdict(list),
        yhat_unlabelled=defaultdict(list),
        groups_unlabelled=defaultdict(list),
    )
    for item_id, model, group, sampled, response_key in rows.iterator(chunk_size=10_000):
        label = people.get(response_key) if sampled else None
        if sampled:
            found.sampled[model] += 1
            found.pending[model] += label is None
        machine = judge.get(item_id)
        if machine is None:
            found.without_judge += 1
            continue
        if label is not None:
            found.y[model].append(label)
            found.yhat[model].append(machine["value"])
            found.groups[model].append(group or "")
        else:
            found.yhat_unlabelled[model].append(machine["value"])
            found.groups_unlabelled[model].append(group or "")
    return found


def _figure(result: PredictionPowered) -> dict[str, Any]:
    return json_ready(
        {
            "ppi": result.ppi,
            "people": result.people,
            "judge": result.judge,
            "lam": result.lam,
            "labelled": result.labelled,
            "unlabelled": result.unlabelled,
        }
    )


def _campaign_section(campaign: Campaign, scope: FigureScope) -> dict[str, Any]:
    section: dict[str, Any] = {
        "campaign_id": campaign.pk,
        "campaign": campaign.name,
        "kind": campaign.kind,
        "sample": {
            "rate": campaign.human_sample_rate,
            "count": campaign.human_sample_count,
            "by_group": campaign.human_sample_by_group,
            "seed": campaign.human_sample_seed,
        },
        "judge": None,
        "rows": [],
        "note": None,
    }
    source = ppi_judge_source(campaign=campaign)
    if source is None:
        section["note"] = NO_JUDGE_RUN
        return section
    section["judge"] = {
        "run_id": source.run.pk,
        "run": source.run.name,
        "model": source.model.name if source.model else None,
        "template": f"{source.run.template.name} v{source.run.template.version}",
    }
    if source.model is None:
        section["note"] = NO_JUDGE_LABEL
        return section
    found = ppi_inputs(campaign=campaign, scope=scope, source=source)
    section["without_judge"] = found.without_judge
    for model in sorted(set(found.y) | set(found.yhat_unlabelled)):
        by_group = prediction_powered_by_group(
            groups=found.groups[model],
            y=found.y[model],
            yhat=found.yhat[model],
            groups_unlabelled=found.groups_unlabelled[model],
            yhat_unlabelled=found.yhat_unlabelled[model],
        )
        if campaign.human_sample_by_group:
            # Drawn per stratum, each with its own inclusion probability: weigh the strata by
            # their items, never pool the sample as if uniform.
            overall = prediction_powered_stratified(
                by_group=by_group, yhat_all=[*found.yhat[model], *found.yhat_unlabelled[model]]
            )
        else:
            overall = prediction_powered(
                y=found.y[model], yhat=found.yhat[model], yhat_unlabelled=found.yhat_unlabelled[model]
            )
        pending = found.pending[model]
        section["rows"].append(
            {
                "model": model,
                # Provisional while people still judge some of the model's sample (figures_for_reader
                # adds the sentence in the reader's language).
                "provisional": pending > 0,
                "pending": pending,
                "sampled": found.sampled[model],
                "overall": _figure(overall),
                "by_group": {g: _figure(by_group[g]) for g in sorted(by_group) if g},
            }
        )
    return section


def prediction_powered_figures(scope: FigureScope) -> dict[str, Any]:
    """Per campaign of the scope with a human sample (one answer at a time): its judge source and,
    per model, the three estimates overall and per scenario or domain; ``note`` (an English
    message id) says plainly why there are none."""
    campaigns = Campaign.objects.filter(judging_mode=Judging.ABSOLUTE).exclude(
        human_sample_rate__isnull=True, human_sample_count__isnull=True
    )
    if scope.campaign_ids:
        campaigns = campaigns.filter(pk__in=scope.campaign_ids)
    sections = [_campaign_section(c, scope) for c in campaigns.order_by("pk")]
    return {"campaigns": sections, "note": None if sections else NO_SAMPLE}


def ppi_source_marker(scope: FigureScope) -> str:
    """What the prediction-powered figures read beside people's judgements: the machine
    judgements and judge runs of the scope's campaigns, the judge run and model each campaign
    chose, and their human samples."""
    machine = MachineJudgement.objects.all()
    runs = JudgeRun.objects.all()
    campaigns = Campaign.objects.all()
    chosen = CampaignJudging.objects.filter(ppi_run__isnull=False)
    if scope.campaign_ids:
        machine = machine.filter(campaign_id__in=scope.campaign_ids)
        runs = runs.filter(campaign_id__in=scope.campaign_ids)
        campaigns = campaigns.filter(pk__in=scope.campaign_ids)
        chosen = chosen.filter(campaign_id__in=scope.campaign_ids)
    choices = list(chosen.order_by("campaign_id").values_list("campaign_id", "ppi_run_id", "ppi_model_id"))
    found = machine.aggregate(n=Count("id"), last=Max("id"), reviewed=Max("reviewed_at"))
    reviewed = found["reviewed"].isoformat() if found["reviewed"] else "-"
    samples = list(
        campaigns.exclude(human_sample_seed__isnull=True)
        .order_by("pk")
        .values_list("pk", "human_sample_seed", "human_sample_rate", "human_sample_count")
    )
    # Redraws move items in or out of a sample (a campaign that follows a run grows).
    sampled_items = Item.objects.filter(campaign_id__in=[row[0] for row in samples], sampled=False).count()
    marker = f"{found['n']}:{found['last']}:{reviewed}:{runs.aggregate(m=Max('id'))['m']}:{samples}:{sampled_items}"
    # Only when some campaign chose: the snapshots stored before the choice existed stay fresh.
    return f"{marker}:{choices}" if choices else marker


def provisional_note(*, pending: int, sampled: int) -> str:
    """Why a model's row is provisional, in the reader's language."""
    return ngettext(
        "Provisional: %(pending)d of %(sampled)d sampled item is still being judged. People finish "
        "the easy items first, so the figures may lean toward them until every sampled item is judged.",
        "Provisional: %(pending)d of %(sampled)d sampled items are still being judged. People finish "
        "the easy items first, so the figures may lean toward them until every sampled item is judged.",
        sampled,
    ) % {"pending": pending, "sampled": sampled}


def _row_for_reader(row: dict[str, Any]) -> dict[str, Any]:
    note = (
        provisional_note(pending=row["pending"], sampled=row["sampled"]) if row.get("provisional") else None
    )
    return {**row, "provisional_note": note}


def ppi_for_reader(ppi: dict[str, Any]) -> dict[str, Any]:
    """The prediction-powered section with its sentences in the reader's language."""
    return {
        **ppi,
        "note": gettext(ppi["note"]) if ppi.get("note") else None,
        "campaigns": [
            {
                **c,
                "note": gettext(c["note"]) if c.get("note") else None,
                "rows": [_row_for_reader(row) for row in c.get("rows", [])],
            }
            for c in ppi.get("campaigns", [])
        ],
    }


results_section_register(
    name="prediction_powered",
    section=ResultsSection(
        figures=prediction_powered_figures, source_marker=ppi_source_marker, for_reader=ppi_for_reader
    ),
)
