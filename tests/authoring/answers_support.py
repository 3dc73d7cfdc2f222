"""An expert-answers campaign made straight from prompts and a model's answers (evaluation picks
them from the results: its own tests)."""

from __future__ import annotations

import uuid

from authoring.inputs import AuthoringCampaignInput, GivenPromptInput, SubmissionInput
from authoring.models import AuthoringCampaign
from authoring.services import authoring_campaign_create, authoring_campaign_status_set, submission_submit
from models_registry.models import RegisteredModel, Response
from prompts.models import Domain, Level, Prompt, PromptSet

SCRIPT_PROMPT = "<script>alert('x')</script> 员工被拖欠工资怎么办？"


def model_answer(
    prompt_set: PromptSet, model: RegisteredModel, text: str, answer: str, domain: str, **values
):
    prompt = Prompt.objects.create(
        prompt_set=prompt_set,
        external_id=str(uuid.uuid4()),
        level=Level.RESPONSIBILITY,
        domain=Domain.objects.get(slug=domain),
        source="test",
        text=text,
        **values,
    )
    return Response.objects.create(
        prompt=prompt,
        model=model,
        params_hash="h",
        sample_index=0,
        request_hash="r",
        status=Response.Status.SUCCEEDED,
        text=answer,
    )


def answers_campaign(user, model: RegisteredModel, *, status: str = "open") -> AuthoringCampaign:
    """Three prompts to answer, in this order: law (a <script> in it, score 1.0), law (a
    conversation, score 2.5), psychology (score 3.0)."""
    prompt_set = PromptSet.objects.create(name=f"scored {uuid.uuid4()}")
    responses = [
        (model_answer(prompt_set, model, SCRIPT_PROMPT, "不用管。", "law"), 1.0),
        (
            model_answer(
                prompt_set,
                model,
                "那我该去哪里投诉？",
                "随便找个地方。",
                "law",
                messages=[
                    {"role": "user", "content": "老板不给加班费。"},
                    {"role": "assistant", "content": "忍忍吧。"},
                ],
            ),
            2.5,
        ),
        (model_answer(prompt_set, model, "我最近总是失眠，怎么办？", "多喝酒。", "psychology"), 3.0),
    ]
    given = [
        GivenPromptInput(prompt=r.prompt, response=r, domain=r.prompt.domain, score=score)
        for r, score in responses
    ]
    campaign = authoring_campaign_create(
        data=AuthoringCampaignInput(
            name=f"answers {uuid.uuid4()}", kind=AuthoringCampaign.Kind.EXPERT_ANSWERS, quota_per_person=10
        ),
        user=user,
        given=given,
    )
    return authoring_campaign_status_set(campaign=campaign, status=status)


def answer(campaign, user, given, text="先保留证据，再向劳动监察大队投诉或申请劳动仲裁。", **values):
    values.setdefault("submit_key", uuid.uuid4())
    return submission_submit(
        campaign=campaign,
        user=user,
        data=SubmissionInput(text="", reference_answer=text, given=given, **values),
    )
