from __future__ import annotations

from django.conf import settings

from config.celery_app import app


def test_every_periodic_task_names_a_registered_task():
    app.loader.import_default_modules()

    missing = [
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] not in app.tasks
    ]

    assert missing == []


def test_expired_leases_and_stale_dashboards_are_handled_every_minute():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert schedule["annotation.tasks.leases_reclaim_expired"] == 60.0
    assert schedule["evaluation.tasks.figure_snapshots_refresh"] == 60.0


def test_campaigns_that_follow_a_run_are_brought_up_to_date_every_ten_seconds():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert schedule["annotation.tasks.campaigns_follow_runs"] == 10.0
