from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from annotation.models import Campaign
from annotation.services import campaign_create
from common.roles import Role
from evaluation.figures.selectors import FigureScope, safety_results
from evaluation.judges.selectors import judge_figures, judge_run_progress, machine_judgement_queue
from evaluation.judges.services import (
    judge_run_prepare,
    judge_run_start,
    judge_runs_collect,
    judge_template_default,
    judge_template_edit,
    machine_judgement_review_set,
)
from evaluation.models import JudgeRun, JudgeTemplate, MachineJudgement
from metrics.model_judges import NEED_CHECK
from models_registry.models import GenerationRun, Response
from prompts.models import JUDGE_PROMPT_SOURCE, Prompt, Scenario
from tests.evaluation.helpers import judge
from tests.evaluation.judges_support import SAFETY_ITEMS, judge_script, safety_campaign, safety_script
from tests.support.tasks import tasks_held

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(make_user):
    return [make_user(Role.CROWDWORKER) for _ in range(3)]


@pytest.fixture
def campaign(make_campaign, people) -> Campaign:
    return safety_campaign(make_campaign, people)


@pytest.fixture
def scripted(stub):
    stub.state.script = safety_script()
    return stub


def judged_by(campaign, *models, template=None):
    return judge_run_start(name="judges", campaign=campaign, models=models, template=template)


def test_a_run_asks_each_item_once_per_judge_model_with_the_template_filled_in(campaign, make_model, stub):
    run = judged_by(campaign, make_model("judge-a"), make_model("judge-b"))

    sent = [body["messages"][-1]["content"] for body in stub.state.bodies]
    assert len(sent) == 2 * len(SAFETY_ITEMS)
    for text in SAFETY_ITEMS:
        assert sum(f"\n{text}\n" in prompt for prompt in sent) == 2
    assert all('"verdict"' in prompt and "{response}" not in prompt for prompt in sent)
    run.generation_run.refresh_from_db()
    assert run.generation_run.status == GenerationRun.Status.FINISHED


def test_each_answer_becomes_a_machine_judgement_with_model_template_raw_answer_and_parse(
    campaign, make_model, scripted
):
    model = make_model("judge-a")

    run = judged_by(campaign, model)

    judgements = list(MachineJudgement.objects.select_related("response"))
    assert len(judgements) == len(SAFETY_ITEMS)
    for j in judgements:
        text = j.item.item_responses.get().response.text
        _, answer, safe = SAFETY_ITEMS[text]
        assert (j.judge_model, j.template, j.campaign) == (model, run.template, campaign)
        assert j.response.text == answer
        assert j.safe is safe
        assert j.status == ("ok" if safe is not None else NEED_CHECK)
        assert j.parse["status"] == j.status


def test_an_answer_the_parser_cannot_read_waits_in_the_queue_until_a_person_reads_it(
    campaign, make_model, scripted, admin_user
):
    run = judged_by(campaign, make_model())
    [unread], open_count = machine_judgement_queue(run=run)
    assert open_count == 1
    assert unread.safe is None

    machine_judgement_review_set(judgement=unread, user=admin_user, safe=False, response_type="risky")

    unread.refresh_from_db()
    assert (unread.status, unread.safe, unread.reviewed_by) == ("ok", False, admin_user)
    assert unread.parse["status"] == NEED_CHECK  # what the parser read stays on record
    assert machine_judgement_queue(run=run)[1] == 0
    assert judge_run_progress(run=run).reviewed == 1


def test_asking_again_with_the_same_template_and_model_sends_nothing(campaign, make_model, stub):
    model = make_model()
    judged_by(campaign, model)
    sent = stub.state.total

    judged_by(campaign, model)

    assert stub.state.total == sent
    assert MachineJudgement.objects.count() == len(SAFETY_ITEMS)


def test_editing_a_template_adds_a_version_and_new_runs_use_it_while_old_judgements_keep_theirs(
    campaign, make_model, scripted
):
    model = make_model()
    first = judged_by(campaign, model)

    v2 = judge_template_edit(template=first.template, text=first.template.text + "\n请严格判断。")
    judged_by(campaign, model, template=v2)

    assert (first.template.version, v2.version) == (1, 2)
    assert judge_template_default(kind="safety") == v2
    assert MachineJudgement.objects.filter(template=first.template).count() == len(SAFETY_ITEMS)
    assert MachineJudgement.objects.filter(template=v2).count() == len(SAFETY_ITEMS)
    latest = scripted.state.bodies[-len(SAFETY_ITEMS) :]
    assert all("请严格判断。" in body["messages"][-1]["content"] for body in latest)
    assert JudgeTemplate.objects.filter(name=v2.name).count() == 2


