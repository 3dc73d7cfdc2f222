"""metrics.reliability against crowd-kit (Toloka's implementations), the test-only oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from crowdkit.aggregation import MACE, DawidSkene

from metrics.reliability import dawid_skene, mace
from tests.metrics.reliability_support import simulate_safety

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

ACCURACIES = [0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.9, 0.8, 0.7, 0.5, 0.5]


def _frame(triples: list[tuple[int, int, bool]]) -> pd.DataFrame:
    return pd.DataFrame(triples, columns=["task", "worker", "label"]).astype({"label": int})


def test_dawid_skene_gives_crowd_kits_labels_and_judge_accuracies():
    sim = simulate_safety(accuracies=ACCURACIES, items=2000, per_item=3, safe_share=0.75, seed=11)

    ours = dawid_skene(sim.triples)
    theirs = DawidSkene(n_iter=100, tol=1e-6).fit(_frame(sim.triples))

    same = np.mean([int(ours.labels[i]) == theirs.labels_[i] for i in range(2000)])
    assert same > 0.995
    for judge, competence in ours.judges.items():
        errors = theirs.errors_.loc[judge]
        accuracy = sum(errors.loc[c, c] * theirs.priors_[c] for c in (0, 1))
        assert competence.accuracy == pytest.approx(accuracy, abs=0.02)


def test_mace_gives_crowd_kits_labels_and_judge_competences():
    # Balanced truth: crowd-kit's MACE keeps MACE's uniform class prior, ours estimates it.
    sim = simulate_safety(accuracies=ACCURACIES, items=2000, per_item=3, safe_share=0.5, seed=12)

    ours = mace(sim.triples)
    theirs = MACE(n_iter=100, n_restarts=1, method="em", random_state=0).fit(_frame(sim.triples))

    same = np.mean([int(ours.labels[i]) == theirs.labels_[i] for i in range(2000)])
    assert same > 0.98
    workers = pd.factorize(_frame(sim.triples)["worker"])[1]
    for row, judge in enumerate(workers):
        # crowd-kit's spamming_ columns: (spamming, knowing).
        assert ours.judges[judge].competence == pytest.approx(theirs.spamming_[row, 1], abs=0.05)
