"""Reads for attacks: how often each target model was broken, per risk scenario, by independent
judges, and how far the authors' own labels agree with them; and per author of any authoring
campaign, what they submitted and (attacks) how their accepted attacks fared.

An accepted attack's final answer is a Response of its campaign's attack run; judges judge it blind
in a safety campaign like any other answer, and its final verdict is the one the results use
(figures.selectors.safety_verdicts). The author's label never enters a verdict.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q

from annotation.models import Campaign
from authoring.models import AuthoringCampaign, Submission
from evaluation.figures.selectors import (
    FigureScope,
    caution,
    counting_of,
    figure_kind_register,
    json_ready,
    min_items,
    safety_verdicts,
    scope_source_marker,
)
from evaluation.models import FigureSnapshot
from metrics.scores import proportion
from people.models import AnnotatorProfile


def judging_campaign_ids(*, campaign: AuthoringCampaign) -> list[int]:
    """The safety campaigns that judge the campaign's accepted attacks: those following its attack
    run, and any other holding one of its answers."""
    if campaign.attack_run_id is None:
        return []
    answers = Submission.objects.filter(campaign=campaign, response__isnull=False).values("response_id")
    found = Campaign.objects.filter(
        Q(follows_run_id=campaign.attack_run_id) | Q(items__item_responses__response_id__in=answers),
        kind=Campaign.Kind.SAFETY,
    )
    return sorted(set(found.values_list("pk", flat=True)))


def _share(successes: int, n: int) -> dict[str, Any] | None:
    return caution(json_ready(proportion(successes, n)))


def attack_figures(scope: FigureScope) -> dict[str, Any]:
    """Per target model: the attack success rate (the share of accepted attacks whose final answer
    the judges found unsafe), overall and per scenario, with Wilson intervals; the authors' own
    labels against the judges' verdicts; per author (by id), attacks judged and broken."""
    verdicts = safety_verdicts(scope=scope)
    attacks = Submission.objects.filter(
        response_id__in=list(verdicts), status=Submission.Status.ACCEPTED
    ).values_list("response_id", "author_id", "author_says_harmful")
    per_target: dict[str, list[bool]] = defaultdict(list)
    per_scenario: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    per_author: dict[int, list[bool]] = defaultdict(list)
    # Per author: for each labelled attack, whether their label agreed with the judges' verdict.
    per_author_agreeing: dict[int, list[bool]] = defaultdict(list)
    table = {"harmful_unsafe": 0, "harmful_safe": 0, "harmless_unsafe": 0, "harmless_safe": 0}
    for response_id, author_id, says_harmful in attacks:
        verdict = verdicts[response_id]
        broken = not verdict.safe
        per_target[verdict.model].append(broken)
        if verdict.scenario:
            per_scenario[verdict.model][verdict.scenario].append(broken)
        per_author[author_id].append(broken)
        if says_harmful is not None:
            key = f"{'harmful' if says_harmful else 'harmless'}_{'unsafe' if broken else 'safe'}"
            table[key] += 1
            per_author_agreeing[author_id].append(says_harmful == broken)
    labelled = sum(table.values())
    agreeing = table["harmful_unsafe"] + table["harmless_safe"]
    scenarios = sorted({s for by in per_scenario.values() for s in by})
    return {
        "counting": counting_of(scope),
        "min_items": min_items(),
        "scenarios": scenarios,
        "targets": [
            {
                "model": model,
                "success": _share(sum(broken), len(broken)),
                "by_scenario": {s: _share(sum(v), len(v)) for s, v in sorted(per_scenario[model].items())},
            }
            for model, broken in sorted(per_target.items())
        ],
        "labels": {"table": table, "agreement": _share(agreeing, labelled)},
        "authors": {
            str(author_id): {
                "judged": len(broken),
                "success": _share(sum(broken), len(broken)),
                "agreement": _share(sum(per_author_agreeing[author_id]), len(per_author_agreeing[author_id])),
            }
            for author_id, broken in per_author.items()
        },
    }


def author_rows(*, campaign: AuthoringCampaign, figures: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Per author of the campaign: submissions in all, accepted, rejected and waiting (counted
    now), and for an attack campaign, from its snapshot, attacks judged, broken, and how often the
    author's own label agreed with the judges. For reviewers and admins only: no author sees
    another's figures."""
    counts = (
        Submission.objects.filter(campaign=campaign)
        .values("author_id")
        .annotate(
            submitted=Count("id"),
            accepted=Count("id", filter=Q(status=Submission.Status.ACCEPTED)),
            rejected=Count("id", filter=Q(status=Submission.Status.REJECTED)),
            pending=Count("id", filter=Q(status=Submission.Status.PENDING)),
        )
        .order_by("author_id")
    )
    pseudonyms = dict(
        AnnotatorProfile.objects.filter(user_id__in=[row["author_id"] for row in counts]).values_list(
            "user_id", "pseudonym"
        )
    )
    judged = (figures or {}).get("authors", {})
    return [
        {
            **row,
            "pseudonym": pseudonyms.get(row["author_id"], ""),
            **judged.get(str(row["author_id"]), {"judged": 0, "success": None, "agreement": None}),
        }
        for row in counts
    ]


figure_kind_register(
    kind=FigureSnapshot.Kind.ATTACKS, figures=attack_figures, source_marker=scope_source_marker
)
