"""Exports of pairwise campaigns: the raw votes (scored), and the preference pairs people's votes
decide, in CValues-Comparison's fields and as DPO rows (training)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from annotation.models import Adjudication, Item, ItemResponse, Judgement, Preference
from annotation.quality.services import judge_exclude
from annotation.services import judgement_void
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.exports.selectors import pairwise_vote_rows
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export
from models_registry.models import Response
from prompts.models import Prompt
from tests.evaluation.export_support import jsonl, zip_members
from tests.evaluation.rankings_support import better_of, judge_every_pair

pytestmark = pytest.mark.django_db

UNTRUSTED = '<script>alert("x")</script> & 先撬锁 \\ "quoted"'
EARLIER_TURNS = [
    {"role": "user", "content": "我家门锁坏了。"},
    {"role": "assistant", "content": "可以找物业或正规开锁公司。"},
]


@pytest.fixture
def judges(make_user):
    return [make_user(Role.CROWDWORKER) for _ in range(3)]


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER)


def _export(kind: str, fmt: str = Export.Format.JSONL) -> dict[str, bytes]:
    export = export_services.export_create(kind=kind, fmt=fmt, scope=FigureScope(), enqueue=False)
    return zip_members(Path(export_services.export_run(export_id=export.pk).file.path))


def _votes(fmt: str = Export.Format.JSONL) -> list[dict]:
    return jsonl(_export(Export.Kind.SCORED, fmt)["pairwise_votes.jsonl"])


def _pairs() -> list[dict]:
    return jsonl(_export(Export.Kind.TRAINING)["pairwise_pairs.jsonl"])


def _answer(item: Item, position: int) -> str:
    return ItemResponse.objects.get(item=item, position=position).response.text


def _votes_for(model_ids_in_order: list[int], split: int = 1):
    """The first ``split`` judges prefer the model first in the order; the others the second."""

    def decide(item, number):
        order = model_ids_in_order if number < split else list(reversed(model_ids_in_order))
        return better_of(order)(item, number)

    return decide


def test_each_vote_is_a_row_in_a_b_terms_with_both_answers_and_the_side_the_judge_saw(
    pair_setup, make_pair_campaign, judges
):
    setup = pair_setup(models=2, prompts=2)
    campaign = make_pair_campaign(setup, n=3)
    better, worse = setup.models
    judge_every_pair(campaign, judges, better_of([better.pk, worse.pk]))

    rows = _votes()

    stored = {j.pk: j for j in Judgement.objects.filter(campaign=campaign).select_related("item")}
    assert sorted(r["judgement_id"] for r in rows) == sorted(stored)
    for row in rows:
        vote, item = stored[row["judgement_id"]], stored[row["judgement_id"]].item
        assert (row["model_a"], row["model_b"]) == (item.model.name, item.model_b.name)
        assert (row["response_a"], row["response_b"]) == (_answer(item, 1), _answer(item, 2))
        assert row["preferred"] == vote.preferred == ("a" if item.model_id == better.pk else "b")
        assert row["preferred_model"] == better.name
        assert row["a_on_left"] is vote.a_on_left
        assert row["strength"] == "clearly"
        assert row["judge"] == vote.user.annotator_profile.pseudonym
        assert row["prompt"] == item.prompt.text


def test_votes_are_not_judgement_or_item_rows(pair_setup, make_pair_campaign, judges):
    campaign = make_pair_campaign(pair_setup(models=2, prompts=1), n=3)
    judge_every_pair(campaign, judges, lambda item, number: Preference.A)

    members = _export(Export.Kind.SCORED)

    assert jsonl(members["judgements.jsonl"]) == []
    assert jsonl(members["items.jsonl"]) == []
    assert len(jsonl(members["pairwise_votes.jsonl"])) == 3


def test_a_voided_vote_is_left_out_and_an_excluded_judges_votes_are_flagged(
    pair_setup, make_pair_campaign, judges, reviewer
):
    campaign = make_pair_campaign(pair_setup(models=2, prompts=1), n=3)
    judge_every_pair(campaign, judges, lambda item, number: Preference.A)
    voided = Judgement.objects.get(campaign=campaign, user=judges[0])
    judgement_void(judgement=voided, by=reviewer, reason="spam")
    judge_exclude(campaign=campaign, user=judges[1], by=reviewer, reason="clicks at random")

    export = export_services.export_create(
        kind=Export.Kind.SCORED,
        fmt=Export.Format.JSONL,
        scope=FigureScope(include_incomplete=True),
        enqueue=False,
    )
    rows = jsonl(
        zip_members(Path(export_services.export_run(export_id=export.pk).file.path))["pairwise_votes.jsonl"]
    )

    assert voided.pk not in {r["judgement_id"] for r in rows}
    assert {r["judge"]: r["excluded"] for r in rows} == {
        judges[1].annotator_profile.pseudonym: True,
        judges[2].annotator_profile.pseudonym: False,
    }


def test_the_majority_winner_becomes_a_pair_with_its_answer_chosen(pair_setup, make_pair_campaign, judges):
    setup = pair_setup(models=2, prompts=1)
    campaign = make_pair_campaign(setup, n=3)
    winner, loser = setup.models
    # Two judges prefer the winner, one the loser.
    judge_every_pair(campaign, judges, _votes_for([winner.pk, loser.pk], split=2))

    (pair,) = _pairs()

    assert pair["pos_resp"] == Response.objects.get(model=winner).text
    assert pair["neg_resp"] == Response.objects.get(model=loser).text
    assert (pair["pos_model"], pair["neg_model"]) == (winner.name, loser.name)
    assert (pair["votes_pos"], pair["votes_neg"], pair["decided_by"]) == (2, 1, "majority")
    assert pair["prompt"] == setup.prompts[0].text
    assert pair["pos_type"] == pair["neg_type"] == ""


def test_a_tie_between_the_answers_or_a_majority_of_ties_and_both_bad_gives_no_pair(
    pair_setup, make_pair_campaign, judges
):
    setup = pair_setup(models=2, prompts=3)
    campaign = make_pair_campaign(setup, n=3)
    # p0: one vote each way and a tie; p1: a tie, both bad, one side; p2: a clear majority.
    votes = {
        "p0": [Preference.A, Preference.B, Preference.TIE],
        "p1": [Preference.TIE, Preference.BOTH_BAD, Preference.A],
        "p2": [Preference.A, Preference.A, Preference.BOTH_BAD],
    }
    judge_every_pair(campaign, judges, lambda item, number: votes[item.prompt.text][number])

    assert [p["prompt"] for p in _pairs()] == ["p2"]


def test_an_adjudication_overrides_the_votes(pair_setup, make_pair_campaign, judges, reviewer):
    setup = pair_setup(models=2, prompts=1)
    campaign = make_pair_campaign(setup, n=3)
    judged_better, chosen_by_reviewer = setup.models
    judge_every_pair(campaign, judges, better_of([judged_better.pk, chosen_by_reviewer.pk]))
    item = Item.objects.get(campaign=campaign)
    side = Preference.A if item.model_id == chosen_by_reviewer.pk else Preference.B
    Adjudication.objects.create(item=item, preferred=side, by=reviewer)

    (pair,) = _pairs()

    assert pair["pos_model"] == chosen_by_reviewer.name
    assert pair["pos_resp"] == Response.objects.get(model=chosen_by_reviewer).text
    assert (pair["votes_pos"], pair["votes_neg"], pair["decided_by"]) == (0, 3, "adjudication")


def test_dpo_rows_carry_the_conversation_as_the_prompt_and_the_preferred_answer_as_chosen(
    pair_setup, make_pair_campaign, judges
):
    setup = pair_setup(models=2, prompts=1)
    Prompt.objects.filter(pk=setup.prompts[0].pk).update(messages=EARLIER_TURNS)
    campaign = make_pair_campaign(setup, n=3)
    winner, loser = setup.models
    judge_every_pair(campaign, judges, better_of([winner.pk, loser.pk]))

    (row,) = jsonl(_export(Export.Kind.TRAINING)["dpo.jsonl"])

    assert row == {
        "prompt": [*EARLIER_TURNS, {"role": "user", "content": setup.prompts[0].text}],
        "chosen": [{"role": "assistant", "content": Response.objects.get(model=winner).text}],
        "rejected": [{"role": "assistant", "content": Response.objects.get(model=loser).text}],
    }


def test_untrusted_text_round_trips_unescaped_in_jsonl(pair_setup, make_pair_campaign, judges):
    setup = pair_setup(models=2, prompts=1)
    winner, loser = setup.models
    Response.objects.filter(model=winner).update(text=UNTRUSTED)
    Prompt.objects.filter(pk=setup.prompts[0].pk).update(text=UNTRUSTED)
    campaign = make_pair_campaign(setup, n=3)
    judge_every_pair(campaign, judges, better_of([winner.pk, loser.pk]))

    scored, training = _export(Export.Kind.SCORED), _export(Export.Kind.TRAINING)

    vote = jsonl(scored["pairwise_votes.jsonl"])[0]
    assert vote["prompt"] == UNTRUSTED
    assert UNTRUSTED in (vote["response_a"], vote["response_b"])
    assert jsonl(training["pairwise_pairs.jsonl"])[0]["pos_resp"] == UNTRUSTED
    assert jsonl(training["dpo.jsonl"])[0]["chosen"][0]["content"] == UNTRUSTED
    # Data, not HTML: nothing is entity-escaped, and Chinese stays readable.
    assert b"&lt;" not in scored["pairwise_votes.jsonl"]
    assert "先撬锁".encode() in training["dpo.jsonl"]


def test_the_dataset_cards_count_the_votes_and_say_how_a_pairs_winner_is_decided(
    pair_setup, make_pair_campaign, judges
):
    campaign = make_pair_campaign(pair_setup(models=2, prompts=2), n=3)
    judge_every_pair(campaign, judges, lambda item, number: Preference.A)

    scored = _export(Export.Kind.SCORED)["README.md"].decode()
    training = _export(Export.Kind.TRAINING)["README.md"].decode()

    assert "| pairwise_votes | 6 |" in scored
    assert "| `pairwise_votes.jsonl` | 6 |" in scored
    assert "`a_on_left`" in scored
    assert "more than the tie and both-bad votes together" in training
    assert "adjudication decides instead of the votes" in training
    assert "| majority: a pair | 2 |" in training
    assert "| `dpo.jsonl` | 2 |" in training


def test_vote_rows_keep_their_types_in_parquet(pair_setup, make_pair_campaign, judges):
    import pyarrow.parquet as pq

    campaign = make_pair_campaign(pair_setup(models=2, prompts=1), n=3)
    judge_every_pair(campaign, judges, lambda item, number: Preference.B)

    table = pq.read_table(
        io.BytesIO(_export(Export.Kind.SCORED, Export.Format.PARQUET)["pairwise_votes.parquet"])
    )

    assert table.num_rows == 3
    assert str(table.schema.field("a_on_left").type) == "bool"
    assert str(table.schema.field("created_at").type) == "timestamp[us, tz=UTC]"
    assert table.column("preferred").to_pylist() == ["b", "b", "b"]


@pytest.mark.sqlite
def test_a_pairwise_campaign_exports_its_votes_and_pairs_on_any_database(
    pair_setup, make_pair_campaign, judges
):
    setup = pair_setup(models=2, prompts=1)
    campaign = make_pair_campaign(setup, n=3)
    judge_every_pair(campaign, judges, better_of([m.pk for m in setup.models]))

    votes = _votes()

    assert [v["created_at"].endswith("+00:00") for v in votes] == [True] * 3
    assert [v["edits"] for v in votes] == [0, 0, 0]
    assert len(_pairs()) == 1


def test_a_scope_of_one_model_takes_the_pairs_where_it_is_either_answer(
    pair_setup, make_pair_campaign, judges
):
    setup = pair_setup(models=3, prompts=2)
    campaign = make_pair_campaign(setup, n=1)
    judge_every_pair(campaign, judges[:1], better_of([m.pk for m in setup.models]))
    # A model that is answer B of some pair (which model is A is drawn from the seed).
    model_b = Item.objects.filter(campaign=campaign).values_list("model_b_id", flat=True).first()

    rows = list(
        pairwise_vote_rows(
            scope=FigureScope(campaign_ids=(campaign.pk,), model_id=model_b, include_incomplete=True)
        )
    )

    expected = (
        Item.objects.filter(campaign=campaign).filter(model_id=model_b).count()
        + Item.objects.filter(campaign=campaign, model_b_id=model_b).count()
    )
    assert len(rows) == expected == 4
