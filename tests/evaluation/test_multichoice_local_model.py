"""One multi-choice run on the real local model (Qwen2.5-Coder-0.5B, the local-model extra)."""

from __future__ import annotations

import pytest

from evaluation.multichoice.selectors import (
    multichoice_answers,
    multichoice_export_records,
    multichoice_run_results,
)
from evaluation.multichoice.services import multichoice_run_start
from metrics.multichoice import PREDICTIONS
from models_registry.local_model import QWEN_CODER_05B
from models_registry.models import Response
from models_registry.services import model_register
from prompts.models import Domain
from tests.evaluation.multichoice_support import mc_items_import

pytestmark = [pytest.mark.local_model, pytest.mark.django_db(transaction=True)]


def test_the_real_model_answers_a_pair_in_both_orders_and_every_answer_is_scored(local_server: str):
    model = model_register(
        name="qwen-local-mc",
        base_url=local_server,
        model_id=QWEN_CODER_05B.alias,
        temperature=0.0,
        max_tokens=48,
        max_concurrency=2,
        # A loaded 2-core machine answers slowly; this checks answers, not speed.
        timeout_s=120,
        max_retries=1,
    )

    run = multichoice_run_start(
        name="local", item_set=mc_items_import(), models=[model], domain=Domain.objects.get(slug="law")
    )

    responses = list(Response.objects.filter(runs=run.generation_run))
    assert [r.status for r in responses] == ["succeeded", "succeeded"], [r.error for r in responses]
    assert all(r.text.strip() for r in responses)
    answers = list(multichoice_answers(run=run))
    assert all(a.pred in PREDICTIONS for a in answers)
    [result] = multichoice_run_results(run=run)
    assert result.scores.n == 2
    assert result.scores.pair_acc.n == 1
    exported = list(multichoice_export_records(run=run, model=model))
    assert sorted(r["response"] for r in exported) == sorted(r.text for r in responses)
