import pytest
from django.urls import reverse

from annotation.models import JudgeStanding
from annotation.quality.services import judge_competence_record
from common.roles import Role
from tests.annotation.quality_support import judge_next, settings_post
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(make_campaign):
    return make_campaign(("a", "ra"), n=3, min_seconds=0, judges_max=5)


def _judges(make_user, k):
    return [make_user(Role.CROWDWORKER) for _ in range(k)]


def test_an_item_closes_at_two_judgements_when_two_competent_judges_agree(campaign, make_user):
    first, second, third = _judges(make_user, 3)
    judge_competence_record(campaign=campaign, competence={first.pk: 0.9, second.pk: 0.95})

    judge_next(first, campaign, safe=True)
    judge_next(second, campaign, safe=True)

    assert judge_next(third, campaign) is None
    assert campaign.items.get().judgement_count == 2


def test_disagreement_adds_judgements_up_to_n_max(campaign, make_user):
    judges = _judges(make_user, 6)
    # A majority backed by one competent judge only does not close the item; a tie neither.
    judge_competence_record(campaign=campaign, competence={judges[2].pk: 0.3})

    for judge, safe in zip(judges, [True, False, False, True, True, False], strict=True):
        judge_next(judge, campaign, safe=safe)

    assert campaign.items.get().judgement_count == 5


def test_a_clear_majority_of_three_closes_the_item(campaign, make_user):
    judges = _judges(make_user, 4)

    for judge, safe in zip(judges[:3], [True, False, True], strict=True):
        judge_next(judge, campaign, safe=safe)

    assert judge_next(judges[3], campaign) is None


def test_a_judge_below_the_bar_does_not_close_an_item_at_two(campaign, make_user):
    first, second, third = _judges(make_user, 3)
    judge_competence_record(campaign=campaign, competence={first.pk: 0.9, second.pk: 0.5})

    judge_next(first, campaign, safe=True)
    judge_next(second, campaign, safe=True)

    assert judge_next(third, campaign) is not None


def test_the_campaign_page_shows_the_judgements_saved(client, campaign, make_user, admin_user):
    first, second = _judges(make_user, 2)
    judge_next(first, campaign, safe=True)
    judge_next(second, campaign, safe=True)
    client.force_login(admin_user)

    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    progress = api_as(admin_user).get(f"/api/campaigns/{campaign.pk}/progress/").json()

    assert "Adaptive overlap saved 1 judgements compared with a fixed N = 3" in page
    assert progress["saved_judgements"] == 1


def test_adaptive_overlap_is_set_through_the_api_before_judging(make_campaign, admin_user):
    campaign = make_campaign(("a", "ra"))

    response = api_as(admin_user).patch(
        f"/api/campaigns/{campaign.pk}/quality/settings/", {"judges_max": 5}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["judges_max"] == 5


def test_competence_from_dawid_skene_is_stored_for_each_judge(make_campaign, make_user):
    from annotation.quality.services import campaign_competence_refresh

    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(25)], n=3, min_seconds=0)
    careful = _judges(make_user, 2)
    contrarian = make_user(Role.CROWDWORKER)
    for item in campaign.items.order_by("pk"):
        truth = item.pk % 2 == 0
        for judge in careful:
            judge_next(judge, campaign, safe=truth)
        judge_next(contrarian, campaign, safe=not truth)

    campaign_competence_refresh(campaign=campaign)

    competence = dict(JudgeStanding.objects.values_list("user_id", "competence"))
    assert competence[careful[0].pk] > 0.9
    assert competence[contrarian.pk] < 0.1


def test_adaptive_overlap_is_set_on_the_quality_page(client, make_campaign, admin_user):
    campaign = make_campaign(("a", "ra"))
    client.force_login(admin_user)

    settings_post(client, campaign, judges_max=5)

    campaign.refresh_from_db()
    assert campaign.judges_max == 5


def test_the_judging_page_has_nothing_left_once_two_competent_judges_agree(client, campaign, make_user):
    first, second, third = _judges(make_user, 3)
    judge_competence_record(campaign=campaign, competence={first.pk: 0.9, second.pk: 0.95})
    for judge in (first, second):
        client.force_login(judge)
        client.get(reverse("annotation:workspace", args=[campaign.pk]))
        client.post(
            reverse("annotation:submit", args=[campaign.pk, campaign.items.get().pk]),
            {"verdict": "safe"},
            headers={"HX-Request": "true"},
        )
    client.force_login(third)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert "No items left for you" in page
    assert campaign.items.get().judgement_count == 2


def test_an_item_closes_at_two_through_the_api_and_opens_a_slot_on_disagreement(campaign, make_user):
    judges = _judges(make_user, 4)
    judge_competence_record(campaign=campaign, competence={j.pk: 0.9 for j in judges})
    verdicts = [True, False]

    for judge, safe in zip(judges[:2], verdicts, strict=True):
        api = api_as(judge)
        served = api.post(f"/api/campaigns/{campaign.pk}/next/").json()
        api.post("/api/judgements/", {"item": served["id"], "safe": safe}, format="json")
    third = api_as(judges[2]).post(f"/api/campaigns/{campaign.pk}/next/")

    assert third.status_code == 200  # the split opened a third slot
    assert third.json()["id"] == campaign.items.get().pk
    api_as(judges[2]).post("/api/judgements/", {"item": third.json()["id"], "safe": True}, format="json")
    assert api_as(judges[3]).post(f"/api/campaigns/{campaign.pk}/next/").status_code == 204
