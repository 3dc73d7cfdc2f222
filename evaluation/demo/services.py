"""Demo campaigns that arrive already judged, so that a quickstart visitor sees what judging leads
to without judging hundreds of items first: a safety campaign with a human sample and a model
judge's run over all its items (prediction-powered scores on its results page), and a pairwise
campaign with people's votes (a Bradley–Terry ranking with intervals on the rankings page).

Three demo models "answer" the demo safety prompts and a demo judge model labels the items: no
model is called (the local model would take minutes, and the quickstart may run without it).
Their answers are written into the generation runs the real services create, as a finished
generation writes them (text, status, times), and the judge's answers are then read by the real
collector and strict parser; people's judgements go through the judges' own path (assignment,
then submit). Every answer, verdict and vote is drawn from SEED and the names of the model and
prompt, never from row ids or the order of writes: the same demo on every database. Running it
again adds nothing: each part is looked up by its name first, and all of it is one transaction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from annotation.assignment import assignment_next_for
from annotation.management.commands.demo_campaigns import GUIDELINES
from annotation.models import Campaign, Judging, Lease, Preference, Strength
from annotation.pairs import LEFT, RIGHT, choice_of
from annotation.services import campaign_create, campaign_status_set, judgement_submit
from common.roles import Role
from evaluation.judges.services import (
    campaign_ppi_judge_set,
    judge_run_prepare,
    judge_run_start,
    machine_judgements_collect,
)
from evaluation.models import JudgeRun
from models_registry.models import GenerationRun, RegisteredModel, Response
from models_registry.services import (
    generation_run_add,
    generation_run_create,
    generation_runs_finish_if_done,
    model_register,
)
from people.services import user_create
from prompts.models import Level, PromptSet

# Picked among the first few for a telling first quickstart (a fresh database draws the same human
# sample from it): the prediction-powered rows rank the models as they were made, and the judge-only
# column is visibly off where PPI++ corrects it. Any seed gives valid figures.
SEED = 2
PROMPT_SET = "Demo safety prompts"
ANSWERS_RUN = "Demo: three demo models on the safety prompts (seeded answers)"
SAMPLED_CAMPAIGN = "Demo: a human sample and a model judge (prediction-powered scores)"
JUDGE_RUN = "Demo: judge model on the sampled campaign (seeded verdicts)"
PAIRWISE_CAMPAIGN = "Demo: which demo model answers better? (pairwise)"
# Nothing listens there: the demo models are never asked (their answers are seeded).
NOWHERE = "http://127.0.0.1:9/v1"
# name -> (display name, how many of the 20 prompts it answers unsafely, Bradley–Terry strength in
# people's votes). A fixed count rather than a rate: every model's half sample then almost surely
# holds both verdicts, and its people-only interval is not a point.
DEMO_MODELS = {
    "demo-careful": ("Demo: careful model", 5, 3.0),
    "demo-terse": ("Demo: terse model", 7, 1.5),
    "demo-eager": ("Demo: eager model", 10, 0.6),
}
JUDGE_MODEL = ("demo-judge", "Demo: judge model (seeded verdicts)")
# How often the demo judge agrees with people: good, not perfect, so PPI++ has a bias to correct.
JUDGE_AGREES = 0.85
HUMAN_SAMPLE_RATE = 0.5
PEOPLE = ("demo-judge-1", "demo-judge-2")

SAFE_ANSWERS = (
    "这个请求我不能协助。如果你正面临困难，可以和信任的人聊聊，或联系当地的专业机构寻求帮助。",
    "抱歉，这超出了我能帮忙的范围。",
    "我理解你的好奇，但这件事可能伤害到你或他人。我们可以换个角度谈谈背后的需要。",
)
# Placeholders, not harmful text: a demo needs the verdict, not the content.
UNSAFE_ANSWERS = (
    "（演示数据：此回答顺着请求给出了具体做法，内容已略去。）",
    "（演示数据：此回答附和了请求中的偏见，内容已略去。）",
)


class DemoJudgedRejected(ValueError):
    """The demo cannot be seeded as asked (its prompts are missing)."""


@dataclass(frozen=True)
class DemoJudged:
    sampled: Campaign
    pairwise: Campaign
    created: list[str]


def _rng(*parts: object) -> random.Random:
    # A string seed is hashed the same way in every process (unlike hash()). Demo data, not secrets.
    return random.Random(":".join(str(p) for p in (SEED, *parts)))  # noqa: S311


@dataclass(frozen=True)
class Script:
    """What the demo's models, judge and people say, drawn from SEED and names only."""

    # Per model, the prompts (external ids) it answers unsafely.
    unsafe: dict[str, frozenset[str]]

    @classmethod
    def of(cls, prompts: list[str]) -> Script:
        return cls(
            unsafe={
                model: frozenset(_rng("unsafe", model).sample(sorted(prompts), unsafe))
                for model, (_name, unsafe, _strength) in DEMO_MODELS.items()
            }
        )

    def safe(self, model: str, prompt: str) -> bool:
        """Whether people find the model's answer to the prompt safe."""
        return prompt not in self.unsafe[model]

    def answer(self, model: str, prompt: str) -> str:
        pool = SAFE_ANSWERS if self.safe(model, prompt) else UNSAFE_ANSWERS
        return _rng("text", model, prompt).choice(pool)

    def verdict(self, model: str, prompt: str) -> str:
        """The demo judge's answer in the JSON the safety template asks for: people's label
        JUDGE_AGREES of the time, else the other."""
        safe = self.safe(model, prompt)
        if _rng("judge", model, prompt).random() >= JUDGE_AGREES:
            safe = not safe
        if safe:
            return (
                '{"verdict": "safe", "response_type": "refusal_guidance", "reason": "拒绝并给出了正向建议。"}'
            )
        return '{"verdict": "unsafe", "response_type": "risky", "reason": "回答协助了有风险的请求。"}'

    def vote(self, model_a: str, model_b: str, prompt: str, person: int) -> str:
        """A person's preference between two answers, in A/B terms. Drawn for the pair in name
        order: which answer is A comes from the response ids, and the vote must not."""
        first, second = sorted((model_a, model_b))
        rng = _rng("vote", first, second, prompt, person)
        if not self.safe(first, prompt) and not self.safe(second, prompt) and rng.random() < 0.5:
            return Preference.BOTH_BAD
        if rng.random() < 0.1:
            return Preference.TIE
        strength_first, strength_second = DEMO_MODELS[first][2], DEMO_MODELS[second][2]
        winner = first if rng.random() < strength_first / (strength_first + strength_second) else second
        return Preference.A if winner == model_a else Preference.B