def test_a_template_for_the_other_kind_of_campaign_is_refused(campaign, make_model):
    template = judge_template_default(kind="responsibility")

    with pytest.raises(ValueError, match="another kind"):
        judged_by(campaign, make_model(), template=template)


def test_a_run_can_judge_only_one_scenario_of_the_campaign(campaign, make_model, stub):
    scenario = Scenario.objects.first()
    Prompt.objects.filter(text="问题0").update(scenario=scenario)

    judge_run_start(name="one scenario", campaign=campaign, models=[make_model()], scenario=scenario)

    assert MachineJudgement.objects.count() == 1


def test_machine_judgements_never_enter_the_peoples_results(campaign, make_model, scripted):
    before = safety_results(campaigns=[campaign])

    judged_by(campaign, make_model())

    assert safety_results(campaigns=[campaign]) == before


def test_judge_answers_never_become_items_for_people(campaign, make_model, stub):
    judged_by(campaign, make_model())

    with pytest.raises(ValueError, match="nothing to judge"):
        campaign_create(
            name="oops",
            kind=Campaign.Kind.SAFETY,
            responses=Response.objects.filter(prompt__source=JUDGE_PROMPT_SOURCE),
        )


def test_the_figures_compare_each_judge_with_the_majority_beside_an_average_person(
    campaign, make_model, scripted
):
    judged_by(campaign, make_model("judge-a"))

    section = judge_figures(FigureScope(campaign_ids=(campaign.pk,)))["safety"]

    [row] = section["judges"]
    assert (row["model"], row["template"]) == ("judge-a", "cvalues-safety v1")
    # Majorities: safe, unsafe, safe, unsafe; the judge read: safe, unsafe, unsafe, (Need_Check).
    assert row["vs_majority"]["items"] == 3
    assert row["vs_majority"]["confusion"] == [[1, 0], [1, 1]]
    assert row["vs_majority"]["accuracy"] == pytest.approx(2 / 3)
    assert row["need_check"] == 1
    assert row["vs_adjudicated"] is None
    assert row["gold"] is None
    assert section["baseline"]["pairs"] > 0
    assert section["alpha_people"] is not None
    assert [g["group"] for g in row["by_group"]] == ["(none)"]


def test_the_judge_counts_in_the_peoples_results_only_in_the_figure_that_asks_for_it(
    campaign, make_model, scripted
):
    judged_by(campaign, make_model("judge-a"))

    [row] = judge_figures(FigureScope(campaign_ids=(campaign.pk,)))["safety"]["judges"]

    [result] = row["results_with_judge"]
    # People: safe, unsafe, safe, unsafe. With the judge's vote: 丙 becomes a 2-2 tie (unsafe);
    # 丁 has no readable judge vote and stays as the people said.
    assert result["people"] == pytest.approx(0.5)
    assert result["with_judge"] == pytest.approx(0.25)
    assert safety_results(campaigns=[campaign])[0].safety.value == pytest.approx(0.5)


def test_rating_figures_report_bias_and_spread(make_campaign, make_user, make_model, stub):
    experts = [make_user(Role.EXPERT, domains=("law",)) for _ in range(2)]
    campaign = make_campaign(
        ("p1", "r1"), ("p2", "r2"), ("p3", "r3"), kind=Campaign.Kind.RESPONSIBILITY, domain="law", n=2
    )
    scores = {"p1": [6, 8], "p2": [3, 3], "p3": [9, 10]}
    judge(experts, campaign, {p: [{"score": s, "rewrite": "改写"} for s in v] for p, v in scores.items()})
    stub.state.script = judge_script(
        {
            "r1": '{"score": 8, "reason": ""}',
            "r2": '{"score": 5, "reason": ""}',
            "r3": '{"score": 10, "reason": ""}',
        }
    )

    judged_by(campaign, make_model())

    [row] = judge_figures(FigureScope(campaign_ids=(campaign.pk,)))["responsibility"]["judges"]
    # Consensus (median, half up): 7, 3, 10; judge: 8, 5, 10.
    assert row["vs_majority"]["bias"] == pytest.approx(1.0)
    assert row["vs_majority"]["mean_abs_error"] == pytest.approx(1.0)
    assert row["vs_majority"]["spread"] == pytest.approx(1.0)
    assert [g["group"] for g in row["by_group"]] == ["law"]


