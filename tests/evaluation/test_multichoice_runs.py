from __future__ import annotations

import json

import pytest

from annotation.models import Campaign
from annotation.services import campaign_create
from evaluation.models import MultiChoicePrompt, MultiChoiceReview
from evaluation.multichoice.selectors import (
    multichoice_answers,
    multichoice_export_records,
    multichoice_review_queue,
    multichoice_run_results,
)
from evaluation.multichoice.services import multichoice_review_set, multichoice_run_start
from metrics.multichoice import NEED_CHECK, REPLY_1, REPLY_2
from models_registry.models import GenerationRun, Response
from prompts.models import MULTI_CHOICE_PROMPT_SOURCE, Domain, MultiChoiceItem, PromptSet
from tests.evaluation.multichoice_support import RECORDS, SCRIPTED, mc_items_import, script_for
from tests.prompts.helpers import import_bytes, jsonl, mc_record

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mc_set() -> PromptSet:
    return mc_items_import()


@pytest.fixture
def scripted(stub):
    stub.state.script = script_for([answer for answer, _ in SCRIPTED])
    return stub


def answered_run(mc_set, model, **options):
    return multichoice_run_start(name="mc", item_set=mc_set, models=[model], **options)


def test_a_run_asks_each_item_once_per_model_with_the_items_own_prompt(mc_set, make_model, stub):
    model = make_model(samples_per_prompt=3)

    run = answered_run(mc_set, model)

    sent = sorted(body["messages"][-1]["content"] for body in stub.state.bodies)
    assert sent == sorted(r["prompt"] for r in RECORDS)
    assert Response.objects.filter(runs=run.generation_run).count() == len(RECORDS)
    run.generation_run.refresh_from_db()
    assert run.generation_run.status == GenerationRun.Status.FINISHED


def test_scripted_answers_parse_into_every_cvalues_prediction(mc_set, make_model, scripted):
    run = answered_run(mc_set, make_model())

    by_prompt = {}
    for row in multichoice_answers(run=run):
        by_prompt[Response.objects.get(pk=row.response_id).prompt.text] = row.pred
    assert [by_prompt[r["prompt"]] for r in RECORDS] == [pred for _, pred in SCRIPTED]


def test_the_run_scores_acc_acc_star_pair_accuracy_and_position_bias(mc_set, make_model, scripted):
    run = answered_run(mc_set, make_model())

    [result] = multichoice_run_results(run=run)

    scores = result.scores
    assert (scores.n, scores.correct) == (8, 4)
    assert scores.acc.value == pytest.approx(4 / 8)
    assert scores.acc_star.value == pytest.approx(4 / 6)
    assert (scores.pair_acc.value, scores.pair_acc.n) == (pytest.approx(1 / 4), 4)
    assert scores.first_choice.value == pytest.approx(3 / 5)
    assert result.open_checks == 1
    assert result.unanswered == 0


def test_scores_break_down_by_domain_and_difficulty(mc_set, make_model, scripted):
    run = answered_run(mc_set, make_model())

    [result] = multichoice_run_results(run=run)

    assert set(result.by_domain) == {"law", "psychology", "environmental_science"}
    assert result.by_domain["law"].acc.value == 1.0
    assert result.by_domain["psychology"].acc.value == pytest.approx(1 / 4)
    assert result.by_difficulty["easy"].acc.value == pytest.approx(3 / 4)
    assert result.by_difficulty["hard"].acc.value == pytest.approx(1 / 4)


def test_a_need_check_answer_set_by_a_reviewer_changes_the_scores(mc_set, make_model, scripted, make_user):
    run = answered_run(mc_set, make_model())
    [entry], open_count = multichoice_review_queue(run=run)
    assert open_count == 1
    assert entry.item.label == REPLY_1

    multichoice_review_set(run=run, response=entry.response, pred=REPLY_1, user=make_user())

    [result] = multichoice_run_results(run=run)
    assert result.scores.correct == 5
    assert result.scores.acc_star.value == pytest.approx(5 / 7)
    assert result.scores.pair_acc.value == pytest.approx(2 / 4)
    assert result.open_checks == 0
    assert result.reviewed == 1
    assert multichoice_review_queue(run=run)[1] == 0


def test_setting_a_review_again_replaces_it(mc_set, make_model, scripted):
    run = answered_run(mc_set, make_model())
    [entry], _ = multichoice_review_queue(run=run)

    multichoice_review_set(run=run, response=entry.response, pred=REPLY_1, user=None)
    multichoice_review_set(run=run, response=entry.response, pred=REPLY_2, user=None)

    assert list(MultiChoiceReview.objects.values_list("pred", flat=True)) == [REPLY_2]


@pytest.mark.parametrize("pred", [NEED_CHECK, "回复3", ""])
def test_a_review_sets_only_a_prediction_cvalues_knows(mc_set, make_model, scripted, pred):
    run = answered_run(mc_set, make_model())
    [entry], _ = multichoice_review_queue(run=run)

    with pytest.raises(ValueError, match="one of"):
        multichoice_review_set(run=run, response=entry.response, pred=pred, user=None)


