"""Agreement at scale: Krippendorff's alpha over 100,000 items x 3 judges (target <= 1 s).

The second figure of issue #5, the results dashboard of a 300,000-judgement campaign (<= 300 ms
once precomputed), needs the dashboard, which does not exist yet: it is printed as null.
Run: .venv/bin/python benchmarks/agreement.py
"""

from __future__ import annotations

import time

import numpy as np
from _common import bench_line

from metrics.agreement import krippendorff_alpha


def main() -> None:
    rng = np.random.default_rng(7)
    truth = rng.integers(0, 2, size=100_000)
    # Judges agree with a hidden truth 90% of the time; 5% of judgements are missing.
    matrix = np.where(rng.random((100_000, 3)) < 0.9, truth[:, None], 1 - truth[:, None]).astype(float)
    matrix[rng.random(matrix.shape) < 0.05] = np.nan
    timings = {}
    for level in ("nominal", "ordinal", "interval"):
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            result = krippendorff_alpha(matrix, level=level)
            best = min(best, time.perf_counter() - started)
        timings[level] = best
        print(
            f"alpha {level}: {result.value:.4f} over {result.items:,} items, best of 5 {best * 1000:.1f} ms"
        )
    bench_line({"name": "agreement", "alpha_s": round(timings["nominal"], 4), "dashboard_ms": None})


if __name__ == "__main__":
    main()