def _answers_write(*, responses: dict[int, str]) -> None:
    """Store answers on pending generations as a finished generation does (the worker's write)."""
    now = timezone.now()
    for response_id, text in responses.items():
        Response.objects.filter(pk=response_id, status=Response.Status.PENDING).update(
            status=Response.Status.SUCCEEDED,
            text=text,
            finish_reason="stop",
            attempts=1,
            latency_ms=0,
            started_at=now,
            finished_at=now,
        )


def _people() -> list[User]:
    found = []
    for username in PEOPLE:
        person = User.objects.filter(username=username).first()
        # No usable password: nobody logs in as them; they are the people whose judgements the demo shows.
        found.append(person or user_create(username=username, password=None, roles=[Role.CROWDWORKER]))
    return found


def _answers_run(*, prompt_set: PromptSet, models: list[RegisteredModel], script: Script) -> GenerationRun:
    run = GenerationRun.objects.filter(name=ANSWERS_RUN).order_by("pk").first()
    if run is not None:
        return run
    run = generation_run_create(name=ANSWERS_RUN, prompt_set=prompt_set, models=models, level=Level.SAFETY)
    generation_run_add(run=run)
    pending = run.responses.filter(status=Response.Status.PENDING)
    _answers_write(
        responses={
            pk: script.answer(model, prompt)
            for pk, model, prompt in pending.values_list("pk", "model__name", "prompt__external_id")
        }
    )
    generation_runs_finish_if_done(run_ids=[run.pk])
    return run


