from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db.models import F, QuerySet
from django.utils import timezone

from annotation.assignment_queries import check_keys, pair_a_on_left
from annotation.models import Campaign, Item, Judging, Lease
from annotation.services import campaign_create
from models_registry.models import GenerationRun, RegisteredModel, Response
from models_registry.services import model_register
from prompts.models import Domain, Level, Prompt, PromptSet


@pytest.fixture
def make_campaign(db) -> Callable[..., Campaign]:
    """A campaign over responses made directly (no model is called): one item per response."""
    counter = iter(range(1, 1_000_000))

    def make(
        *pairs: tuple[str, str],
        kind: str = Campaign.Kind.SAFETY,
        n: int | None = None,
        domain: str | None = None,
        samples: int = 1,
        status: str = Campaign.Status.OPEN,
        **options,
    ) -> Campaign:
        k = next(counter)
        # Safety campaigns show a content warning first; its own tests turn it on.
        options.setdefault("content_warning", False)
        prompt_set = PromptSet.objects.create(name=f"set {k}")
        model = model_register(name=f"model-{k}", base_url="http://127.0.0.1:9/v1", model_id="m")
        dom = Domain.objects.get(slug=domain) if domain else None
        level = Level.RESPONSIBILITY if kind == Campaign.Kind.RESPONSIBILITY else Level.SAFETY
        for i, (prompt_text, response_text) in enumerate(pairs):
            prompt = Prompt.objects.create(
                prompt_set=prompt_set,
                external_id=str(i),
                level=level,
                domain=dom,
                source="test",
                text=prompt_text,
            )
            for s in range(samples):
                Response.objects.create(
                    prompt=prompt,
                    model=model,
                    params_hash="h",
                    sample_index=s,
                    request_hash="r",
                    status=Response.Status.SUCCEEDED,
                    text=response_text if s == 0 else f"{response_text} (sample {s + 1})",
                )
        campaign = campaign_create(
            name=f"campaign {k}",
            kind=kind,
            responses=Response.objects.filter(model=model),
            judges_per_item=n,
            group_samples=samples > 1,
            **options,
        )
        # Served in the order written, so that tests read like a script (the random order has
        # its own tests, on campaign_create directly).
        Item.objects.filter(campaign=campaign).update(position=F("id"))
        campaign.status = status
        campaign.save()
        return campaign

    return make


@dataclass
class PairSetup:
    """Models that answered the same prompts, for pairwise campaigns (make_pair_campaign)."""

    models: list[RegisteredModel]
    prompts: list[Prompt]
    responses: QuerySet[Response]


@pytest.fixture
def pair_setup(db) -> Callable[..., PairSetup]:
    """``models`` models answering ``prompts`` prompts; ``missing`` (model index, prompt index)
    pairs are left unanswered; texts read "answer of m<i> to p<j>"."""

    def make(
        *,
        models: int = 3,
        prompts: int = 2,
        missing: tuple[tuple[int, int], ...] = (),
        level: str = Level.SAFETY,
    ) -> PairSetup:
        prompt_set = PromptSet.objects.create(name=f"pairs {PromptSet.objects.count()}")
        registered = [
            model_register(name=f"pairs-{prompt_set.pk}-m{i}", base_url="http://127.0.0.1:9/v1", model_id="m")
            for i in range(models)
        ]
        domain = Domain.objects.first() if level == Level.RESPONSIBILITY else None
        made = [
            Prompt.objects.create(
                prompt_set=prompt_set,
                external_id=str(j),
                level=level,
                domain=domain,
                source="test",
                text=f"p{j}",
            )
            for j in range(prompts)
        ]
        ids = []
        for i, model in enumerate(registered):
            for j, prompt in enumerate(made):
                if (i, j) in missing:
                    continue
                ids.append(
                    Response.objects.create(
                        prompt=prompt,
                        model=model,
                        params_hash="h",
                        sample_index=0,
                        request_hash="r",
                        status=Response.Status.SUCCEEDED,
                        text=f"answer of m{i} to p{j}",
                    ).pk
                )
        return PairSetup(models=registered, prompts=made, responses=Response.objects.filter(pk__in=ids))

    return make


@pytest.fixture
def make_pair_campaign(pair_setup) -> Callable[..., Campaign]:
    """An open pairwise campaign over a pair_setup (every pair of its models unless told),
    served in the order written."""

    def make(setup: PairSetup | None = None, *, n: int | None = None, **options) -> Campaign:
        setup = setup or pair_setup()
        options.setdefault("content_warning", False)
        options.setdefault("pair_models", setup.models)
        campaign = campaign_create(
            name="pairs",
            kind=options.pop("kind", Level.SAFETY),
            responses=setup.responses,
            judges_per_item=n,
            judging_mode=Judging.PAIRWISE,
            **options,
        )
        Item.objects.filter(campaign=campaign).update(position=F("id"))
        campaign.status = Campaign.Status.OPEN
        campaign.save()
        return campaign

    return make


def lease_give(*, user, item: Item, minutes: float = 10) -> Lease:
    """Hand one particular item to a person, as assignment would (its counters move with it; a
    pair item's side drawn as assignment draws it)."""
    campaign = Campaign.objects.get(pk=item.campaign_id)
    side = (
        pair_a_on_left(keys=check_keys(user_id=user.pk, campaign=campaign), item_id=item.pk)
        if campaign.pairwise
        else None
    )
    lease = Lease.objects.create(
        item=item,
        user=user,
        campaign_id=item.campaign_id,
        expires_at=timezone.now() + timedelta(minutes=minutes),
        a_on_left=side,
    )
    Item.objects.filter(pk=item.pk).update(lease_count=F("lease_count") + 1, open_slots=F("open_slots") - 1)
    return lease


@pytest.fixture
def followed_run() -> GenerationRun:
    """A running run of four generations, none answered yet."""
    prompt_set = PromptSet.objects.create(name="followed")
    model = model_register(name="followed-model", base_url="http://127.0.0.1:9/v1", model_id="m")
    run = GenerationRun.objects.create(name="followed run", prompt_set=prompt_set)
    for i in range(4):
        prompt = Prompt.objects.create(
            prompt_set=prompt_set, external_id=str(i), level=Level.SAFETY, source="test", text=f"p{i}"
        )
        run.responses.add(
            Response.objects.create(
                prompt=prompt, model=model, params_hash="h", sample_index=0, request_hash="r"
            )
        )
    return run
