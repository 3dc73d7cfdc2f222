import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotation.models import Item, ItemPurpose
from annotation.quality import services as quality
from annotation.quality.selectors import judges_quality
from common.roles import Role
from evaluation.figures.selectors import safety_results
from tests.annotation.quality_support import PAIRS, judge_next, mark, settings_post, settings_set
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def test_an_admin_marks_a_gold_item_with_its_known_answer_through_the_page(client, make_campaign, admin_user):
    campaign = make_campaign(*PAIRS)
    item = campaign.items.first()
    client.force_login(admin_user)

    client.post(
        reverse("quality:check_item", args=[campaign.pk]),
        {
            "item": item.pk,
            "purpose": "gold",
            "safe": "unsafe",
            "response_types": ["risky"],
            "explanation": "Why",
        },
    )

    item.refresh_from_db()
    assert (item.purpose, item.gold_safe, item.gold_response_types, item.gold_explanation) == (
        "gold",
        False,
        ["risky"],
        "Why",
    )


def test_a_reviewer_may_not_mark_gold_items(client, make_campaign, make_user):
    campaign = make_campaign(*PAIRS)
    client.force_login(make_user(Role.REVIEWER))

    response = client.post(reverse("quality:check_item", args=[campaign.pk]), {"item": 1, "purpose": "gold"})

    assert response.status_code == 403


def test_a_rating_gold_item_needs_a_score_range(make_campaign, admin_user):
    campaign = make_campaign(("p", "r"), kind="responsibility", domain="law")

    response = api_as(admin_user).post(
        f"/api/campaigns/{campaign.pk}/quality/check-items/",
        {"item": campaign.items.first().pk, "purpose": "gold", "score_min": 9, "score_max": 3},
        format="json",
    )

    assert response.status_code == 400
    assert "score_min" in response.json()


def test_gold_items_are_imported_from_a_jsonl_file_through_the_api(make_campaign, admin_user):
    campaign = make_campaign(*PAIRS)
    first, second = campaign.items.order_by("pk")[:2]
    response_id = second.item_responses.get().response_id
    lines = [
        {"item_id": first.pk, "safe": "safe", "explanation": "A refusal with guidance."},
        {"response_id": response_id, "purpose": "attention", "safe": "unsafe"},
    ]
    upload = SimpleUploadedFile("gold.jsonl", "\n".join(json.dumps(x) for x in lines).encode())

    response = api_as(admin_user).post(
        f"/api/campaigns/{campaign.pk}/quality/check-items/import/", {"file": upload}, format="multipart"
    )

    assert response.status_code == 201, response.content
    assert dict(Item.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "purpose")) == {
        first.pk: "gold",
        second.pk: "attention",
    }


def test_a_bad_import_line_stores_nothing_and_names_the_line(client, make_campaign, admin_user):
    campaign = make_campaign(*PAIRS)
    item = campaign.items.first()
    upload = SimpleUploadedFile("gold.csv", f"item_id,safe\n{item.pk},safe\n999999,unsafe\n".encode())
    client.force_login(admin_user)

    response = client.post(reverse("quality:check_import", args=[campaign.pk]), {"file": upload}, follow=True)

    assert "Line 2" in response.content.decode()
    assert not Item.objects.filter(campaign=campaign).exclude(purpose=ItemPurpose.REGULAR).exists()


def test_unanimous_items_are_promoted_to_gold_through_the_page(client, make_campaign, make_user, admin_user):
    campaign = make_campaign(("a", "ra"), ("b", "rb"), n=2, min_seconds=0)
    judges = [make_user(Role.CROWDWORKER) for _ in range(2)]
    for judge in judges:
        judge_next(judge, campaign, safe=True)  # item a: unanimous
    judge_next(judges[0], campaign, safe=True)
    judge_next(judges[1], campaign, safe=False)  # item b: split
    client.force_login(admin_user)
    unanimous = campaign.items.get(prompt__text="a")

    shown = client.get(reverse("quality:gold_promote", args=[campaign.pk])).text
    client.post(reverse("quality:gold_promote", args=[campaign.pk]), {"item": [unanimous.pk]})

    assert f'name="item" value="{unanimous.pk}"' in shown
    assert list(campaign.items.filter(purpose="gold").values_list("prompt__text", "gold_safe")) == [
        ("a", True)
    ]


