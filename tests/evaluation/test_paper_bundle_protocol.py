"""A paper bundle carries each campaign's frozen protocol as hashed, its audit log with staff under
keyed pseudonyms (recomputable from the bundle alone), the chain check at build time, and a
methods sentence naming the hash."""

from __future__ import annotations

import hashlib
import itertools
import json

import pytest
from django.contrib.auth import get_user_model

from annotation.models import AuditEntry
from annotation.protocol.selectors import campaign_protocol_of
from annotation.protocol.services import campaign_settings_save
from common.roles import Role
from evaluation.figures.selectors import FigureScope
from tests.evaluation.bundle_support import build_study, bundle_built, bundle_members, jsonl_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(make_user):
    study = build_study(make_user)
    admin = make_user(Role.ADMIN, username="ada-admin")
    study.safety.min_seconds = 7
    campaign_settings_save(campaign=study.safety, fields=["min_seconds"], by=admin)
    return study


def folder_of(campaign) -> str:
    return f"protocol/campaign-{campaign.pk}"


def test_the_bundle_holds_the_protocol_text_that_hashes_to_its_sha256(study):
    members = bundle_members(bundle_built(FigureScope(campaign_ids=(study.safety.pk,))))
    protocol = campaign_protocol_of(campaign=study.safety)
    text = members[f"{folder_of(study.safety)}/protocol.json"]

    assert hashlib.sha256(text).hexdigest() == protocol.sha256
    assert members[f"{folder_of(study.safety)}/protocol.sha256"].decode().split()[0] == protocol.sha256


def test_the_bundles_audit_log_links_from_the_protocol_and_names_no_one(study):
    members = bundle_members(bundle_built(FigureScope(campaign_ids=(study.safety.pk,))))
    entries = jsonl_rows(members[f"{folder_of(study.safety)}/audit_log.jsonl"])
    protocol = campaign_protocol_of(campaign=study.safety)

    assert [e["action"] for e in entries][-1] == "settings_changed"
    assert entries[0]["prev_hash"] == protocol.sha256
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in itertools.pairwise(entries))
    assert b"ada-admin" not in members[f"{folder_of(study.safety)}/audit_log.jsonl"]
    assert len(entries[-1]["actor_key"]) == 64
    verdict = json.loads(members[f"{folder_of(study.safety)}/verification.json"])
    assert verdict["chain_intact"] is True
    assert verdict["entries"] == len(entries)


def test_a_reader_recomputes_the_whole_chain_from_the_bundles_files_alone(study):
    members = bundle_members(bundle_built(FigureScope(campaign_ids=(study.safety.pk,))))
    folder = folder_of(study.safety)
    entries = jsonl_rows(members[f"{folder}/audit_log.jsonl"])

    # Only the zip and the documented canonical form: sorted keys, compact, UTF-8.
    prev = hashlib.sha256(members[f"{folder}/protocol.json"]).hexdigest()
    assert prev == members[f"{folder}/protocol.sha256"].decode().split()[0]
    for entry in entries:
        sealed = {k: v for k, v in entry.items() if k not in ("prev_hash", "hash")}
        canonical = json.dumps(sealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert entry["prev_hash"] == prev
        prev = hashlib.sha256((prev + canonical).encode("utf-8")).hexdigest()
        assert entry["hash"] == prev
    assert len(entries) == AuditEntry.objects.filter(campaign=study.safety).count() > 1


def test_no_username_appears_anywhere_in_the_bundle(study):
    members = bundle_members(bundle_built(FigureScope(campaign_ids=(study.safety.pk,))))
    names = [name.encode() for name in get_user_model().objects.values_list("username", flat=True)]

    assert b"ada-admin" in names
    assert [(path, name) for path, data in members.items() for name in names if name in data] == []


def test_the_methods_paragraph_names_the_protocols_hash_in_both_languages(study):
    members = bundle_members(bundle_built(FigureScope(campaign_ids=(study.safety.pk,))))
    digest = campaign_protocol_of(campaign=study.safety).sha256

    assert digest in members["methods/methods.en.md"].decode()
    assert digest in members["methods/methods.zh.md"].decode()
    assert "chain was intact" in members["methods/methods.en.md"].decode()


def test_a_tampered_audit_row_shows_as_a_broken_chain_in_the_bundle(study):
    last = AuditEntry.objects.filter(campaign=study.safety).order_by("-seq").first()
    AuditEntry.objects.filter(pk=last.pk).update(detail={"changes": {"min_seconds": {"old": 3, "new": 1}}})

    members = bundle_members(bundle_built(FigureScope(campaign_ids=(study.safety.pk,))))

    verdict = json.loads(members[f"{folder_of(study.safety)}/verification.json"])
    assert verdict["chain_intact"] is False
    assert verdict["broken_at"] == last.seq
    assert f"broken at entry {last.seq}" in members["methods/methods.en.md"].decode()
