"""A judge run still preparing is never finished: not in the API, not on its page (which keeps
polling), not in the judge-vs-people figures (a judge with answers still to come is partial)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from common.roles import Role
from evaluation.figures.selectors import FigureScope
from evaluation.judges.selectors import judge_figures, judge_run_progress, judge_source_marker
from evaluation.judges.services import judge_run_collect, judge_run_prepare, judge_run_start
from models_registry.models import GenerationRun
from tests.config.api_support import api_as
from tests.evaluation.judges_support import SAFETY_ITEMS, safety_campaign, safety_script
from tests.support.tasks import tasks_held

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def campaign(make_campaign, make_user):
    return safety_campaign(make_campaign, [make_user(Role.CROWDWORKER) for _ in range(3)])


@pytest.fixture
def preparing(campaign, make_model, stub, monkeypatch):
    """A run whose preparation a worker has not done yet: no generation so far."""
    from evaluation.judges import services

    stub.state.script = safety_script()
    held = tasks_held(monkeypatch, services, "evaluation.tasks.judge_run_prepare")
    run = judge_run_start(name="slow judges", campaign=campaign, models=[make_model("judge-a")])
    assert held == [run.pk]
    return run


def _prepared(run) -> None:
    """What the worker does next: add the items (their answers come in), then read the answers."""
    judge_run_prepare(run_id=run.pk)
    judge_run_collect(run_id=run.pk)


def test_a_run_still_preparing_with_no_generation_is_not_finished(preparing):
    progress = judge_run_progress(run=preparing)

    assert (progress.generation.total, progress.preparing, progress.finished) == (0, True, False)


def test_the_run_is_finished_once_prepared_and_every_answer_read(preparing):
    _prepared(preparing)

    progress = judge_run_progress(run=preparing)

    assert (progress.preparing, progress.finished) == (False, True)
    assert progress.judgements == len(SAFETY_ITEMS)


def test_the_api_says_a_preparing_run_is_not_finished(preparing, admin_user):
    client = api_as(admin_user)

    before = client.get(reverse("api:judge_run-detail", args=[preparing.pk])).json()["progress"]
    _prepared(preparing)
    after = client.get(reverse("api:judge_run-detail", args=[preparing.pk])).json()["progress"]

    assert (before["preparing"], before["finished"]) == (True, False)
    assert (after["preparing"], after["finished"]) == (False, True)


def test_the_run_page_keeps_polling_while_the_run_prepares(client, preparing, make_user):
    client.force_login(make_user(Role.REVIEWER, username="rita-reviewer"))
    url = reverse("evaluation:judge_run", args=[preparing.pk])

    page = client.get(url).text
    poll = client.get(url, headers={"HX-Request": "true"})

    assert 'data-testid="preparing"' in page
    assert 'hx-trigger="every 2s"' in page
    assert poll.status_code == 200  # 286 would stop htmx polling
    _prepared(preparing)
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 286


@pytest.mark.parametrize(
    ("language", "note"),
    [("en", "a worker is adding the items to ask about"), ("zh-hans", "工作进程正在添加要询问的条目")],
)
def test_the_run_page_says_the_run_is_preparing_in_the_pages_language(
    client, preparing, make_user, language, note
):
    client.force_login(make_user(Role.REVIEWER, username="rita-reviewer"))

    page = client.get(
        reverse("evaluation:judge_run", args=[preparing.pk]), headers={"Accept-Language": language}
    ).text

    assert note in page


def test_figures_of_a_judge_with_answers_still_to_come_are_partial(preparing):
    _prepared(preparing)
    scope = FigureScope(campaign_ids=(preparing.campaign_id,))
    finished_marker, _ = judge_source_marker(scope)
    # As if its answers were still coming in: some are, more will be.
    GenerationRun.objects.filter(pk=preparing.generation_run_id).update(status=GenerationRun.Status.RUNNING)

    (row,) = judge_figures(scope)["safety"]["judges"]
    running_marker, _ = judge_source_marker(scope)

    assert (row["partial"], row["unfinished_runs"]) == (True, ["slow judges"])
    assert running_marker != finished_marker  # the snapshot recomputes when the run finishes
    GenerationRun.objects.filter(pk=preparing.generation_run_id).update(status=GenerationRun.Status.FINISHED)
    (row,) = judge_figures(scope)["safety"]["judges"]
    assert (row["partial"], row["unfinished_runs"]) == (False, [])
