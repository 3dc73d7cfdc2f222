"""Pairwise judging: Bradley–Terry rankings (metrics/pairwise.py) at scale, and active sampling.

1. Fit: 1,000,000 simulated votes over 50 models with known strengths (log-strengths drawn from
   N(0, 1); pairs uniform, sides random; 10% ties, a third of them "both bad"; the judge answers
   from the true Bradley–Terry probabilities): aggregation, the fit and 200 bootstrap resamples
   timed together (target fit_s <= 5 s on 2 cores x probe_s / 0.16). matches_choix: choix (the
   test-only oracle) on the same data: its maximum-likelihood fit (ilsr_pairwise_dense) of the
   aggregated 1,000,000 votes, ties as half wins, against ours without the ridge and ours as reported
   (the ridge moves nothing at this size); and its penalised fit with our ridge (opt_pairwise, a
   Python loop over every vote, far too slow for a million) on a 10,000-vote subsample. All to 1e-4.
2. Active sampling: 20 models with known strengths (N(0, --spread)); votes drawn one at a time from
   a simulated judge, the ranking refitted (with its bootstrap) every 50 votes, until every model's
   95% interval is narrower than --width on the log scale (0.6, about 100 Elo points); next_pair
   (active) against uniformly random pairs, a few seeds each. active_ratio = mean votes active /
   mean votes uniform (target <= 0.65). Also printed: the best any allocation of votes could do
   under the same (Fisher) approximation, found by exponentiated gradient with the true strengths.
3. Load: submit-and-next of pair items, driven as assignment_load.py drives the Judge page
   (gunicorn, PostgreSQL, sessions in Redis; each judge GETs the page once, then every submit is
   an htmx POST whose answer is the next pair; 1 s pause between submits), 50 judges for 60 s on
   a pairwise campaign of every pair of 10 models over 2,000 prompts (90,000 pair items, N = 3)
   made by campaign_create. Each judge picks a step of the page's scale at random. p95 of the
   submit-and-next request (target <= 30 ms x probe_s / 0.16); over_assigned: items with more
   than N judgements or slots; lost: submits the server acknowledged ("Saved.") that are not
   stored.

Run: BENCH_CACHE_URL=redis://127.0.0.1:6379/9 .venv/bin/python benchmarks/pairwise.py \
     [--votes 1000000] [--spread 1.0] [--seeds 5] [--judges 50] [--seconds 60] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import time

import numpy as np
from _common import (
    arguments,
    bench_line,
    django_setup,
    probe_s,
    scratch_database,
    web_server_wait,
)
from assignment_load import Judge, _count, drive, gunicorn_start, measured, p, sessions_make

from metrics.pairwise import (
    REG,
    PairCounts,
    bradley_terry,
    bt_scores,
    next_pair,
    position_bias,
    win_matrix,
)
from tests.metrics.pairwise_support import choix_pairs, simulate_votes

TIE_SHARE_SIMULATED = 0.1
TOLERANCE = 1e-4


def centred(scores: np.ndarray) -> np.ndarray:
    return scores - scores.mean()


def fit_figures(votes: int, models: int, subsample: int) -> dict[str, object]:
    import choix

    rng = np.random.default_rng(11)
    true = rng.normal(0, 1, models)
    data = simulate_votes(true, votes, seed=12, tie_share=TIE_SHARE_SIMULATED)
    started = time.perf_counter()
    counts = win_matrix(data, models)
    ranking = bradley_terry(counts)
    fit_s = time.perf_counter() - started
    width = ranking.ci_high - ranking.ci_low
    bias = position_bias(data)
    print(
        f"{votes:,} votes over {models} models: aggregated, fitted and 200 bootstrap resamples in "
        f"{fit_s:.2f} s; correlation with the true strengths {np.corrcoef(ranking.scores, true)[0, 1]:.4f}; "
        f"95% intervals {width.min():.3f}–{width.max():.3f} wide (log scale); left side won "
        f"{bias.value:.4f} [{bias.ci_low:.4f}, {bias.ci_high:.4f}] of the decisive votes"
    )

    started = time.perf_counter()
    theirs = centred(choix.ilsr_pairwise_dense(counts.effective_wins(), alpha=0.0, tol=1e-12, max_iter=1000))
    choix_s = time.perf_counter() - started
    ml_gap = float(np.abs(bt_scores(counts, reg=0.0) - theirs).max())
    reported_gap = float(np.abs(ranking.scores - theirs).max())
    sample = win_matrix(simulate_votes(true, subsample, seed=13, tie_share=TIE_SHARE_SIMULATED), models)
    started = time.perf_counter()
    penalised = centred(choix.opt_pairwise(models, choix_pairs(sample), alpha=2 * REG, tol=1e-10))
    opt_s = time.perf_counter() - started
    penalised_gap = float(np.abs(bt_scores(sample) - penalised).max())
    print(
        f"choix 0.4.1: ilsr_pairwise_dense on the aggregated votes ({choix_s:.2f} s) against ours without "
        f"the ridge: max difference {ml_gap:.1e}, against ours as reported: {reported_gap:.1e}; "
        f"opt_pairwise with our ridge on {subsample:,} votes ({opt_s:.1f} s): {penalised_gap:.1e}"
    )
    return {
        "votes": votes,
        "fit_s": round(fit_s, 3),
        "matches_choix": max(ml_gap, reported_gap, penalised_gap) < TOLERANCE,
    }


def votes_until_narrow(
    true: np.ndarray, *, active: bool, width: float, seed: int, every: int, limit: int
) -> int:
    """Votes drawn one at a time until every model's 95% interval is narrower than ``width``."""
    n = true.size
    rng = np.random.default_rng(seed)
    wins = np.zeros((n, n), dtype=np.int64)
    ties = np.zeros((n, n), dtype=np.int64)
    scores = np.zeros(n)
    for served in range(1, limit + 1):
        counts = PairCounts(wins=wins, ties=ties, both_bad=np.zeros_like(ties))
        if active:
            i, j = next_pair(counts, scores)
        else:
            i, j = (int(k) for k in rng.choice(n, 2, replace=False))
        if rng.random() < TIE_SHARE_SIMULATED:
            ties[i, j] += 1
            ties[j, i] += 1
        elif rng.random() < 1 / (1 + np.exp(-(true[i] - true[j]))):
            wins[i, j] += 1
        else:
            wins[j, i] += 1
        if served % every == 0:
            ranking = bradley_terry(counts, seed=served)
            scores = ranking.scores
            if np.all(ranking.ci_high - ranking.ci_low < width):
                return served
    return limit


