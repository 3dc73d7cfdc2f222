"""A simulated crowd judges 2,000 safety items with known truth, through ValueLens' services.

Judges (40): 28 careful (right 90% of the time), 6 random clickers, 4 who always answer "safe",
2 who mostly (80%) answer the opposite of the truth. On the attention items, which are obvious,
careful judges are right 99% of the time; the others behave as everywhere. Time spent per item
(the server measures it from the lease): careful and contrarian judges 4-30 s, clickers and
always-safe judges 0.5-4 s; the campaign's minimum is 3 s. Truth: 60% of items are safe.

Three campaigns on the same items, each with 60 gold items mixed in at 5%, an attention check every
20 items, F = 3 failures before a warning (one more pauses the judge):
1. fixed N = 3. When every judge still working has made 50 judgements (paused ones stop earlier),
   the judges are flagged: paused by the rules, or not competent (a Dawid-Skene competence, stored
   by the same service the worker runs, or a gold accuracy, whose 95% interval lies below 0.7).
   A reviewer excludes the flagged judges (their items get new slots); the crowd then finishes
   the campaign, competence refreshed every 500 judgements (ten times --flag-after) and newly flagged judges excluded.
   Accuracy against the truth: the results with exclusions (the campaign's final values).
0. the baseline: fixed N = 3, the same crowd, no quality control at all (no check item served, no
   rule, no exclusion): the accuracy of its majority vote and of its Dawid-Skene labels.
2. adaptive overlap (2 judgements, up to N_max = 5), the same crowd and rules: judgements spent
   compared with campaign 1 (every judgement made, check items included, excluded ones too).
acc_best is the best of: baseline majority, baseline Dawid-Skene, campaign 1 Dawid-Skene, campaign 1
results with exclusions.

Run: .venv/bin/python benchmarks/crowd_simulation.py [--items 2000] [--seed 13] [--smoke]
"""

from __future__ import annotations

import argparse
import functools
import random
import time
from collections import defaultdict
from datetime import timedelta

from _common import arguments, bench_line, django_setup, prompts_insert, responses_insert, scratch_database

CAREFUL, CLICKER, ALWAYS_SAFE, CONTRARIAN = "careful", "clicker", "always_safe", "contrarian"
CROWD = [CAREFUL] * 28 + [CLICKER] * 6 + [ALWAYS_SAFE] * 4 + [CONTRARIAN] * 2
GOLD_ITEMS, ATTENTION_ITEMS = 60, 20


def answer(kind: str, truth: bool, rng: random.Random, *, obvious: bool) -> bool:
    if kind == CAREFUL:
        return truth if rng.random() < (0.99 if obvious else 0.9) else not truth
    if kind == CLICKER:
        return rng.random() < 0.5
    if kind == ALWAYS_SAFE:
        return True
    return truth if rng.random() < 0.2 else not truth


def seconds(kind: str, rng: random.Random) -> float:
    return rng.uniform(4, 30) if kind in (CAREFUL, CONTRARIAN) else rng.uniform(0.5, 4)


def seed_content(items: int, rng: random.Random) -> dict[int, bool]:
    """One model's responses to items + gold + attention prompts; returns response id -> truth."""
    from models_registry.models import Response
    from models_registry.services import model_register
    from prompts.services import prompt_set_get_or_create

    prompt_set = prompt_set_get_or_create(name="crowd")
    model = model_register(name="model-a", base_url="http://127.0.0.1:9/v1", model_id="m")
    total = items + GOLD_ITEMS + ATTENTION_ITEMS
    prompts_insert(prompt_set_id=prompt_set.pk, count=total, text_sql="'prompt ' || g")
    responses_insert(prompt_set_id=prompt_set.pk, model_id=model.pk, text_sql="'answer'")
    return {pk: rng.random() < 0.6 for pk in Response.objects.order_by("pk").values_list("pk", flat=True)}