def test_gold_items_are_mixed_in_at_the_campaign_rate(make_campaign, admin_user, crowdworker):
    campaign = make_campaign(*PAIRS, min_seconds=0)
    gold = mark(campaign.items.order_by("-pk").first(), "gold", admin_user)

    first_without = judge_next(crowdworker, settings_set(campaign, gold_rate=0.0), safe=True)
    first_with = judge_next(crowdworker, settings_set(campaign, gold_rate=1.0), safe=True)

    assert first_without.item_id != gold.pk
    assert first_with.item_id == gold.pk


def test_a_gold_item_is_served_to_every_judge_beyond_n(make_campaign, make_user, admin_user):
    campaign = make_campaign(*PAIRS, n=1, min_seconds=0)
    gold = mark(campaign.items.first(), "gold", admin_user)
    settings_set(campaign, gold_rate=1.0)

    served = [judge_next(make_user(Role.CROWDWORKER), campaign).item_id for _ in range(3)]

    assert served == [gold.pk] * 3


def test_gold_items_never_count_in_results(make_campaign, crowdworker, admin_user):
    campaign = make_campaign(("a", "ra"), ("b", "rb"), n=1, min_seconds=0)
    gold = mark(campaign.items.get(prompt__text="a"), "gold", admin_user, safe=False)
    settings_set(campaign, gold_rate=1.0)

    judge_next(crowdworker, campaign, safe=False)  # the gold item
    judge_next(crowdworker, campaign, safe=True)

    (row,) = safety_results(campaigns=[campaign])
    assert (row.safety.value, row.safety.n) == (1.0, 1)
    assert gold.judgements.count() == 1


def test_each_judges_gold_accuracy_shows_with_a_wilson_interval(client, make_campaign, make_user, admin_user):
    campaign = make_campaign(*PAIRS, min_seconds=0)
    for item in campaign.items.order_by("pk")[:4]:
        mark(item, "gold", admin_user, safe=True)
    settings_set(campaign, gold_rate=1.0)
    judge = make_user(Role.CROWDWORKER)
    for safe in (True, True, True, False):
        judge_next(judge, campaign, safe=safe)
    reviewer = make_user(Role.REVIEWER)
    client.force_login(reviewer)

    page = client.get(reverse("quality:page", args=[campaign.pk])).content.decode()
    (row,) = api_as(reviewer).get(f"/api/campaigns/{campaign.pk}/quality/judges/").json()

    (quality,) = judges_quality(campaign)
    assert (quality.gold.value, quality.gold.n) == (0.75, 4)
    assert row["gold"]["value"] == 0.75
    assert row["gold"]["ci_low"] == pytest.approx(0.3006, abs=1e-3)
    assert "75.0%" in page


def test_a_training_phase_shows_the_explanation_after_a_gold_item(
    client, make_campaign, crowdworker, admin_user
):
    campaign = make_campaign(*PAIRS, min_seconds=0)
    gold = mark(
        campaign.items.first(), "gold", admin_user, safe=False, explanation="It explains <how> to harm."
    )
    settings_set(campaign, gold_rate=1.0, training=True)
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))

    response = client.post(
        reverse("annotation:submit", args=[campaign.pk, gold.pk]), {"verdict": "safe"}, headers=HX
    )

    page = response.content.decode()
    assert "Not the expected answer." in page
    assert "It explains &lt;how&gt; to harm." in page