def best_allocation_ratio(true: np.ndarray, steps: int = 2000) -> float:
    """The lowest largest variance any allocation of votes to pairs reaches, as a share of uniform
    allocation's (the Fisher approximation with the true strengths; the votes needed scale with
    it). Exponentiated gradient on a soft maximum of the variances."""
    n = true.size
    p = 1 / (1 + np.exp(-(true[:, None] - true[None, :])))
    w = p * (1 - p)
    upper = np.triu_indices(n, 1)
    centre = np.eye(n) - 1 / n

    def covariance(share: np.ndarray) -> np.ndarray:
        alloc = np.zeros((n, n))
        alloc[upper] = share
        info = (alloc + alloc.T) * w
        return centre @ np.linalg.inv(np.diag(info.sum(axis=1)) - info + 1 / n) @ centre

    share = np.full(upper[0].size, 1 / upper[0].size)
    uniform = np.diag(covariance(share)).max()
    for _ in range(steps):
        cov = covariance(share)
        var = np.diag(cov)
        soft = np.exp(50 * (var / var.max() - 1))
        weighted = (cov * (soft / soft.sum())) @ cov
        along = np.diag(weighted)
        gradient = -(w * (along[:, None] + along[None, :] - 2 * weighted))[upper]
        share *= np.exp(-0.5 * gradient / np.abs(gradient).max())
        share /= share.sum()
    return float(np.diag(covariance(share)).max() / uniform)


