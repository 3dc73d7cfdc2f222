"""Every change to an open campaign is appended to its hash-chained audit log, and a row changed or
removed behind ValueLens' back shows as a broken chain at that entry."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from annotation.models import AuditAction, AuditEntry, Campaign, CampaignProtocol, Item
from annotation.protocol.selectors import campaign_audit_log, campaign_audit_verify
from annotation.protocol.services import entry_fields
from annotation.quality import services as quality
from annotation.services import campaign_items_sync, campaign_status_set, judgement_void
from common.roles import Role
from models_registry.models import Response
from tests.annotation.protocol_support import opened
from tests.annotation.quality_support import judge_next, settings_post
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db


def actions(campaign: Campaign) -> list[str]:
    return [e.action for e in campaign_audit_log(campaign=campaign)]


def last(campaign: Campaign) -> AuditEntry:
    return campaign_audit_log(campaign=campaign).last()


def with_entries(make_campaign) -> Campaign:
    campaign = opened(make_campaign)
    for status in (Campaign.Status.PAUSED, Campaign.Status.OPEN, Campaign.Status.PAUSED):
        campaign_status_set(campaign=campaign, status=status)
    return campaign


@pytest.mark.sqlite
def test_changing_a_setting_on_the_quality_page_appends_an_entry(make_campaign, admin_client, admin_user):
    campaign = opened(make_campaign)

    settings_post(admin_client, campaign, gold_rate=0.2)

    entry = last(campaign)
    assert entry.action == AuditAction.SETTINGS_CHANGED
    assert entry.detail == {"changes": {"gold_rate": {"old": 0.0, "new": 0.2}}}
    assert entry.actor_name == admin_user.username
    assert campaign_audit_verify(campaign=campaign).intact


def test_changing_a_setting_through_the_api_appends_an_entry(make_campaign, admin_user):
    campaign = opened(make_campaign)

    response = api_as(admin_user).patch(
        f"/api/campaigns/{campaign.pk}/quality/settings/", {"attention_every": 5}, format="json"
    )

    assert response.status_code == 200
    assert last(campaign).detail == {"changes": {"attention_every": {"old": 0, "new": 5}}}


def test_changing_a_setting_in_the_django_admin_appends_an_entry(make_campaign, client, admin_user):
    campaign = opened(make_campaign)
    client.force_login(admin_user)

    client.post(
        reverse("admin:annotation_campaign_change", args=[campaign.pk]),
        {
            "name": campaign.name,
            "guidelines": "",
            "blind": "on",
            "lease_minutes": 10,
            "min_seconds": 7,
            "break_after_minutes": 30,
        },
    )

    campaign.refresh_from_db()
    assert campaign.min_seconds == 7
    assert last(campaign).detail == {"changes": {"min_seconds": {"old": 3, "new": 7}}}


def test_saving_unchanged_settings_appends_nothing(make_campaign, admin_client):
    campaign = opened(make_campaign)
    before = actions(campaign)

    settings_post(admin_client, campaign)

    assert actions(campaign) == before


def test_a_draft_changes_freely_and_its_log_starts_at_the_freeze(make_campaign, admin_client):
    campaign = make_campaign(("p", "r"), status=Campaign.Status.DRAFT)
    settings_post(admin_client, campaign, gold_rate=0.3)

    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)

    assert actions(campaign) == [AuditAction.PROTOCOL_FROZEN, AuditAction.STATUS_CHANGED]


def test_an_intact_log_verifies(make_campaign):
    campaign = with_entries(make_campaign)

    verdict = campaign_audit_verify(campaign=campaign)

    assert (verdict.intact, verdict.entries, verdict.broken_at) == (True, 5, None)


@pytest.mark.sqlite
def test_a_tampered_row_breaks_the_chain_at_that_entry(make_campaign):
    campaign = with_entries(make_campaign)

    AuditEntry.objects.filter(campaign=campaign, seq=3).update(detail={"old": "paused", "new": "closed"})

    verdict = campaign_audit_verify(campaign=campaign)
    assert (verdict.intact, verdict.broken_at, verdict.reason) == (False, 3, "hash")


def test_the_campaign_page_shows_where_the_chain_breaks(make_campaign, admin_client):
    campaign = with_entries(make_campaign)
    intact = admin_client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()

    AuditEntry.objects.filter(campaign=campaign, seq=2).update(actor_key="0" * 64)
    broken = admin_client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()

    assert 'data-intact="1"' in intact
    assert CampaignProtocol.objects.get(campaign=campaign).sha256 in intact
    assert 'data-intact="0" data-broken-at="2"' in broken
    assert "Chain broken at entry 2" in broken


def test_a_deleted_middle_row_breaks_the_chain(make_campaign):
    campaign = with_entries(make_campaign)

    AuditEntry.objects.filter(campaign=campaign, seq=3).delete()

    verdict = campaign_audit_verify(campaign=campaign)
    assert (verdict.intact, verdict.broken_at, verdict.reason) == (False, 3, "missing")


def test_a_row_cut_off_the_end_breaks_the_chain(make_campaign):
    campaign = with_entries(make_campaign)

    AuditEntry.objects.filter(campaign=campaign, seq=5).delete()

    verdict = campaign_audit_verify(campaign=campaign)
    assert (verdict.intact, verdict.broken_at, verdict.reason) == (False, 5, "head")


def test_a_row_rehashed_after_tampering_still_breaks_the_link_to_the_next(make_campaign):
    campaign = with_entries(make_campaign)
    from annotation.protocol.canonical import entry_hash
    from annotation.protocol.services import entry_fields

    entry = AuditEntry.objects.get(campaign=campaign, seq=2)
    entry.detail = {"old": "open", "new": "closed"}
    entry.hash = entry_hash(prev_hash=entry.prev_hash, fields=entry_fields(entry))
    AuditEntry.objects.filter(pk=entry.pk).update(detail=entry.detail, hash=entry.hash)

    verdict = campaign_audit_verify(campaign=campaign)
    assert (verdict.intact, verdict.broken_at, verdict.reason) == (False, 3, "link")


def test_a_changed_protocol_breaks_the_chain_at_entry_zero(make_campaign):
    campaign = with_entries(make_campaign)

    CampaignProtocol.objects.filter(campaign=campaign).update(canonical="{}")

    verdict = campaign_audit_verify(campaign=campaign)
    assert (verdict.intact, verdict.broken_at, verdict.reason) == (False, 0, "protocol")


@pytest.mark.sqlite
def test_items_added_to_an_open_campaign_are_one_entry_per_pass(followed_run):
    from annotation.services import campaign_create

    campaign = campaign_create(
        name="follower",
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.filter(runs=followed_run),
        follow_run=followed_run,
    )
    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)
    Response.objects.filter(runs=followed_run).update(status=Response.Status.SUCCEEDED, text="an answer")

    campaign_items_sync(campaign=campaign)

    added = [e for e in campaign_audit_log(campaign=campaign) if e.action == AuditAction.ITEMS_ADDED]
    assert len(added) == 1
    assert added[0].detail["count"] == 4
    assert sorted(i["id"] for i in added[0].detail["items"]) == sorted(
        Item.objects.filter(campaign=campaign).values_list("pk", flat=True)
    )
    assert [m["items"] for m in added[0].detail["models"]] == [4]


def test_a_judge_excluded_and_readmitted_is_logged(make_campaign, make_user):
    reviewer, judge = make_user(Role.REVIEWER), make_user(Role.CROWDWORKER)
    campaign = opened(make_campaign)
    judge_next(judge, campaign)

    quality.judge_exclude(campaign=campaign, user=judge, by=reviewer, reason="clicks at random")
    quality.judge_readmit(campaign=campaign, user=judge, by=reviewer)

    assert actions(campaign)[-2:] == [AuditAction.JUDGE_EXCLUDED, AuditAction.JUDGE_READMITTED]
    assert campaign_audit_log(campaign=campaign)[2].detail["reason"] == "clicks at random"


def test_a_gold_promotion_is_one_entry_for_all_its_items(make_campaign, make_user, admin_user):
    people = [make_user(Role.CROWDWORKER) for _ in range(3)]
    campaign = opened(make_campaign)
    for person in people:
        while judge_next(person, campaign):
            pass

    promoted = quality.gold_promote_unanimous(campaign=campaign, by=admin_user)

    entries = [e for e in campaign_audit_log(campaign=campaign) if e.action == AuditAction.CHECK_ITEMS_SET]
    assert promoted == 3
    assert len(entries) == 1
    assert len(entries[0].detail["items"]) == 3


def test_an_adjudication_and_a_void_are_logged_but_judging_is_not(make_campaign, make_user):
    reviewer, judge = make_user(Role.REVIEWER), make_user(Role.CROWDWORKER)
    campaign = opened(make_campaign)
    judgement = judge_next(judge, campaign)
    judge_next(judge, campaign)
    before = len(actions(campaign))

    quality.item_adjudicate(item=judgement.item, by=reviewer, data={"safe": False, "note": "unsafe"})
    judgement_void(judgement=judgement, by=reviewer, reason="test")

    assert before == 2
    assert actions(campaign)[2:] == [AuditAction.ADJUDICATED, AuditAction.JUDGEMENTS_VOIDED]


def test_the_api_shows_the_protocol_and_the_log_with_the_chain_check(make_campaign, admin_user):
    campaign = with_entries(make_campaign)
    api = api_as(admin_user)

    protocol = api.get(f"/api/campaigns/{campaign.pk}/protocol/").json()
    log = api.get(f"/api/campaigns/{campaign.pk}/audit/").json()

    assert protocol["sha256"] == CampaignProtocol.objects.get(campaign=campaign).sha256
    assert protocol["verify"]["intact"] is True
    assert [e["seq"] for e in log["results"]] == [1, 2, 3, 4, 5]
    assert log["results"][0]["prev_hash"] == protocol["sha256"]
    assert log["verify"] == {"frozen": True, "intact": True, "entries": 5, "broken_at": None, "reason": ""}
    assert [e["actor_key"] for e in log["results"]] == [
        e.actor_key for e in campaign_audit_log(campaign=campaign)
    ]
    items = b"".join(api.get(f"/api/campaigns/{campaign.pk}/protocol/items/").streaming_content)
    assert hashlib.sha256(items).hexdigest() == json.loads(protocol["canonical"])["items"]["sha256"]


def test_the_django_admin_neither_changes_nor_deletes_audit_entries(make_campaign, client, admin_user):
    campaign = with_entries(make_campaign)
    entry = AuditEntry.objects.get(campaign=campaign, seq=2)
    client.force_login(admin_user)

    client.post(reverse("admin:annotation_auditentry_change", args=[entry.pk]), {"actor_name": "x"})
    client.post(reverse("admin:annotation_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    listing = client.get(reverse("admin:annotation_auditentry_changelist"))

    assert listing.status_code == 200
    assert AuditEntry.objects.filter(pk=entry.pk, actor_name="").exists()
    assert campaign_audit_verify(campaign=campaign).intact


def test_the_campaign_page_says_each_change_in_the_readers_language(make_campaign, admin_client):
    campaign = opened(make_campaign)
    settings_post(admin_client, campaign, gold_rate=0.2)

    page = admin_client.get(
        reverse("campaigns:detail", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="zh-CN"
    ).content.decode()

    assert "设置已变更" in page
    assert "协议已冻结" in page
    assert "哈希链完好" in page


def test_an_entry_seals_a_keyed_pseudonym_not_the_username(make_campaign, admin_client, admin_user, settings):
    campaign = opened(make_campaign)

    settings_post(admin_client, campaign, gold_rate=0.2)

    entry = last(campaign)
    keyed = hmac.new(settings.AUDIT_ACTOR_KEY.encode(), admin_user.username.encode(), hashlib.sha256)
    assert entry.actor_key == keyed.hexdigest()
    assert admin_user.username not in json.dumps(entry_fields(entry))


def test_changing_the_actor_key_later_keeps_old_entries_intact(make_campaign, admin_client, settings):
    campaign = opened(make_campaign)
    settings_post(admin_client, campaign, gold_rate=0.2)
    before = last(campaign).actor_key

    settings.AUDIT_ACTOR_KEY = "another key"
    settings_post(admin_client, campaign, gold_rate=0.3)

    assert last(campaign).actor_key != before
    assert campaign_audit_verify(campaign=campaign).intact
