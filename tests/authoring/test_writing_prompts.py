"""The write page's service: what is stored, what is refused (and then nothing is stored)."""

from __future__ import annotations

import uuid

import pytest
from django.utils import translation

from authoring.inputs import MAX_REFERENCE_ANSWER_CHARS, MAX_TURN_CHARS, SubmissionInput
from authoring.models import AuthoringCampaign, Submission
from authoring.services import AuthoringRejected, submission_submit
from common.roles import Role
from prompts.models import Domain, Level, Scenario

pytestmark = pytest.mark.django_db


def submit(campaign, user, text="如何合法地申请劳动仲裁？", **values):
    values.setdefault("submit_key", uuid.uuid4())
    return submission_submit(campaign=campaign, user=user, data=SubmissionInput(text=text, **values))


def test_an_expert_submits_a_prompt_and_a_reference_answer_for_the_campaigns_domain(make_authoring, expert):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)

    done = submit(campaign, expert, reference_answer="先收集证据，再向仲裁委员会申请。")

    submission = done.submission
    assert done.created
    assert submission.status == Submission.Status.PENDING
    assert submission.domain.slug == "law"
    assert submission.reference_answer == "先收集证据，再向仲裁委员会申请。"
    assert submission.author == expert


def test_a_form_sent_twice_stores_one_submission_and_says_so(make_authoring, expert):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    form_key = uuid.uuid4()

    first = submit(campaign, expert, submit_key=form_key)
    second = submit(campaign, expert, submit_key=form_key)

    assert first.created
    assert not second.created
    assert second.submission.pk == first.submission.pk
    assert Submission.objects.count() == 1


def test_a_form_key_of_someone_else_is_refused(make_authoring, expert, make_user):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    form_key = uuid.uuid4()
    submit(campaign, expert, submit_key=form_key)
    other = make_user(Role.EXPERT, domains=("law",))

    with pytest.raises(AuthoringRejected):
        submit(campaign, other, text="另一个问题", submit_key=form_key)


def test_a_person_past_their_quota_is_refused_and_nothing_is_stored(make_authoring, expert):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT, quota_per_person=2)
    submit(campaign, expert, text="第一个问题")
    submit(campaign, expert, text="第二个问题")

    with pytest.raises(AuthoringRejected, match="your 2 prompts"):
        submit(campaign, expert, text="第三个问题")

    assert Submission.objects.count() == 2


def test_the_quota_refusal_reads_in_chinese_for_a_chinese_reader(make_authoring, expert):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT, quota_per_person=1)
    submit(campaign, expert, text="第一个问题")

    with translation.override("zh-hans"), pytest.raises(AuthoringRejected) as refused:
        submit(campaign, expert, text="第二个问题")

    assert "提交" in refused.value.message


def test_the_campaigns_total_quota_holds_across_people(make_authoring, expert, make_user):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT, quota_total=1)
    submit(campaign, expert, text="第一个问题")

    with pytest.raises(AuthoringRejected, match="all the prompts"):
        submit(campaign, make_user(Role.EXPERT, domains=("law",)), text="第二个问题")


def test_a_rejected_submission_no_longer_counts_towards_the_quota(make_authoring, expert):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT, quota_per_person=1)
    submit(campaign, expert, text="第一个问题")
    Submission.objects.update(status=Submission.Status.REJECTED)

    assert submit(campaign, expert, text="第二个问题").created


@pytest.mark.parametrize("text", ["", "   \n "])
def test_an_empty_prompt_is_refused(make_authoring, expert, text):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)

    with pytest.raises(AuthoringRejected) as refused:
        submit(campaign, expert, text=text)

    assert refused.value.field == "text"
    assert not Submission.objects.exists()


def test_an_oversized_prompt_or_reference_answer_is_refused(make_authoring, expert):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)

    with pytest.raises(AuthoringRejected) as refused:
        submit(campaign, expert, text="问" * (MAX_TURN_CHARS + 1))
    assert refused.value.field == "text"
    with pytest.raises(AuthoringRejected) as refused:
        submit(campaign, expert, reference_answer="答" * (MAX_REFERENCE_ANSWER_CHARS + 1))
    assert refused.value.field == "reference_answer"
    assert submit(campaign, expert, text="问" * MAX_TURN_CHARS).created


def test_an_exact_duplicate_of_a_waiting_prompt_is_refused_whatever_its_punctuation_and_width(
    make_authoring, expert
):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    submit(campaign, expert, text="如何合法地申请劳动仲裁？")

    with pytest.raises(AuthoringRejected, match="already in the campaign"):
        submit(campaign, expert, text="  如何合法地申请劳动仲裁!! ")


def test_nobody_writes_in_a_campaign_that_is_not_open(make_authoring, expert):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT, status="paused")

    with pytest.raises(AuthoringRejected, match="paused"):
        submit(campaign, expert)


def test_experts_of_another_domain_and_crowdworkers_may_not_write_expert_prompts(make_authoring, make_user):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)

    for person in (make_user(Role.EXPERT, domains=("psychology",)), make_user(Role.CROWDWORKER)):
        with pytest.raises(AuthoringRejected, match="may not write"):
            submit(campaign, person)


def test_anyone_with_a_role_writes_in_a_collection_but_not_an_account_without_one(make_authoring, make_user):
    campaign = make_authoring(AuthoringCampaign.Kind.COLLECTION, level=Level.SAFETY)
    crimes = Scenario.objects.get(slug="crimes")

    assert submit(campaign, make_user(Role.REVIEWER), scenario=crimes).created
    with pytest.raises(AuthoringRejected, match="may not write"):
        submit(campaign, make_user(), text="另一个", scenario=crimes)


def test_a_safety_collection_asks_for_a_scenario_and_a_responsibility_one_for_a_domain(
    make_authoring, make_user
):
    safety = make_authoring(AuthoringCampaign.Kind.COLLECTION, level=Level.SAFETY)
    responsibility = make_authoring(AuthoringCampaign.Kind.COLLECTION, level=Level.RESPONSIBILITY)
    person = make_user(Role.CROWDWORKER)

    with pytest.raises(AuthoringRejected) as refused:
        submit(safety, person)
    assert refused.value.field == "scenario"
    with pytest.raises(AuthoringRejected) as refused:
        submit(responsibility, person)
    assert refused.value.field == "domain"
    assert (
        submit(responsibility, person, domain=Domain.objects.get(slug="psychology")).submission.domain.slug
        == "psychology"
    )


def test_attacks_are_not_written_on_the_write_page(make_authoring, crowdworker):
    campaign = make_authoring(AuthoringCampaign.Kind.ATTACK)

    with pytest.raises(AuthoringRejected, match="attack workspace"):
        submit(campaign, crowdworker, scenario=Scenario.objects.get(slug="crimes"))
