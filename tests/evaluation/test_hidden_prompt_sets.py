"""Evaluation asks models its own questions (multi-choice items, judging prompts) through hidden
prompt sets: both subjects start their runs through the one service, the sets are marked hidden
on the set itself, and no person meets them in a form or a list."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

import evaluation.asking.services
from evaluation.asking.services import HiddenQuestion, HiddenSet, hidden_prompts_create, hidden_run_start
from evaluation.judges.services import judge_run_prepare, judge_run_start
from evaluation.models import HiddenPromptSet, HiddenSubject, JudgeRun, MultiChoiceRun
from evaluation.multichoice.services import multichoice_run_start
from models_registry.models import GenerationRun
from prompts.models import Level, Prompt, PromptSet
from tests.config.api_support import api_as
from tests.evaluation.multichoice_support import mc_items_import

pytestmark = pytest.mark.django_db


@dataclass
class Hidden:
    mc: MultiChoiceRun
    judge: JudgeRun
    campaign_run: GenerationRun

    @property
    def sets(self) -> list[PromptSet]:
        return [self.mc.generation_run.prompt_set, self.judge.generation_run.prompt_set]

    @property
    def runs(self) -> list[GenerationRun]:
        return [self.mc.generation_run, self.judge.generation_run]


@pytest.fixture
def hidden(make_model, make_campaign) -> Hidden:
    """A multi-choice run and a judge run, with their hidden sets written (no model is asked: the
    generations are queued on a commit that never comes)."""
    model = make_model("asked")
    mc = multichoice_run_start(name="mc", item_set=mc_items_import(), models=[model])
    campaign = make_campaign(("问题", "回答"))
    judge = judge_run_start(name="judges", campaign=campaign, models=[model])
    judge_run_prepare(run_id=judge.pk)
    # A run over the campaign's own set, which people see: the forms offer it.
    campaign_run = GenerationRun.objects.create(
        name="people's run", prompt_set=campaign.items.get().prompt.prompt_set
    )
    return Hidden(mc=mc, judge=judge, campaign_run=campaign_run)


def test_both_subjects_start_their_runs_through_the_one_service(make_model, make_campaign, monkeypatch):
    asked: list[str] = []
    find_set = evaluation.asking.services.hidden_prompt_set

    def spy(*, spec: HiddenSet) -> PromptSet:
        asked.append(spec.subject)
        return find_set(spec=spec)

    monkeypatch.setattr(evaluation.asking.services, "hidden_prompt_set", spy)
    model = make_model("asked")

    mc = multichoice_run_start(name="mc", item_set=mc_items_import(), models=[model])
    judge = judge_run_start(name="judges", campaign=make_campaign(("问题", "回答")), models=[model])
    judge_run_prepare(run_id=judge.pk)

    assert asked == [HiddenSubject.MULTI_CHOICE, HiddenSubject.JUDGE]
    for run, subject in (
        (mc.generation_run, HiddenSubject.MULTI_CHOICE),
        (judge.generation_run, HiddenSubject.JUDGE),
    ):
        run.refresh_from_db()
        assert run.prompt_set.hidden
        assert run.prompt_set.hidden_origin.subject == subject
        assert run.samples_per_prompt == 1
        assert set(run.prompt_set.prompts.values_list("source", flat=True)) == {subject}
        assert run.responses.count() == run.prompt_set.prompts.count() > 0


def test_the_same_subject_and_key_find_the_same_hidden_set_again(make_model):
    spec = HiddenSet(subject=HiddenSubject.JUDGE, key="campaign=1:template=1", name="a set", description="")
    question = HiddenQuestion(external_id="q1", text="问题", level=Level.SAFETY)
    model = make_model("asked")

    def ask(prompt_set: PromptSet) -> None:
        hidden_prompts_create(prompt_set=prompt_set, subject=spec.subject, questions=[question])

    first = hidden_run_start(name="first", spec=spec, models=[model], write_questions=ask)
    second = hidden_run_start(name="second", spec=spec, models=[model], write_questions=ask)

    assert first.prompt_set == second.prompt_set
    assert HiddenPromptSet.objects.count() == 1
    assert Prompt.objects.filter(prompt_set=first.prompt_set).count() == 1
    assert list(second.responses.all()) == list(first.responses.all())


def test_a_run_started_without_questions_waits_for_the_subject_to_add_them(make_model):
    spec = HiddenSet(subject=HiddenSubject.JUDGE, key="campaign=2:template=1", name="later", description="")

    run = hidden_run_start(name="later", spec=spec, models=[make_model("asked")])

    assert run.status == GenerationRun.Status.PREPARING
    assert run.prompt_set.hidden
    assert not run.prompt_set.prompts.exists()


def _assert_hidden_absent(text: str, hidden: Hidden, *, runs: bool = False) -> None:
    for prompt_set in hidden.sets:
        assert prompt_set.name not in text
    if runs:
        for run in hidden.runs:
            assert run.name not in text


@pytest.mark.parametrize(
    ("url", "visible"),
    [
        (reverse("prompts:list"), "set 1"),
        (reverse("prompts:browse"), "set 1"),
        (reverse("prompts:import"), "set 1"),
        (reverse("models_registry:run_create"), "set 1"),
        (reverse("evaluation:mc_runs"), "CValues multi-choice (test)"),
    ],
)
def test_no_page_lists_or_offers_a_hidden_set(admin_client, hidden, url, visible):
    page = admin_client.get(url).text

    assert visible in page
    _assert_hidden_absent(page, hidden)


def test_the_prompt_browser_shows_none_of_the_hidden_sets_prompts(admin_client, hidden):
    judging_prompt = hidden.judge.generation_run.prompt_set.prompts.get()

    page = admin_client.get(reverse("prompts:browse")).text

    assert "问题" in page
    assert f"<code>{judging_prompt.external_id}</code>" not in page
    assert "回复1" not in page


def test_the_campaign_form_offers_no_run_over_a_hidden_set(admin_client, hidden):
    page = admin_client.get(reverse("campaigns:create")).text

    assert "people&#x27;s run" in page
    _assert_hidden_absent(page, hidden, runs=True)


def test_the_api_lists_no_hidden_set_nor_its_prompts(admin_user, hidden):
    api = api_as(admin_user)

    sets = api.get("/api/prompt-sets/").json()["results"]
    prompts = api.get("/api/prompts/", {"page_size": 500}).json()["results"]

    assert "set 1" in {s["name"] for s in sets}
    assert not {s.pk for s in hidden.sets} & {s["id"] for s in sets}
    assert prompts
    assert not {s.pk for s in hidden.sets} & {p["prompt_set"] for p in prompts}
    assert api.get(f"/api/prompt-sets/{hidden.sets[0].pk}/").status_code == 404


def test_the_api_starts_no_generation_run_on_a_hidden_set(admin_user, hidden, make_model):
    response = api_as(admin_user).post(
        "/api/runs/",
        {"name": "by hand", "prompt_set": hidden.sets[1].pk, "target_models": [make_model("x").pk]},
        format="json",
    )

    assert response.status_code == 400
    assert "prompt_set" in response.json()


def test_the_api_makes_no_campaign_of_a_run_over_a_hidden_set(admin_user, hidden):
    api = api_as(admin_user)

    by_runs = api.post(
        "/api/campaigns/", {"name": "of judges", "kind": "safety", "runs": [hidden.runs[1].pk]}, format="json"
    )
    following = api.post(
        "/api/campaigns/",
        {"name": "following", "kind": "safety", "follow_run": hidden.runs[0].pk},
        format="json",
    )

    assert (by_runs.status_code, following.status_code) == (400, 400)
    assert "runs" in by_runs.json()
    assert "follow_run" in following.json()
