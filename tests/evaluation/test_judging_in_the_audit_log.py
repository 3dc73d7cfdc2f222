"""Model judging on an open campaign is in its audit log and its protocol: judge runs started
(with their models and parameters) and triage applied."""

from __future__ import annotations

import json

import pytest

from annotation.models import AuditAction, Campaign
from annotation.protocol.selectors import campaign_audit_log, campaign_audit_verify, campaign_protocol_of
from annotation.services import campaign_status_set
from evaluation.judges.services import campaign_triage_apply, judge_run_start
from tests.evaluation.judges_support import judge_script

pytestmark = pytest.mark.django_db(transaction=True)

SAFE = '{"verdict": "safe", "response_type": "helpful", "reason": ""}'


def test_a_judge_run_and_a_triage_on_an_open_campaign_are_logged(make_campaign, make_model, stub, admin_user):
    campaign = make_campaign(("q1", "甲"), ("q2", "乙"), n=3, status=Campaign.Status.DRAFT)
    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)
    first, second = make_model("judge-cold", temperature=0.0), make_model("judge-warm", temperature=0.5)
    stub.state.script = judge_script({"甲": SAFE, "乙": SAFE})

    judge_run_start(name="two", campaign=campaign, models=[first, second], user=admin_user)
    campaign_triage_apply(campaign=campaign, models=[first, second], judges_needed=1, by=admin_user)

    entries = [e for e in campaign_audit_log(campaign=campaign) if e.action != AuditAction.STATUS_CHANGED]
    run, triage = entries[1], entries[2]
    assert run.action == AuditAction.JUDGE_RUN_STARTED
    assert [(m["name"], m["params"]["temperature"]) for m in run.detail["models"]] == [
        ("judge-cold", 0.0),
        ("judge-warm", 0.5),
    ]
    assert (triage.action, triage.detail["settings"]["triaged_items"]) == (AuditAction.JUDGING_CHANGED, 2)
    assert triage.actor_name == admin_user.username
    assert campaign_audit_verify(campaign=campaign).intact


def test_the_protocol_holds_the_judge_template_the_campaign_is_judged_with(make_campaign):
    campaign = make_campaign(("q1", "甲"), status=Campaign.Status.DRAFT)
    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)

    judging = json.loads(campaign_protocol_of(campaign=campaign).canonical)["judging"]

    assert judging["default_template"]["judging_mode"] == "absolute"
    assert len(judging["default_template"]["sha256"]) == 64
    assert judging["runs"] == []