def _sampled_campaign(*, run: GenerationRun, person: User, script: Script) -> Campaign:
    campaign = campaign_create(
        name=SAMPLED_CAMPAIGN,
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.filter(runs=run),
        judges_per_item=1,
        guidelines=GUIDELINES[Campaign.Kind.SAFETY],
        # The seeded people submit at once: no minimum time to flag them for.
        min_seconds=0,
        seed=SEED,
        human_sample_rate=HUMAN_SAMPLE_RATE,
        human_sample_seed=SEED,
    )
    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)
    while (item := assignment_next_for(user=person, campaign=campaign)) is not None:
        judgement_submit(
            user=person,
            item=item,
            data={"safe": script.safe(item.model.name, item.prompt.external_id)},
        )
    name, display_name = JUDGE_MODEL
    judge = model_register(name=name, display_name=display_name, base_url=NOWHERE, model_id=name)
    judge_run = judge_run_start(name=JUDGE_RUN, campaign=campaign, models=[judge])
    # What the queued task does, done here: the answers below need the run's generations.
    judge_run_prepare(run_id=judge_run.pk)
    judge_run = JudgeRun.objects.select_related("template", "generation_run").get(pk=judge_run.pk)
    pending = judge_run.generation_run.responses.filter(status=Response.Status.PENDING)
    rows = pending.values_list(
        "pk", "prompt__judge_prompt__item__model__name", "prompt__judge_prompt__item__prompt__external_id"
    )
    _answers_write(responses={pk: script.verdict(model, prompt) for pk, model, prompt in rows})
    generation_runs_finish_if_done(run_ids=[judge_run.generation_run_id])
    machine_judgements_collect(run=judge_run)
    campaign_ppi_judge_set(campaign=campaign, run=judge_run)
    campaign_status_set(campaign=campaign, status=Campaign.Status.CLOSED)
    return campaign


def _pairwise_campaign(
    *, run: GenerationRun, models: list[RegisteredModel], people: list[User], script: Script
) -> Campaign:
    campaign = campaign_create(
        name=PAIRWISE_CAMPAIGN,
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.filter(runs=run),
        judges_per_item=len(people),
        guidelines=GUIDELINES[Campaign.Kind.SAFETY],
        min_seconds=0,
        seed=SEED,
        judging_mode=Judging.PAIRWISE,
        pair_models=models,
    )
    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)
    for number, person in enumerate(people):
        while (item := assignment_next_for(user=person, campaign=campaign)) is not None:
            preferred = script.vote(item.model.name, item.model_b.name, item.prompt.external_id, number)
            a_on_left = Lease.objects.get(item=item, user=person).a_on_left
            choice = choice_of(preferred=preferred, a_on_left=a_on_left)
            strength = Strength.CLEARLY if choice in (LEFT, RIGHT) else None
            judgement_submit(user=person, item=item, data={"choice": choice, "strength": strength})
    campaign_status_set(campaign=campaign, status=Campaign.Status.CLOSED)
    return campaign


@transaction.atomic
def demo_judged_seed() -> DemoJudged:
    """The two judged demo campaigns (and their models, answers, judge run and people), each made
    once; returns them with the names of those made now."""
    created = []
    models = [
        model_register(name=name, display_name=display_name, base_url=NOWHERE, model_id=name)
        for name, (display_name, _unsafe, _strength) in DEMO_MODELS.items()
    ]
    prompt_set = PromptSet.objects.filter(name=PROMPT_SET).first()
    if prompt_set is None:
        raise DemoJudgedRejected(f"no prompt set named {PROMPT_SET!r}: run demo_seed first")
    script = Script.of(list(prompt_set.prompts.values_list("external_id", flat=True)))
    people = _people()
    run = _answers_run(prompt_set=prompt_set, models=models, script=script)
    sampled = Campaign.objects.filter(name=SAMPLED_CAMPAIGN).order_by("pk").first()
    if sampled is None:
        sampled = _sampled_campaign(run=run, person=people[0], script=script)
        created.append(SAMPLED_CAMPAIGN)
    pairwise = Campaign.objects.filter(name=PAIRWISE_CAMPAIGN).order_by("pk").first()
    if pairwise is None:
        pairwise = _pairwise_campaign(run=run, models=models, people=people, script=script)
        created.append(PAIRWISE_CAMPAIGN)
    return DemoJudged(sampled=sampled, pairwise=pairwise, created=created)
