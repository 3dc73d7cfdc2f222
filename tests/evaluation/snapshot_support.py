"""Whether a worker computes the figure snapshots a page asks for: at once, or never."""

from __future__ import annotations

from unittest import mock

import pytest


@pytest.fixture
def worker_runs():
    """Queued computations run at once (tasks are eager in tests), as if a worker were idle and
    the request's transaction already committed."""
    from evaluation.tasks import figure_snapshot_compute

    with mock.patch("evaluation.figures.services._enqueue", side_effect=figure_snapshot_compute.delay):
        yield


@pytest.fixture
def no_worker():
    """Queued computations never run: what the page shows while a worker is busy."""
    with mock.patch("evaluation.figures.services._enqueue") as queued:
        yield queued