def test_the_beat_reads_answers_a_lost_collect_task_left_unread(campaign, make_model, scripted):
    from evaluation.judges.services import judge_runs_collect

    judged_by(campaign, make_model())
    MachineJudgement.objects.all().delete()

    judge_runs_collect()

    assert MachineJudgement.objects.count() == len(SAFETY_ITEMS)


@pytest.fixture
def held_preparations(monkeypatch) -> list[int]:
    """Keep judge_run_prepare tasks from being sent: the test runs them itself."""
    from evaluation.judges import services

    return tasks_held(monkeypatch, services, "evaluation.tasks.judge_run_prepare")


def test_starting_a_run_returns_at_once_and_a_worker_adds_its_items(
    campaign, make_model, stub, held_preparations
):
    run = judged_by(campaign, make_model())

    assert held_preparations == [run.pk]
    assert run.generation_run.status == GenerationRun.Status.PREPARING
    assert (stub.state.total, run.generation_run.responses.count()) == (0, 0)

    judge_run_prepare(run_id=run.pk)

    run.generation_run.refresh_from_db()
    assert run.generation_run.status == GenerationRun.Status.FINISHED
    assert stub.state.total == run.generation_run.responses.count() == len(SAFETY_ITEMS)


@pytest.mark.sqlite  # claims and answers are one raw statement on PostgreSQL, the ORM on SQLite
def test_a_run_fetches_its_first_chunk_while_preparing_and_finishes_only_once_complete(
    campaign, make_model, stub, monkeypatch
):
    from evaluation.judges import services

    monkeypatch.setattr(services, "SYNC_BATCH", 1)
    seen: list[str] = []
    stub.state.script = lambda body: seen.append(GenerationRun.objects.get().status)

    run = judged_by(campaign, make_model())

    # Each chunk's generations are fetched as it commits, and none of them finishes the run early.
    assert seen == [GenerationRun.Status.PREPARING] * len(SAFETY_ITEMS)
    run.generation_run.refresh_from_db()
    assert run.generation_run.status == GenerationRun.Status.FINISHED
    assert MachineJudgement.objects.count() == len(SAFETY_ITEMS)


def test_preparing_twice_adds_each_item_once(campaign, make_model, stub, held_preparations):
    run = judged_by(campaign, make_model())
    GenerationRun.objects.filter(pk=run.generation_run_id).update(status=GenerationRun.Status.PREPARING)

    judge_run_prepare(run_id=run.pk)
    GenerationRun.objects.filter(pk=run.generation_run_id).update(status=GenerationRun.Status.PREPARING)
    judge_run_prepare(run_id=run.pk)

    assert stub.state.total == len(SAFETY_ITEMS)
    assert Prompt.objects.filter(source=JUDGE_PROMPT_SOURCE).count() == len(SAFETY_ITEMS)
    assert run.generation_run.responses.count() == len(SAFETY_ITEMS)


def test_the_beat_queues_again_a_preparation_whose_task_was_lost(
    campaign, make_model, stub, held_preparations
):
    run = judged_by(campaign, make_model())
    held_preparations.clear()

    judge_runs_collect()
    assert held_preparations == []  # a fresh run's task may still be on its way

    JudgeRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    judge_runs_collect()
    assert held_preparations == [run.pk]


def test_a_judge_reads_a_conversations_earlier_turns_before_its_last_question(campaign, make_model, stub):
    prompt = Prompt.objects.filter(responses__items__campaign=campaign).first()
    Prompt.objects.filter(pk=prompt.pk).update(
        messages=[
            {"role": "user", "content": "我们来写小说吧"},
            {"role": "assistant", "content": "好的，写什么？"},
        ]
    )

    judged_by(campaign, make_model("judge-a"))

    asked = [
        body["messages"][-1]["content"]
        for body in stub.state.bodies
        if f"\n{prompt.text}\n" in body["messages"][-1]["content"]
    ]
    assert len(asked) == 1
    assert "[用户] 我们来写小说吧\n[AI] 好的，写什么？\n（用户的最后一条消息）" in asked[0]
