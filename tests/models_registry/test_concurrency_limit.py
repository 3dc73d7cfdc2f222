from __future__ import annotations

import threading

import pytest

from models_registry.generation import generation_batch_execute
from models_registry.models import Response
from models_registry.services import generation_run_start

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_models_concurrency_limit_caps_requests_in_flight(make_model, make_prompts, stub):
    stub.state.delay_s = 0.1

    generation_run_start(
        name="r",
        prompt_set=make_prompts(*[f"p{i}" for i in range(12)]),
        models=[make_model(max_concurrency=3)],
    )

    assert stub.state.max_in_flight == 3
    assert Response.objects.filter(status="succeeded").count() == 12


def test_the_limit_holds_across_batches_running_in_parallel(
    make_model, make_prompts, stub, settings, held_tasks
):
    stub.state.delay_s = 0.1
    settings.GENERATION_BATCH_SIZE = 6
    generation_run_start(
        name="r",
        prompt_set=make_prompts(*[f"p{i}" for i in range(24)]),
        models=[make_model(max_concurrency=4)],
    )
    ids = list(Response.objects.order_by("id").values_list("id", flat=True))
    batches = [ids[i : i + 6] for i in range(0, 24, 6)]

    threads = [
        threading.Thread(target=generation_batch_execute, kwargs={"response_ids": b, "claim": f"task-{n}"})
        for n, b in enumerate(batches)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert stub.state.max_in_flight == 4
    assert Response.objects.filter(status="succeeded").count() == 24


def test_a_finished_response_is_never_fetched_again(make_model, make_prompts, stub):
    generation_run_start(name="r", prompt_set=make_prompts("a"), models=[make_model()])
    [response_id] = Response.objects.values_list("id", flat=True)

    generation_batch_execute(response_ids=[response_id], claim="another-task")

    assert stub.state.total == 1


def test_a_held_slot_is_renewed_by_its_holders_heartbeat(settings):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import redis

    from models_registry.limiter import ConcurrencyLimiter

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    key = "valuelens:slots:model:renew"

    async def hold_and_renew() -> float:
        async with (
            ConcurrencyLimiter(settings.CELERY_BROKER_URL) as limiter,
            limiter.slot("model:renew", limit=1, lease_s=30),
        ):
            [token] = client.zrange(key, 0, -1)
            client.zadd(key, {token: 0.0})  # as if taken long ago
            await limiter.refresh()
            return client.zscore(key, token)

    # A thread of its own: under the browser tests this thread already runs Playwright's loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        renewed = pool.submit(asyncio.run, hold_and_renew()).result()

    assert renewed > client.time()[0] - 30