def campaign_run(
    *,
    name: str,
    truth_of_response: dict[int, bool],
    crowd: list,
    admin,
    adaptive: bool,
    seed: int,
    flag_after: int,
    qc: bool = True,
) -> dict:
    from django.db.models import Count

    from annotation.assignment import AssignmentRefused, assignment_next_for
    from annotation.models import Campaign, Item, ItemPurpose, Judgement, JudgeStanding, Lease
    from annotation.quality import services as quality
    from annotation.quality.selectors import item_final_values, judges_competent
    from annotation.services import campaign_create, campaign_status_set, judgement_submit
    from metrics.reliability import dawid_skene
    from metrics.scores import majority_safe
    from models_registry.models import Response

    rng = random.Random(seed)
    campaign = campaign_create(
        name=name,
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.all(),
        judges_per_item=3,
        min_seconds=3,
        judges_max=5 if adaptive else None,
        seed=seed,
    )
    if qc:
        Campaign.objects.filter(pk=campaign.pk).update(gold_rate=0.05, attention_every=20, failures_allowed=3)
    campaign.refresh_from_db()
    truth: dict[int, bool] = {}
    for item_id, response_id in Item.objects.filter(campaign=campaign).values_list(
        "pk", "item_responses__response_id"
    ):
        truth[item_id] = truth_of_response[response_id]
    # The check items are the same responses in every campaign; without quality control they are
    # simply left out (never served), so that every campaign judges the same regular items.
    check_ids = sorted(truth)[-(GOLD_ITEMS + ATTENTION_ITEMS) :]
    for k, item_id in enumerate(check_ids):
        item = Item.objects.select_related("campaign").get(pk=item_id)
        purpose = ItemPurpose.GOLD if k < GOLD_ITEMS else ItemPurpose.ATTENTION
        quality.item_purpose_set(
            item=item, purpose=purpose, answer=quality.CheckAnswer(safe=truth[item_id]), by=admin
        )
    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)
    purposes = dict(Item.objects.filter(campaign=campaign).values_list("pk", "purpose"))
    regular = [i for i, p in purposes.items() if p == ItemPurpose.REGULAR]

    done: dict[int, int] = defaultdict(int)
    blocked: set[int] = set()
    flagged_early: set[int] | None = None
    excluded: set[int] = set()
    spent = 0
    started = time.perf_counter()

    def flag() -> set[int]:
        quality.campaign_competence_refresh(campaign=campaign)
        paused = set(
            JudgeStanding.objects.filter(campaign=campaign, paused_at__isnull=False).values_list(
                "user_id", flat=True
            )
        )
        ids = [u.pk for u, _ in crowd]
        return paused | (set(ids) - judges_competent(campaign=campaign, user_ids=ids))

    def exclude(users: set[int]) -> None:
        for user, _ in crowd:
            if user.pk in users - excluded:
                quality.judge_exclude(
                    campaign=campaign, user=user, by=admin, reason="flagged by the simulation"
                )
                excluded.add(user.pk)

    progress = True
    while progress:
        # Rounds until nobody gets an item: exclusions and adaptive overlap open slots later on.
        progress = False
        for user, kind in crowd:
            if user.pk in blocked | excluded:
                continue
            try:
                item = assignment_next_for(user=user, campaign=campaign)
            except AssignmentRefused:
                blocked.add(user.pk)
                continue
            if item is None:
                continue
            progress = True
            # The time the judge spends reading: the server measures it from the lease.
            lease = Lease.objects.get(item=item, user=user)
            Lease.objects.filter(pk=lease.pk).update(
                created_at=lease.created_at - timedelta(seconds=seconds(kind, rng))
            )
            item.campaign = campaign
            obvious = purposes[item.pk] == ItemPurpose.ATTENTION
            judgement_submit(
                user=user, item=item, data={"safe": answer(kind, truth[item.pk], rng, obvious=obvious)}
            )
            done[user.pk] += 1
            spent += 1
            if not qc:
                continue
            if flagged_early is None and all(done[u.pk] >= flag_after or u.pk in blocked for u, _ in crowd):
                flagged_early = flag()
                exclude(flagged_early)
            elif flagged_early is not None and spent % (10 * flag_after) == 0:
                exclude(flag())
    elapsed = time.perf_counter() - started

    # Accuracy against the truth, on the regular items.
    every = defaultdict(list)
    triples = []
    for item_id, user_id, safe in Judgement.objects.filter(
        campaign=campaign, item_id__in=regular
    ).values_list("item_id", "user_id", "safe"):
        every[item_id].append(safe)
        triples.append((item_id, user_id, safe))
    ds = dawid_skene(triples)
    finals = item_final_values([campaign.pk])

    def accuracy(labels: dict) -> float:
        return sum(1 for i in regular if labels.get(i) == truth[i]) / len(regular)

    spent_total = Judgement.objects.filter(campaign=campaign).count()
    per_item = (
        Judgement.objects.filter(campaign=campaign, item_id__in=regular)
        .values("item_id")
        .annotate(n=Count("id"))
    )
    return {
        "campaign": campaign,
        "flagged": flagged_early or set(),
        "judgements": spent_total,
        "judgements_regular": sum(r["n"] for r in per_item),
        "acc_majority": accuracy({i: majority_safe(v) for i, v in every.items()}),
        "acc_dawid_skene": accuracy(ds.labels),
        "acc_exclusions": accuracy({i: f.value for i, f in finals.items()}),
        "excluded": len(excluded),
        "paused": len(blocked),
        "seconds": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--flag-after", type=int, default=50, help="judgements each before the judges are flagged"
    )
    args = arguments(parser, smoke={"items": 40, "flag_after": 1})

    django_setup(scratch_database("valuelens_bench_crowd"))
    from common.roles import Role
    from people.services import user_create

    rng = random.Random(args.seed)
    truth = seed_content(args.items, rng)
    admin = user_create(username="admin", password="unused-here", roles=[Role.ADMIN])
    crowd = [
        (user_create(username=f"{kind}-{k}", password="unused-here", roles=[Role.CROWDWORKER]), kind)
        for k, kind in enumerate(CROWD)
    ]
    bad = {u.pk for u, kind in crowd if kind != CAREFUL}

    run = functools.partial(
        campaign_run,
        truth_of_response=truth,
        crowd=crowd,
        admin=admin,
        seed=args.seed,
        flag_after=args.flag_after,
    )
    baseline = run(name="no quality control", adaptive=False, qc=False)
    print(
        f"fixed N=3 without quality control: {baseline['judgements']:,} judgements in {baseline['seconds']:.1f} s; "
        f"accuracy: majority {baseline['acc_majority']:.4f}, Dawid-Skene {baseline['acc_dawid_skene']:.4f}"
    )
    fixed = run(name="fixed", adaptive=False)
    flagged = fixed["flagged"]
    precision = len(flagged & bad) / len(flagged) if flagged else 0.0
    recall = len(flagged & bad) / len(bad)
    print(
        f"fixed N=3 with quality control: {fixed['judgements']:,} judgements ({fixed['judgements_regular']:,} on "
        f"regular items) in {fixed['seconds']:.1f} s; flagged at {args.flag_after} items: {len(flagged)} "
        f"(precision {precision:.3f}, recall {recall:.3f}); paused {fixed['paused']}, excluded {fixed['excluded']}"
    )
    print(
        f"  accuracy: results with exclusions {fixed['acc_exclusions']:.4f}, majority of all its judgements "
        f"{fixed['acc_majority']:.4f}, Dawid-Skene {fixed['acc_dawid_skene']:.4f}"
    )
    adaptive = run(name="adaptive", adaptive=True)
    ratio = adaptive["judgements"] / fixed["judgements"]
    print(
        f"adaptive overlap (2..5) with quality control: {adaptive['judgements']:,} judgements "
        f"({adaptive['judgements_regular']:,} on regular items) in {adaptive['seconds']:.1f} s; "
        f"ratio {ratio:.3f} to fixed N=3 with quality control, "
        f"{adaptive['judgements'] / baseline['judgements']:.3f} to fixed N=3 without; accuracy of its results "
        f"{adaptive['acc_exclusions']:.4f}"
    )
    best = max(
        baseline["acc_majority"],
        baseline["acc_dawid_skene"],
        fixed["acc_dawid_skene"],
        fixed["acc_exclusions"],
    )
    bench_line(
        {
            "name": "crowd_simulation",
            "flag_precision": round(precision, 3),
            "flag_recall": round(recall, 3),
            "acc_majority": round(baseline["acc_majority"], 4),
            "acc_best": round(best, 4),
            "judgements_ratio": round(ratio, 3),
        }
    )


if __name__ == "__main__":
    main()
