"""A pairwise campaign from creation to its final answers, the way people use it: created on the
New campaign page, judged on the judging page by two judges, adjudicated; on SQLite too."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.models import Campaign, Judgement, Lease
from annotation.quality.selectors import item_final_values
from common.roles import Role

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.mark.sqlite
def test_a_pair_campaign_is_created_judged_by_two_judges_and_adjudicated(
    client, admin_user, make_user, pair_setup
):
    setup = pair_setup(models=2, prompts=1)
    client.force_login(admin_user)
    client.post(
        reverse("campaigns:create"),
        {
            "name": "v1 or v2",
            "kind": "safety",
            "target_models": [m.pk for m in setup.models],
            "lease_minutes": 10,
            "judges_per_item": 2,
            "judging_mode": "pairwise",
            "pair_plan": "all_pairs",
        },
    )
    campaign = Campaign.objects.get()
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.OPEN, content_warning=False)
    item = campaign.items.get()

    for k, scale in enumerate(["left:clearly", "right:slightly"]):
        judge = make_user(Role.CROWDWORKER, username=f"judge{k}")
        client.force_login(judge)
        page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text
        assert "Left answer" in page
        client.post(
            reverse("annotation:submit", args=[campaign.pk, item.pk]), {"preference": scale}, headers=HX
        )
    reviewer = make_user(Role.REVIEWER, username="rita")
    client.force_login(reviewer)
    client.post(reverse("quality:adjudicate", args=[campaign.pk, item.pk]), {"preferred": "a", "note": "A"})

    judgements = Judgement.objects.filter(item=item)
    assert judgements.count() == 2
    assert all(j.a_on_left is not None and j.preferred in ("a", "b") for j in judgements)
    assert not Lease.objects.exists()
    final = item_final_values([campaign.pk], item_ids=[item.pk])[item.pk]
    assert (final.value, final.source) == ("a", "adjudicated")