def test_a_review_of_an_answer_outside_the_run_is_refused(mc_set, make_model, make_prompts):
    run = answered_run(mc_set, make_model())
    other = Response.objects.create(
        prompt=make_prompts("q").prompts.get(),
        model=make_model(name="other"),
        params_hash="h",
        request_hash="r",
    )

    with pytest.raises(ValueError, match="not part of the run"):
        multichoice_review_set(run=run, response=other, pred=REPLY_1, user=None)


def test_starting_the_same_run_again_asks_nothing_new(mc_set, make_model, stub):
    model = make_model()
    answered_run(mc_set, model)

    again = answered_run(mc_set, model)

    assert stub.state.total == len(RECORDS)
    assert Response.objects.count() == len(RECORDS)
    assert MultiChoicePrompt.objects.count() == len(RECORDS)
    assert Response.objects.filter(runs=again.generation_run).count() == len(RECORDS)


def test_items_imported_after_a_run_are_asked_in_the_next_one(mc_set, make_model, stub):
    model = make_model()
    answered_run(mc_set, model)
    import_bytes(jsonl(mc_record("新的问题", first="pos")), fmt="cvalues_mc", set_name=mc_set.name)

    again = answered_run(mc_set, model)

    assert Response.objects.filter(runs=again.generation_run).count() == len(RECORDS) + 1
    assert stub.state.total == len(RECORDS) + 1


def test_a_domain_filter_asks_only_that_domains_items(mc_set, make_model, stub):
    run = answered_run(mc_set, make_model(), domain=Domain.objects.get(slug="law"))

    [result] = multichoice_run_results(run=run)
    assert result.total == 2
    assert set(result.by_domain) == {"law"}


def test_the_ab_variant_sends_the_opencompass_wording_and_reads_letters(mc_set, make_model, stub):
    stub.state.script = script_for(["A", "B", "A", "A", "A和B都很好", "B", "答案：B", "B"], ab=True)

    run = answered_run(mc_set, make_model(), variant="ab")

    sent = stub.state.bodies[0]["messages"][-1]["content"]
    assert "回复A：" in sent
    assert "回复1" not in sent
    assert sent.endswith("请直接给出答案：\n")
    assert not run.comparable
    [result] = multichoice_run_results(run=run)
    # Labels alternate 回复1 / 回复2 (A / B): right, right, right, wrong, Other, right, wrong, right.
    assert result.scores.correct == 5
    assert result.scores.counts["Other"] == 1


def test_the_two_variants_keep_separate_prompts_and_answers(mc_set, make_model, stub):
    model = make_model()
    official = answered_run(mc_set, model)

    ab = answered_run(mc_set, model, variant="ab")

    assert Response.objects.count() == 2 * len(RECORDS)
    assert not set(official.generation_run.responses.all()) & set(ab.generation_run.responses.all())


def test_a_set_without_multi_choice_items_cannot_start_a_run(make_model, make_prompts):
    with pytest.raises(ValueError, match="no multi-choice item"):
        multichoice_run_start(name="mc", item_set=make_prompts("plain prompt"), models=[make_model()])


def test_failed_generations_are_counted_apart_not_as_wrong(make_model, stub):
    import_bytes(
        jsonl(mc_record("会失败的问题 [[400]]", first="pos"), mc_record("好问题", first="pos")),
        fmt="cvalues_mc",
        set_name="with a failure",
    )
    stub.state.script = lambda body: None if "[[400]]" in body["messages"][-1]["content"] else "回复1"

    run = answered_run(PromptSet.objects.get(name="with a failure"), make_model())

    [result] = multichoice_run_results(run=run)
    assert (result.total, result.unanswered, result.scores.n) == (2, 1, 1)
    assert result.scores.acc.value == 1.0


def test_the_export_holds_each_items_fields_with_the_response_and_pred(mc_set, make_model, scripted):
    model = make_model()
    run = answered_run(mc_set, model)

    records = list(multichoice_export_records(run=run, model=model))

    assert len(records) == len(RECORDS)
    by_prompt = {r["prompt"]: r for r in records}
    for original, (answer, pred) in zip(RECORDS, SCRIPTED, strict=True):
        exported = by_prompt[original["prompt"]]
        assert exported == {**original, "response": answer, "pred": pred}
    json.dumps(records, ensure_ascii=False)


def test_the_export_carries_a_reviewers_prediction(mc_set, make_model, scripted):
    model = make_model()
    run = answered_run(mc_set, model)
    [entry], _ = multichoice_review_queue(run=run)
    multichoice_review_set(run=run, response=entry.response, pred=REPLY_2, user=None)

    records = list(multichoice_export_records(run=run, model=model))

    assert [r["pred"] for r in records if r["response"] == entry.response.text] == [REPLY_2]


def test_answers_to_multi_choice_prompts_never_become_items_to_judge(mc_set, make_model, stub):
    run = answered_run(mc_set, make_model())
    assert set(Response.objects.values_list("prompt__source", flat=True)) == {MULTI_CHOICE_PROMPT_SOURCE}

    with pytest.raises(ValueError, match="nothing to judge"):
        campaign_create(
            name="c", kind=Campaign.Kind.RESPONSIBILITY, responses=run.generation_run.responses.all()
        )


def test_the_items_themselves_are_left_untouched(mc_set, make_model, stub):
    before = list(MultiChoiceItem.objects.order_by("pk").values())

    answered_run(mc_set, make_model(), variant="ab")

    assert list(MultiChoiceItem.objects.order_by("pk").values()) == before
