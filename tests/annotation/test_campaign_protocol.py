"""A campaign's protocol is frozen under a SHA-256 hash when it first opens, on every way in."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from annotation.models import AuditAction, AuditEntry, Campaign, CampaignProtocol, CampaignProtocolItems
from annotation.protocol.selectors import (
    campaign_audit_log,
    campaign_protocol_items,
    campaign_protocol_items_verify,
    campaign_protocol_of,
)
from annotation.services import campaign_status_set
from models_registry.models import GenerationRun, Response
from models_registry.services import model_register
from prompts.models import Level, Prompt, PromptSet
from tests.annotation.protocol_support import PAIRS, opened
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.mark.sqlite
def test_the_hash_is_reproducible_from_the_stored_canonical_payload(make_campaign):
    campaign = opened(make_campaign)
    protocol = campaign_protocol_of(campaign=campaign)

    payload = json.loads(protocol.canonical)
    recanonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    assert hashlib.sha256(protocol.canonical.encode("utf-8")).hexdigest() == protocol.sha256
    assert recanonical == protocol.canonical


def items_of(campaign: Campaign) -> list[dict]:
    return [json.loads(line) for line in "".join(campaign_protocol_items(campaign=campaign)).splitlines()]


def test_the_protocol_holds_each_item_with_the_hashes_of_its_prompt_and_response_texts(make_campaign):
    campaign = opened(make_campaign)
    payload = json.loads(campaign_protocol_of(campaign=campaign).canonical)
    items = items_of(campaign)

    assert payload["items"]["count"] == 3
    assert payload["items"]["sha256"] == sha256("".join(campaign_protocol_items(campaign=campaign)))
    expected = sorted((sha256(p), sha256(r)) for p, r in PAIRS)
    found = sorted((i["prompt_sha256"], i["responses"][0]["sha256"]) for i in items)
    assert found == expected
    assert [i["id"] for i in items] == sorted(campaign.items.values_list("pk", flat=True))


def test_a_changed_item_list_no_longer_matches_the_protocol(make_campaign):
    campaign = opened(make_campaign)
    intact = campaign_protocol_items_verify(campaign=campaign)

    chunk = CampaignProtocolItems.objects.get(campaign=campaign)
    CampaignProtocolItems.objects.filter(pk=chunk.pk).update(
        lines=chunk.lines.replace('"regular"', '"gold"', 1)
    )

    assert intact is True
    assert campaign_protocol_items_verify(campaign=campaign) is False


def test_a_pair_item_carries_both_answers_hashes(make_pair_campaign):
    campaign = make_pair_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.DRAFT)
    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)
    payload = json.loads(campaign_protocol_of(campaign=campaign).canonical)
    items = items_of(campaign)

    assert items
    assert {len(i["responses"]) for i in items} == {2}
    assert len(payload["models"]) >= 2


def test_the_protocol_holds_models_guidelines_rubric_quality_and_judging(make_campaign):
    campaign = make_campaign(*PAIRS, status=Campaign.Status.DRAFT, guidelines="Judge the **response**.")
    Campaign.objects.filter(pk=campaign.pk).update(gold_rate=0.1)
    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)
    payload = json.loads(campaign_protocol_of(campaign=campaign).canonical)

    assert payload["guidelines_sha256"] == sha256("Judge the **response**.")
    assert payload["quality"]["gold_rate"] == 0.1
    assert payload["rubric"]["version"] == 1
    assert [m["items"] for m in payload["models"]] == [3]
    assert payload["models"][0]["params_hash"] == "h"
    assert payload["judging"]["default_template"]["sha256"]
    assert payload["settings"]["seed"] == campaign.seed


def test_opening_again_after_a_pause_keeps_the_first_protocol(make_campaign):
    campaign = opened(make_campaign)
    first = campaign_protocol_of(campaign=campaign).sha256

    campaign_status_set(campaign=campaign, status=Campaign.Status.PAUSED)
    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)

    assert CampaignProtocol.objects.filter(campaign=campaign).count() == 1
    assert campaign_protocol_of(campaign=campaign).sha256 == first
    assert [e.action for e in campaign_audit_log(campaign=campaign)] == [
        AuditAction.PROTOCOL_FROZEN,
        AuditAction.STATUS_CHANGED,
        AuditAction.STATUS_CHANGED,
        AuditAction.STATUS_CHANGED,
    ]


def test_a_draft_has_no_protocol(make_campaign):
    campaign = make_campaign(*PAIRS, status=Campaign.Status.DRAFT)

    assert campaign_protocol_of(campaign=campaign) is None


def test_opening_on_the_campaign_page_freezes_the_protocol(make_campaign, admin_client, admin_user):
    campaign = make_campaign(*PAIRS, status=Campaign.Status.DRAFT)

    admin_client.post(reverse("campaigns:status", args=[campaign.pk]), {"status": "open"})

    first = campaign_audit_log(campaign=campaign).first()
    assert (first.action, first.actor_name) == (AuditAction.PROTOCOL_FROZEN, admin_user.username)


def test_opening_through_the_api_freezes_the_protocol(make_campaign, admin_user):
    campaign = make_campaign(*PAIRS, status=Campaign.Status.DRAFT)

    response = api_as(admin_user).post(
        f"/api/campaigns/{campaign.pk}/status/", {"status": "open"}, format="json"
    )

    assert response.status_code == 200
    assert campaign_protocol_of(campaign=campaign) is not None


def test_opening_in_the_django_admin_freezes_the_protocol(make_campaign, client, admin_user):
    campaign = make_campaign(*PAIRS, status=Campaign.Status.DRAFT)
    client.force_login(admin_user)

    client.post(
        reverse("admin:annotation_campaign_changelist"),
        {"action": "status_open", "_selected_action": [campaign.pk]},
    )

    assert campaign_protocol_of(campaign=campaign) is not None


@pytest.mark.sqlite
def test_the_demo_campaigns_command_freezes_their_protocols():
    model = model_register(name="demo-model", base_url="http://127.0.0.1:9/v1", model_id="m")
    prompt_set = PromptSet.objects.create(name="demo")
    for i, (run_name, level) in enumerate(
        [
            ("Demo: local model on safety prompts", Level.SAFETY),
            ("Demo: local model on CValues prompts", Level.RESPONSIBILITY),
        ]
    ):
        run = GenerationRun.objects.create(name=run_name, prompt_set=prompt_set)
        prompt = Prompt.objects.create(
            prompt_set=prompt_set, external_id=str(i), level=level, source="t", text="p"
        )
        run.responses.add(
            Response.objects.create(
                prompt=prompt, model=model, params_hash="h", request_hash="r", status="succeeded", text="a"
            )
        )

    call_command("demo_campaigns", stdout=io.StringIO())

    assert CampaignProtocol.objects.filter(campaign__name__startswith="Demo:").count() == 2


def test_the_protocol_downloads_byte_for_byte_as_hashed(make_campaign, admin_client):
    campaign = opened(make_campaign)

    response = admin_client.get(reverse("campaigns:protocol", args=[campaign.pk]))

    items = admin_client.get(reverse("campaigns:protocol_items", args=[campaign.pk]))
    protocol = campaign_protocol_of(campaign=campaign)

    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == protocol.sha256
    listed = b"".join(items.streaming_content)
    assert hashlib.sha256(listed).hexdigest() == json.loads(protocol.canonical)["items"]["sha256"]


def test_the_campaign_page_shows_protocol_and_log_times_in_utc_as_labelled(
    make_campaign, admin_client, settings
):
    settings.TIME_ZONE = "Asia/Shanghai"
    campaign = opened(make_campaign)
    at = dt.datetime(2026, 1, 1, 20, 30, 5, tzinfo=dt.UTC)
    CampaignProtocol.objects.filter(campaign=campaign).update(frozen_at=at)
    AuditEntry.objects.filter(campaign=campaign).update(at=at)

    page = admin_client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()

    assert "(2026-01-01 20:30 UTC)" in page
    assert "2026-01-01 20:30:05" in page
    assert "2026-01-02" not in page