def active_figures(models: int, spread: float, width: float, seeds: int, every: int) -> float:
    true = np.random.default_rng(7).normal(0, spread, models)
    started = time.perf_counter()
    runs = {
        active: [
            votes_until_narrow(true, active=active, width=width, seed=seed, every=every, limit=200_000)
            for seed in range(seeds)
        ]
        for active in (True, False)
    }
    ratio = float(np.mean(runs[True]) / np.mean(runs[False]))
    print(
        f"active sampling, {models} models (log-strengths N(0, {spread}), {true.min():.2f} to {true.max():.2f}), "
        f"every interval narrower than {width} (log scale), refitted every {every} votes, {seeds} seeds: "
        f"active {runs[True]}, uniform {runs[False]}; ratio {ratio:.3f} ({time.perf_counter() - started:.1f} s); "
        f"the best allocation of votes, knowing the true strengths: {best_allocation_ratio(true):.3f}"
    )
    return ratio


DB_NAME = "valuelens_bench_pairwise"
JUDGES_PER_ITEM = 3


class PairJudge(Judge):
    """A judge at a pair: one step of the page's scale, at random."""

    def answer(self) -> dict[str, str]:
        from annotation.forms import PAIR_SCALE

        return {"preference": random.choice(PAIR_SCALE)}


def pair_campaign_make(*, models: int, prompts: int) -> int:
    """An open pairwise campaign over every pair of ``models`` models' answers to ``prompts``
    prompts, made by campaign_create (the product's path: pairs, A/B and positions drawn)."""
    from annotation.models import Campaign, Judging
    from annotation.services import campaign_create
    from models_registry.models import Response
    from models_registry.services import model_register
    from prompts.models import Level, Prompt, PromptSet

    prompt_set = PromptSet.objects.create(name="pairwise load")
    made = Prompt.objects.bulk_create(
        Prompt(
            prompt_set=prompt_set, external_id=str(i), level=Level.SAFETY, source="bench", text=f"prompt {i}"
        )
        for i in range(prompts)
    )
    registered = [
        model_register(name=f"pair-model-{m}", base_url="http://127.0.0.1:9/v1", model_id="m")
        for m in range(models)
    ]
    Response.objects.bulk_create(
        (
            Response(
                prompt=prompt,
                model=model,
                params_hash="h",
                sample_index=0,
                request_hash=f"{prompt.pk}-{model.pk}",
                status=Response.Status.SUCCEEDED,
                text=f"{model.name} answers prompt {prompt.pk}",
            )
            for prompt in made
            for model in registered
        ),
        batch_size=5_000,
    )
    campaign = campaign_create(
        name="pairwise load",
        kind=Level.SAFETY,
        responses=Response.objects.filter(prompt__prompt_set=prompt_set),
        judges_per_item=JUDGES_PER_ITEM,
        judging_mode=Judging.PAIRWISE,
        pair_models=registered,
        content_warning=False,
    )
    campaign.status = Campaign.Status.OPEN
    campaign.save(update_fields=["status"])
    return campaign.pk