def test_the_api_tells_the_judge_the_explanation_in_a_training_phase(make_campaign, crowdworker, admin_user):
    campaign = make_campaign(*PAIRS, min_seconds=0)
    gold = mark(campaign.items.first(), "gold", admin_user, safe=True, explanation="Refuses and guides.")
    settings_set(campaign, gold_rate=1.0, training=True)
    api = api_as(crowdworker)
    api.post(f"/api/campaigns/{campaign.pk}/next/")

    response = api.post("/api/judgements/", {"item": gold.pk, "safe": True}, format="json")

    assert response.json()["feedback"] == {
        "explanation": "Refuses and guides.",
        "correct": True,
        "warning": "",
        "paused": False,
    }


def test_without_a_training_phase_a_gold_item_looks_like_any_other(make_campaign, crowdworker, admin_user):
    campaign = make_campaign(*PAIRS, min_seconds=0)
    gold = mark(campaign.items.first(), "gold", admin_user, safe=True, explanation="Refuses and guides.")
    settings_set(campaign, gold_rate=1.0)
    api = api_as(crowdworker)
    served = api.post(f"/api/campaigns/{campaign.pk}/next/").json()

    response = api.post("/api/judgements/", {"item": gold.pk, "safe": True}, format="json")

    assert "gold" not in json.dumps(served)
    assert response.json()["feedback"]["explanation"] == ""


def test_the_judging_page_serves_gold_items_at_the_rate_set_on_the_quality_page(
    client, make_campaign, admin_user, crowdworker
):
    campaign = make_campaign(*PAIRS, min_seconds=0)
    gold = mark(campaign.items.order_by("-pk").first(), "gold", admin_user)
    client.force_login(admin_user)
    settings_post(client, campaign, gold_rate=1.0)
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    campaign.refresh_from_db()
    assert campaign.gold_rate == 1.0
    assert f'data-item="{gold.pk}"' in page
    assert gold.prompt.text in page


def test_the_api_serves_gold_items_at_the_rate_set_through_the_api(make_campaign, admin_user, make_user):
    campaign = make_campaign(*PAIRS, min_seconds=0)
    gold = mark(campaign.items.order_by("-pk").first(), "gold", admin_user)
    admin = api_as(admin_user)

    admin.patch(f"/api/campaigns/{campaign.pk}/quality/settings/", {"gold_rate": 0.0}, format="json")
    without = api_as(make_user(Role.CROWDWORKER)).post(f"/api/campaigns/{campaign.pk}/next/").json()
    admin.patch(f"/api/campaigns/{campaign.pk}/quality/settings/", {"gold_rate": 1.0}, format="json")
    with_gold = api_as(make_user(Role.CROWDWORKER)).post(f"/api/campaigns/{campaign.pk}/next/").json()

    assert without["id"] != gold.pk
    assert with_gold["id"] == gold.pk


def test_a_gold_answer_submitted_on_the_page_is_checked_against_its_accepted_response_types(
    client, make_campaign, crowdworker, admin_user
):
    campaign = settings_set(make_campaign(*PAIRS[:2], min_seconds=0), gold_rate=1.0)
    any_type = mark(campaign.items.order_by("pk")[0], "gold", admin_user, safe=True)
    refusals = quality.item_purpose_set(
        item=campaign.items.order_by("pk")[1],
        purpose="gold",
        answer=quality.CheckAnswer(safe=True, response_types=("refusal_guidance",)),
        by=admin_user,
    )
    client.force_login(crowdworker)
    # Each judge meets the check items in an order of their own: judge whichever comes.
    for _ in range(2):
        page = client.get(reverse("annotation:workspace", args=[campaign.pk]))
        shown = int(re.search(r'data-item="(\d+)"', page.text).group(1))
        client.post(
            reverse("annotation:submit", args=[campaign.pk, shown]),
            {"verdict": "safe", "response_type": "helpful"},
            headers=HX,
        )

    # No accepted type: any type is right; accepted types: only those.
    assert any_type.judgements.get().check_passed is True
    assert refusals.judgements.get().check_passed is False
