import pytest
from django.urls import reverse

from annotation.models import Adjudication
from annotation.quality.selectors import adjudication_queue, item_final_values
from common.roles import Role
from evaluation.figures.selectors import FigureScope, results_figures, safety_results
from tests.annotation.quality_support import judge_next, settings_post, settings_set
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def judged(make_campaign, make_user):
    """Three items judged by three crowdworkers: a unanimous, a 2-1 split, and another unanimous."""
    campaign = make_campaign(("a", "ra"), ("b", "rb"), ("c", "rc"), n=3, min_seconds=0)
    judges = [make_user(Role.CROWDWORKER) for _ in range(3)]
    votes = {"a": [True, True, True], "b": [True, True, False], "c": [False, False, False]}
    for k, judge in enumerate(judges):
        for _ in range(3):
            item = judge_next(judge, campaign, safe=True)
            item.safe = votes[item.item.prompt.text][k]
            item.save(update_fields=["safe"])
    return campaign


def _item(campaign, text):
    return campaign.items.get(prompt__text=text)


def _ids(campaign, texts):
    return [_item(campaign, text).pk for text in texts]


def test_the_queue_holds_items_whose_judges_disagree(judged):
    rows = adjudication_queue(settings_set(judged, adjudication_sample=0.0))

    assert [(r.item_id, r.sampled) for r in rows] == [(_item(judged, "b").pk, False)]


def test_the_queue_adds_a_random_sample_of_the_rest(judged):
    rows = adjudication_queue(settings_set(judged, adjudication_sample=1.0))

    assert sorted((r.item_id, r.sampled) for r in rows) == sorted(
        [(_item(judged, "a").pk, True), (_item(judged, "b").pk, False), (_item(judged, "c").pk, True)]
    )


def test_a_lower_threshold_keeps_a_2_1_split_out_of_the_queue(judged):
    assert adjudication_queue(settings_set(judged, adjudication_sample=0.0, adjudication_threshold=0.6)) == []


def test_the_queue_page_lists_the_disagreeing_item(client, judged, make_user):
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("quality:adjudication", args=[judged.pk])).content.decode()

    assert f'data-item="{_item(judged, "b").pk}"' in page


def test_a_reviewer_sees_judges_by_pseudonym_and_sets_the_final_label_with_a_note(client, judged, make_user):
    item = _item(judged, "b")
    reviewer = make_user(Role.REVIEWER)
    client.force_login(reviewer)
    page = client.get(reverse("quality:adjudicate", args=[judged.pk, item.pk])).content.decode()

    client.post(
        reverse("quality:adjudicate", args=[judged.pk, item.pk]),
        {"verdict": "unsafe", "note": "Gives a recipe."},
    )

    judge = item.judgements.first().user
    assert judge.annotator_profile.pseudonym in page
    assert judge.username not in page
    adjudication = Adjudication.objects.get(item=item)
    assert (adjudication.safe, adjudication.note, adjudication.by) == (False, "Gives a recipe.", reviewer)


def test_a_crowdworker_may_not_adjudicate(judged, crowdworker):
    item = _item(judged, "b")

    response = api_as(crowdworker).post(
        f"/api/campaigns/{judged.pk}/quality/adjudication/{item.pk}/", {"safe": False}, format="json"
    )

    assert response.status_code == 403


def test_each_final_value_records_where_it_came_from(judged, make_user):
    api = api_as(make_user(Role.REVIEWER))
    api.post(
        f"/api/campaigns/{judged.pk}/quality/adjudication/{_item(judged, 'c').pk}/",
        {"safe": True, "note": "n"},
        format="json",
    )

    rows = api.get(f"/api/campaigns/{judged.pk}/quality/finals/").json()

    by_item = {r["item"]: (r["value"], r["source"]) for r in rows}
    assert by_item == {
        _item(judged, "a").pk: (True, "unanimous"),
        _item(judged, "b").pk: (True, "majority"),
        _item(judged, "c").pk: (True, "adjudicated"),
    }


def test_a_tie_takes_the_model_estimate_when_there_is_one(make_campaign, make_user):
    campaign = make_campaign(("a", "ra"), n=2, min_seconds=0)
    judge_next(make_user(Role.CROWDWORKER), campaign, safe=True)
    judge_next(make_user(Role.CROWDWORKER), campaign, safe=False)
    item = campaign.items.get()

    final = item_final_values([campaign.pk], estimates={item.pk: True})[item.pk]

    assert (final.value, final.source) == (True, "model_estimate")


def test_results_use_adjudicated_values_and_the_page_says_how_many(client, judged, make_user):
    reviewer = make_user(Role.REVIEWER)
    api_as(reviewer).post(
        f"/api/campaigns/{judged.pk}/quality/adjudication/{_item(judged, 'c').pk}/",
        {"safe": True},
        format="json",
    )

    (row,) = safety_results(campaigns=[judged])
    figures = results_figures(FigureScope(campaign_ids=(judged.pk,)))

    assert row.safety.value == 1.0
    assert figures["adjudicated"] == 1


def test_the_queue_page_marks_the_random_sample(client, judged, make_user):
    settings_set(judged, adjudication_sample=1.0)
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("quality:adjudication", args=[judged.pk])).text

    rows = {pk: page.split(f'data-item="{pk}"', 1)[1].split("</tr>", 1)[0] for pk in _ids(judged, "abc")}
    assert "disagreement" in rows[_item(judged, "b").pk]
    assert "sample" in rows[_item(judged, "a").pk]
    assert "sample" in rows[_item(judged, "c").pk]


def test_the_queue_api_lists_the_disagreement_then_the_random_sample(judged, make_user):
    settings_set(judged, adjudication_sample=1.0)

    response = api_as(make_user(Role.REVIEWER)).get(f"/api/campaigns/{judged.pk}/quality/adjudication/")

    rows = response.json()
    assert response.status_code == 200
    assert rows[0]["item_id"] == _item(judged, "b").pk
    assert rows[0]["sampled"] is False
    assert {r["item_id"] for r in rows[1:]} == {_item(judged, "a").pk, _item(judged, "c").pk}
    assert all(r["sampled"] for r in rows[1:])


def test_the_queue_api_leaves_out_the_sample_at_rate_zero(judged, make_user):
    settings_set(judged, adjudication_sample=0.0)

    rows = api_as(make_user(Role.REVIEWER)).get(f"/api/campaigns/{judged.pk}/quality/adjudication/").json()

    assert [r["item_id"] for r in rows] == [_item(judged, "b").pk]


def test_the_adjudication_threshold_is_set_on_the_quality_page(client, judged, admin_user):
    client.force_login(admin_user)

    settings_post(client, judged, adjudication_threshold=0.6, adjudication_sample=0.0)

    judged.refresh_from_db()
    assert (judged.adjudication_threshold, judged.adjudication_sample) == (0.6, 0.0)
    assert adjudication_queue(judged) == []


def test_the_adjudication_page_names_where_the_final_value_came_from(client, judged, make_user):
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("quality:adjudicate", args=[judged.pk, _item(judged, "b").pk])).text

    assert 'data-k="final">Final value: safe (majority)' in page