def load_figures(
    *, models: int, prompts: int, judges: int, seconds: float, pause: float, workers: int
) -> dict:
    """Submit-and-next of pair items under load (see the module's docstring, part 3)."""
    db_url = scratch_database(DB_NAME)
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    django_setup(db_url)
    started = time.perf_counter()
    campaign = pair_campaign_make(models=models, prompts=prompts)
    items = _count("SELECT count(*) FROM annotation_item")
    print(f"load: {items} pair items made in {time.perf_counter() - started:.1f} s", flush=True)
    sessions = sessions_make(judges + 2)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
        cur.execute("CHECKPOINT")
    server, base = gunicorn_start(db_url, workers=workers, threads=1)
    try:
        web_server_wait(base)
        warmup = drive(base, campaign, sessions[judges:], 3, 0, judge=PairJudge)
        phase = measured(
            "pairs", server.pid, lambda: drive(base, campaign, sessions[:judges], seconds, pause, PairJudge)
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    over_assigned = _count(
        # N = JUDGES_PER_ITEM = 3.
        "SELECT count(*) FROM (SELECT item_id FROM annotation_judgement WHERE voided_at IS NULL"
        " GROUP BY item_id HAVING count(*) > 3) x"
    ) + _count("SELECT count(*) FROM annotation_item WHERE judgement_count > 3 OR open_slots > 3")
    stored = _count("SELECT count(*) FROM annotation_judgement")
    unpaired = _count(
        "SELECT count(*) FROM annotation_judgement WHERE preferred IS NULL OR a_on_left IS NULL"
    )
    everyone = warmup + phase.judges
    acknowledged = sum(j.judged for j in everyone)
    errors = [e for j in everyone for e in j.errors]
    cpu = 1000 * (phase.web_cpu + phase.db_cpu) / max(phase.judged, 1)
    print(
        f"load: {len(phase.judges)} judges x {phase.seconds:.0f} s, {phase.judged} pairs judged; submit-and-next"
        f" p50 {statistics.median(phase.submit_ms):.1f} ms, p95 {p(phase.submit_ms, 95):.1f} ms,"
        f" p99 {p(phase.submit_ms, 99):.1f} ms; server CPU per judged pair {cpu:.2f} ms; {phase.load} at the start"
    )
    print(
        f"load: stored {stored}, acknowledged {acknowledged}, lost {acknowledged - stored}, over-assigned"
        f" {over_assigned}, stored without a preference or side {unpaired}, errors {len(errors)} {errors[:3]}"
    )
    return {
        "p95_ms": round(p(phase.submit_ms, 95), 1),
        "over_assigned": over_assigned,
        "lost": acknowledged - stored + unpaired,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=50)
    parser.add_argument("--subsample", type=int, default=10_000, help="votes for choix's opt_pairwise")
    parser.add_argument("--active-models", type=int, default=20)
    parser.add_argument("--spread", type=float, default=1.0, help="sd of the true log-strengths")
    parser.add_argument("--width", type=float, default=0.6)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--every", type=int, default=50, help="votes between refits")
    parser.add_argument("--load-models", type=int, default=10)
    parser.add_argument("--load-prompts", type=int, default=2_000)
    parser.add_argument("--judges", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pause", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=4)
    args = arguments(
        parser,
        smoke={
            "votes": 20_000,
            "models": 10,
            "subsample": 300,
            "active_models": 5,
            "width": 1.5,
            "seeds": 1,
            "load_models": 3,
            "load_prompts": 20,
            "judges": 2,
            "seconds": 2,
            "pause": 0.2,
            "workers": 1,
        },
    )

    probe = probe_s()
    figures = fit_figures(args.votes, args.models, args.subsample)
    ratio = active_figures(args.active_models, args.spread, args.width, args.seeds, args.every)
    load = load_figures(
        models=args.load_models,
        prompts=args.load_prompts,
        judges=args.judges,
        seconds=args.seconds,
        pause=args.pause,
        workers=args.workers,
    )
    probe = round(statistics.median([probe, probe_s()]), 4)
    print(
        f"probe_s {probe:.4f} (the reference is 0.16): fit_s target {5 * max(probe, 0.16) / 0.16:.2f} s,"
        f" p95_ms target {30 * max(probe, 0.16) / 0.16:.1f} ms"
    )
    bench_line(
        {
            "name": "pairwise",
            **figures,
            "active_ratio": round(ratio, 3),
            **load,
            "probe_s": round(probe, 4),
        }
    )


if __name__ == "__main__":
    main()
