import pytest
from django.urls import reverse

from annotation.assignment import AssignmentRefused, assignment_next_for
from annotation.models import Item, Lease, Qualification
from annotation.quality.services import CheckAnswer, item_purpose_set
from annotation.services import judgement_submit
from common.roles import Role
from tests.annotation.quality_support import PAIRS, judge_next, mark, settings_post, settings_set
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _qualifying_campaign(make_campaign, admin_user, answers=(True, False)):
    campaign = make_campaign(*PAIRS, min_seconds=0)
    for item, safe in zip(campaign.items.order_by("-pk"), answers, strict=False):
        mark(item, "qualification", admin_user, safe=safe)
    return settings_set(campaign, qualification_pass_mark=1.0)


def test_a_crowdworker_gets_only_qualification_items_until_assessed(make_campaign, admin_user, crowdworker):
    campaign = _qualifying_campaign(make_campaign, admin_user)

    purposes = [judge_next(crowdworker, campaign, safe=s).item.purpose for s in (True, False)]

    assert purposes == ["qualification", "qualification"]


def test_passing_the_qualification_opens_the_campaign(make_campaign, admin_user, crowdworker):
    campaign = _qualifying_campaign(make_campaign, admin_user)
    for _ in range(2):
        item = assignment_next_for(user=crowdworker, campaign=campaign)
        judgement_submit(user=crowdworker, item=item, data={"safe": item.gold_safe})

    outcome = Qualification.objects.get(user=crowdworker, campaign=campaign)
    assert (outcome.correct, outcome.total, outcome.passed) == (2, 2, True)
    assert judge_next(crowdworker, campaign).item.purpose == "regular"


def test_failing_the_qualification_refuses_with_the_score_on_the_page(
    client, make_campaign, admin_user, crowdworker
):
    campaign = _qualifying_campaign(make_campaign, admin_user, answers=(True, True))
    judge_next(crowdworker, campaign, safe=True)
    judge_next(crowdworker, campaign, safe=False)
    client.force_login(crowdworker)

    response = client.get(reverse("annotation:workspace", args=[campaign.pk]))

    assert response.status_code == 409
    assert "You did not pass the qualification (1 of 2 right)." in response.content.decode()


def test_the_outcome_is_kept_per_person_and_campaign(make_campaign, admin_user, make_user):
    campaign = _qualifying_campaign(make_campaign, admin_user, answers=(True, True))
    good, bad = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)
    for _ in range(2):
        judge_next(good, campaign, safe=True)
        judge_next(bad, campaign, safe=False)

    outcomes = dict(Qualification.objects.filter(campaign=campaign).values_list("user_id", "passed"))

    assert outcomes == {good.pk: True, bad.pk: False}


def test_a_campaign_reuses_another_campaigns_qualification(make_campaign, admin_user, make_user):
    source = _qualifying_campaign(make_campaign, admin_user, answers=(True, True))
    reuse = settings_set(make_campaign(*PAIRS, min_seconds=0), qualification_from=source)
    passed, newcomer = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)
    for _ in range(2):
        judge_next(passed, source, safe=True)

    assert judge_next(passed, reuse).item.purpose == "regular"
    with pytest.raises(AssignmentRefused, match="Pass the qualification of the campaign"):
        assignment_next_for(user=newcomer, campaign=reuse)


def test_reuse_is_set_through_the_api(make_campaign, admin_user):
    source = _qualifying_campaign(make_campaign, admin_user)
    reuse = make_campaign(*PAIRS)

    response = api_as(admin_user).patch(
        f"/api/campaigns/{reuse.pk}/quality/settings/", {"qualification_from": source.pk}, format="json"
    )

    reuse.refresh_from_db()
    assert response.status_code == 200, response.content
    assert reuse.qualification_from_id == source.pk


def test_an_expert_qualifies_per_domain(make_campaign, admin_user, make_user):
    law = make_campaign(("p", "r"), ("q", "s"), kind="responsibility", domain="law", min_seconds=0)
    item_purpose_set(
        item=law.items.order_by("pk").first(),
        purpose="qualification",
        answer=CheckAnswer(score_min=7, score_max=10),
        by=admin_user,
    )
    settings_set(law, qualification_pass_mark=1.0)
    expert = make_user(Role.EXPERT, domains=("law", "psychology"))

    item = assignment_next_for(user=expert, campaign=law)
    judgement_submit(user=expert, item=item, data={"score": 8})

    assert item.purpose == "qualification"
    outcome = Qualification.objects.get(user=expert)
    assert (outcome.domain.slug, outcome.passed) == ("law", True)
    assert assignment_next_for(user=expert, campaign=law).purpose == "regular"


def test_a_failed_qualification_is_refused_through_the_api(make_campaign, admin_user, crowdworker):
    campaign = _qualifying_campaign(make_campaign, admin_user, answers=(True, True))
    api = api_as(crowdworker)
    for _ in range(2):
        served = api.post(f"/api/campaigns/{campaign.pk}/next/").json()
        api.post("/api/judgements/", {"item": served["id"], "safe": False}, format="json")

    response = api.post(f"/api/campaigns/{campaign.pk}/next/")

    assert response.status_code == 403
    assert "You did not pass the qualification (0 of 2 right)." in response.json()["detail"]


def test_the_qualification_is_taken_on_the_judging_page(client, make_campaign, admin_user, crowdworker):
    campaign = _qualifying_campaign(make_campaign, admin_user, answers=(True, False))
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    for _ in range(2):
        held = Lease.objects.get(user=crowdworker).item
        verdict = "safe" if held.gold_safe else "unsafe"
        client.post(
            reverse("annotation:submit", args=[campaign.pk, held.pk]), {"verdict": verdict}, headers=HX
        )

    outcome = Qualification.objects.get(user=crowdworker, campaign=campaign)
    assert (outcome.correct, outcome.total, outcome.passed) == (2, 2, True)
    assert Lease.objects.get(user=crowdworker).item.purpose == "regular"


def test_reuse_set_on_the_quality_page_refuses_the_unqualified_on_the_judging_page(
    client, make_campaign, admin_user, crowdworker
):
    source = _qualifying_campaign(make_campaign, admin_user)
    reuse = make_campaign(*PAIRS, min_seconds=0)
    client.force_login(admin_user)
    settings_post(client, reuse, qualification_from=source.pk)
    client.force_login(crowdworker)

    response = client.get(reverse("annotation:workspace", args=[reuse.pk]))

    reuse.refresh_from_db()
    assert reuse.qualification_from_id == source.pk
    assert response.status_code == 409
    assert f"Pass the qualification of the campaign “{source.name}” first." in response.text


def test_reuse_serves_those_who_passed_the_other_campaign_through_the_api(
    make_campaign, admin_user, make_user
):
    source = _qualifying_campaign(make_campaign, admin_user, answers=(True, True))
    reuse = settings_set(make_campaign(*PAIRS, min_seconds=0), qualification_from=source)
    passed, newcomer = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)
    for _ in range(2):
        judge_next(passed, source, safe=True)

    served = api_as(passed).post(f"/api/campaigns/{reuse.pk}/next/")
    refused = api_as(newcomer).post(f"/api/campaigns/{reuse.pk}/next/")

    assert served.status_code == 200
    assert Item.objects.get(pk=served.json()["id"]).purpose == "regular"
    assert refused.status_code == 403
    assert "Pass the qualification of the campaign" in refused.json()["detail"]
