"""Writes of prompt authoring: campaigns, submissions (written prompts and finished attacks) and
their review. An accepted submission becomes a Prompt of the campaign's set, indexed for
near-duplicates; an accepted attack's final answer becomes a Response of the campaign's attack run.

Every refusal is an AuthoringRejected with a translated message, and stores nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from authoring import dedup
from authoring.inputs import (
    MAX_INSTRUCTIONS_CHARS,
    MAX_PROVENANCE_CHARS_FACTOR,
    MAX_REFERENCE_ANSWER_CHARS,
    MAX_REJECT_REASON_CHARS,
    MAX_TURN_CHARS,
    MAX_TYPING_MS,
    AuthoringCampaignInput,
    GivenPromptInput,
    ReviewInput,
    SubmissionInput,
)
from authoring.models import (
    AuthoringCampaign,
    AuthoringWarningSeen,
    AuthorScope,
    Conversation,
    GivenPrompt,
    ScenarioBrief,
    Submission,
    Turn,
)
from authoring.selectors import (
    RejectReason,
    author_quota,
    authoring_warning_due,
    campaign_author_allowed,
    campaign_full,
    compare_text,
    given_prompts_for,
    submitted_count,
)
from common.errors import ApplicationError
from models_registry.models import GenerationRun, Response
from models_registry.services import GenerationRunRejected, generation_run_create
from people.services import annotator_profile_get_or_create
from prompts.models import Level, Prompt, PromptSet, Scenario
from webhooks.models import EventKind
from webhooks.services import webhook_event_emit

PROMPT_SOURCE = "authoring"
# An authored answer was never requested from an endpoint: these stand where a fetched response
# keeps the hash of its parameters and of its request (Response's unique key is prompt, model,
# params_hash, sample index; the prompt is new, so one authored answer per prompt and model).
AUTHORED_HASH = "authored"


class AuthoringRejected(ApplicationError, ValueError):
    """A write of authoring that is refused; the message says why, in the asker's language."""


class ContentWarningUnacknowledged(AuthoringRejected):
    """The author has not acknowledged the campaign's content warning yet: the same refusal on
    every way in, which an API client recognises by its code."""

    status_code = 409
    code = "content_warning_unacknowledged"


@dataclass(frozen=True)
class Submitted:
    """What a submit stored, and whether this call stored it (False: the form's key was sent
    before, by a double click or a second tab, and the first submission stands)."""

    submission: Submission
    created: bool


# ---------------------------------------------------------------- campaigns


def author_scope_create(
    *, user: AbstractBaseUser, campaign: AuthoringCampaign, quota: int, finish_url: str
) -> AuthorScope:
    """Bind an account to one campaign (a crowd participant's, made by their entry link)."""
    scope = AuthorScope(user=user, campaign=campaign, quota=quota, finish_url=finish_url)
    scope.full_clean()
    scope.save()
    return scope


def authoring_warning_acknowledge(*, user: AbstractBaseUser, campaign: AuthoringCampaign) -> None:
    """The author read the campaign's content warning and chose to go on: it is not shown again,
    and the API lets them write. Acknowledging twice stores it once; a campaign without a warning
    stores nothing (a warning added later is still acknowledged before writing)."""
    if not campaign_author_allowed(user=user, campaign=campaign):
        raise AuthoringRejected(_("You may not write in this campaign."))
    if campaign.content_warning:
        AuthoringWarningSeen.objects.get_or_create(campaign=campaign, user=user)


def authoring_warning_check(*, user: AbstractBaseUser, campaign: AuthoringCampaign) -> None:
    """Refuse any writing in the campaign until its content warning was acknowledged."""
    if authoring_warning_due(user=user, campaign=campaign):
        raise ContentWarningUnacknowledged(
            _(
                "This campaign has a content warning that you have not acknowledged yet. Read it and "
                "acknowledge it first: on the campaign's page in the browser, or through the API with "
                "a POST to %(address)s (the warning's text is the campaign's content_warning)."
            )
            % {"address": reverse("api:authoring_campaign-content-warning", args=[campaign.pk])}
        )


def _campaign_input_check(
    data: AuthoringCampaignInput,
    *,
    campaign: AuthoringCampaign | None,
    given: tuple[GivenPromptInput, ...] = (),
) -> str:
    if data.kind not in AuthoringCampaign.Kind.values:
        raise AuthoringRejected(_("Choose what the campaign asks for."), field="kind")
    if not data.name.strip():
        raise AuthoringRejected(_("Give the campaign a name."), field="name")
    taken = PromptSet.objects.filter(name=data.name.strip())
    if campaign is not None:
        taken = taken.exclude(pk=campaign.prompt_set_id)
    if taken.exists():
        raise AuthoringRejected(
            _("A prompt set is already called %(name)s: choose another name.") % {"name": data.name.strip()},
            field="name",
        )
    level = data.level_of_kind()
    if level not in Level.values:
        raise AuthoringRejected(_("Choose the level of the prompts to collect."), field="level")
    if data.kind == AuthoringCampaign.Kind.ATTACK and not data.targets:
        raise AuthoringRejected(_("An attack campaign needs at least one model to attack."), field="targets")
    if data.kind == AuthoringCampaign.Kind.EXPERT and data.domain is None:
        raise AuthoringRejected(
            _("An expert campaign is for the experts of one domain: choose it."), field="domain"
        )
    if campaign is None and data.kind == AuthoringCampaign.Kind.EXPERT_ANSWERS and not given:
        raise AuthoringRejected(
            _(
                "An expert-answers campaign is started from the results, on the prompts a model "
                "answered worst: there are none to answer here."
            ),
            field="kind",
        )
    if given and data.kind != AuthoringCampaign.Kind.EXPERT_ANSWERS:
        raise AuthoringRejected(_("Only an expert-answers campaign has prompts to answer."), field="kind")
    if len(data.instructions) > MAX_INSTRUCTIONS_CHARS:
        raise AuthoringRejected(
            _("The instructions are longer than %(n)s characters.") % {"n": f"{MAX_INSTRUCTIONS_CHARS:,}"},
            field="instructions",
        )
    scenarios = [brief.scenario.pk for brief in data.briefs]
    if len(scenarios) != len(set(scenarios)):
        raise AuthoringRejected(_("Each risk scenario may have one brief."), field="briefs")
    return level


def _campaign_fields(campaign: AuthoringCampaign, data: AuthoringCampaignInput, level: str) -> None:
    campaign.name = data.name.strip()
    campaign.level = level
    campaign.instructions = data.instructions
    # An expert-answers campaign spans the domains of its given prompts.
    spans_domains = data.kind == AuthoringCampaign.Kind.EXPERT_ANSWERS
    campaign.domain = data.domain if level == Level.RESPONSIBILITY and not spans_domains else None
    campaign.targets_shown = data.targets_shown
    campaign.max_turns = data.max_turns
    campaign.quota_per_person = data.quota_per_person
    campaign.quota_total = data.quota_total
    campaign.pay_per_accepted = data.pay_per_accepted
    campaign.currency = data.currency
    campaign.content_warning = data.content_warning
    campaign.break_after_minutes = data.break_after_minutes


def _briefs_set(campaign: AuthoringCampaign, data: AuthoringCampaignInput) -> None:
    wanted = {brief.scenario.pk: brief for brief in data.briefs}
    campaign.briefs.exclude(scenario_id__in=list(wanted)).delete()
    for scenario_id, brief in wanted.items():
        ScenarioBrief.objects.update_or_create(
            campaign=campaign,
            scenario_id=scenario_id,
            defaults={"description": brief.description, "examples": brief.examples, "quota": brief.quota},
        )


@transaction.atomic
def authoring_campaign_create(
    *,
    data: AuthoringCampaignInput,
    user: AbstractBaseUser | None,
    given: tuple[GivenPromptInput, ...] | list[GivenPromptInput] = (),
) -> AuthoringCampaign:
    """A campaign in draft, with the prompt set its accepted prompts go to (listed, named after
    it) and, for an attack, the generation run its accepted attacks' answers join. An
    expert-answers campaign takes its prompts to answer (`given`, in the order experts get them)."""
    given = tuple(given)
    level = _campaign_input_check(data, campaign=None, given=given)
    prompt_set = PromptSet.objects.create(
        name=data.name.strip(),
        source=PROMPT_SOURCE,
        description=_("Prompts written in the authoring campaign %(name)s.") % {"name": data.name.strip()},
        created_by=user,
    )
    campaign = AuthoringCampaign(kind=data.kind, prompt_set=prompt_set, created_by=user)
    _campaign_fields(campaign, data, level)
    campaign.full_clean(exclude=["prompt_set", "attack_run"])
    campaign.save()
    if data.kind == AuthoringCampaign.Kind.ATTACK:
        campaign.targets.set(data.targets)
        try:
            # Finished from the start: nothing in it is ever fetched. Each accepted answer joins it
            # and renews finished_at, which is how a judging campaign that follows it (within
            # annotation's grace after a run finishes) takes the answer in.
            run = generation_run_create(
                name=data.name.strip(),
                prompt_set=prompt_set,
                models=data.targets,
                level=level,
                user=user,
                status=GenerationRun.Status.FINISHED,
            )
        except GenerationRunRejected as refused:
            raise AuthoringRejected(refused.message, field="targets") from refused
        GenerationRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
        campaign.attack_run = run
        campaign.save(update_fields=["attack_run"])
    GivenPrompt.objects.bulk_create(
        GivenPrompt(
            campaign=campaign,
            prompt=item.prompt,
            response=item.response,
            domain=item.domain,
            score=item.score,
            position=position,
        )
        for position, item in enumerate(given, start=1)
    )
    _briefs_set(campaign, data)
    return campaign


@transaction.atomic
def authoring_campaign_update(
    *, campaign: AuthoringCampaign, data: AuthoringCampaignInput
) -> AuthoringCampaign:
    """Change a campaign's settings; its kind stays (its set and run were made for it)."""
    campaign = AuthoringCampaign.objects.select_for_update().get(pk=campaign.pk)
    if data.kind != campaign.kind:
        raise AuthoringRejected(_("A campaign's kind cannot change; create another campaign."), field="kind")
    level = _campaign_input_check(data, campaign=campaign)
    _campaign_fields(campaign, data, level)
    campaign.full_clean(exclude=["prompt_set", "attack_run"])
    campaign.save()
    PromptSet.objects.filter(pk=campaign.prompt_set_id).update(name=campaign.name)
    if campaign.kind == AuthoringCampaign.Kind.ATTACK:
        campaign.targets.set(data.targets)
        if campaign.attack_run_id:
            campaign.attack_run.target_models.add(*data.targets)
    _briefs_set(campaign, data)
    return campaign


def authoring_campaign_status_set(*, campaign: AuthoringCampaign, status: str) -> AuthoringCampaign:
    if status not in AuthoringCampaign.Status.values:
        raise AuthoringRejected(_("No such status."), field="status")
    AuthoringCampaign.objects.filter(pk=campaign.pk).update(status=status)
    campaign.status = status
    return campaign


# ---------------------------------------------------------------- submissions


def _whole_number(value: object, *, top: int) -> int:
    try:
        number = int(value or 0)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        number = 0
    return min(max(number, 0), top)


def _provenance_clean(raw: Mapping[str, Any] | None, texts: Mapping[str, tuple[str, int]]) -> dict[str, Any]:
    """Keep the page's typing figures for the texts it wrote, as whole numbers within what a
    person can do. `texts`: field name → (its text, its longest length)."""
    kept: dict[str, Any] = {}
    for name, (text, longest) in texts.items():
        figures = (raw or {}).get(name)
        if not isinstance(figures, Mapping) or not text:
            continue
        chars = longest * MAX_PROVENANCE_CHARS_FACTOR
        kept[name] = {
            "typed": _whole_number(figures.get("typed"), top=chars),
            "pasted": _whole_number(figures.get("pasted"), top=chars),
            "typing_ms": _whole_number(figures.get("typing_ms"), top=MAX_TYPING_MS),
        }
    return kept


def _text_check(text: str, *, field: str, longest: int, empty_message: str) -> str:
    if not text.strip():
        raise AuthoringRejected(empty_message, field=field)
    if len(text) > longest:
        raise AuthoringRejected(
            _("This text has %(n)s characters; at most %(max)s are allowed.")
            % {"n": f"{len(text):,}", "max": f"{longest:,}"},
            field=field,
        )
    return text


def _campaign_open_for(campaign: AuthoringCampaign, user: AbstractBaseUser) -> None:
    if not campaign_author_allowed(user=user, campaign=campaign):
        raise AuthoringRejected(_("You may not write in this campaign."))
    if campaign.status != AuthoringCampaign.Status.OPEN:
        raise AuthoringRejected(
            _("The campaign is %(status)s: it takes no submissions now.")
            % {"status": campaign.get_status_display().lower()}
        )


def _scenario_check(campaign: AuthoringCampaign, scenario: Scenario | None, *, required: bool) -> None:
    briefs = {brief.scenario_id: brief for brief in campaign.briefs.all()}
    if scenario is None:
        if required:
            raise AuthoringRejected(_("Choose the risk scenario the prompt falls under."), field="scenario")
        return
    if briefs and scenario.pk not in briefs:
        raise AuthoringRejected(_("This campaign does not ask for that risk scenario."), field="scenario")
    brief = briefs.get(scenario.pk)
    if brief is not None:
        accepted = campaign.submissions.filter(scenario=scenario, status=Submission.Status.ACCEPTED).count()
        if accepted >= brief.quota:
            raise AuthoringRejected(
                _(
                    "The campaign has all the prompts it wants under %(scenario)s (%(n)s): choose another scenario."
                )
                % {"scenario": scenario.display_name, "n": brief.quota},
                field="scenario",
            )


def _quota_check(campaign: AuthoringCampaign, user: AbstractBaseUser) -> None:
    quota = author_quota(user=user, campaign=campaign)
    if submitted_count(user=user, campaign=campaign) >= quota:
        raise AuthoringRejected(
            ngettext(
                "You have submitted your %(n)s prompt for this campaign: nothing more was stored. Thank you!",
                "You have submitted your %(n)s prompts for this campaign: nothing more was stored. Thank you!",
                quota,
            )
            % {"n": quota}
        )
    if campaign_full(campaign):
        raise AuthoringRejected(
            _("The campaign has all the prompts it needs (%(n)s): nothing more was stored.")
            % {"n": campaign.quota_total}
        )


def _exact_duplicate_check(
    campaign: AuthoringCampaign, text_hash: str, *, exclude_pk: int | None = None
) -> None:
    same = campaign.submissions.filter(
        text_hash=text_hash, status__in=[Submission.Status.PENDING, Submission.Status.ACCEPTED]
    )
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise AuthoringRejected(
            _("This prompt is already in the campaign (accepted or waiting for review): write another."),
            field="text",
        )


def _given_check(
    campaign: AuthoringCampaign, user: AbstractBaseUser, given: GivenPrompt | None
) -> GivenPrompt:
    if given is None or not given_prompts_for(user=user, campaign=campaign).filter(pk=given.pk).exists():
        raise AuthoringRejected(_("Choose a prompt of this campaign to answer."), field="given")
    return given


def _given_answer_check(given: GivenPrompt, user: AbstractBaseUser) -> None:
    answered = given.submissions.filter(author=user).exclude(status=Submission.Status.REJECTED)
    if answered.exists():
        raise AuthoringRejected(
            _("You have answered this prompt already (accepted or waiting for review)."), field="given"
        )


def _already_submitted(submit_key: uuid.UUID, user: AbstractBaseUser) -> Submission | None:
    earlier = Submission.objects.filter(submit_key=submit_key).first()
    if earlier is not None and earlier.author_id != user.pk:
        raise AuthoringRejected(_("This form was sent by someone else; reload the page."))
    return earlier


def _submission_store(
    *,
    campaign: AuthoringCampaign,
    user: AbstractBaseUser,
    submit_key: uuid.UUID,
    campaign_locked: bool = False,
    **values: Any,
) -> Submitted:
    """The checks every submission shares, under a lock on the campaign (quotas count the rows
    written before), then the row. `campaign_locked`: the caller took that lock and looked for
    the submit key under it."""
    if not campaign_locked:
        AuthoringCampaign.objects.select_for_update().get(pk=campaign.pk)
        earlier = _already_submitted(submit_key, user)
        if earlier is not None:
            return Submitted(submission=earlier, created=False)
    _quota_check(campaign, user)
    key = dedup.text_hash(compare_text(values["text"], values.get("messages") or []))
    near: list[dedup.NearDuplicate] = []
    if values.get("given") is not None:
        # The prompt is given, and each expert answers it once: what repeats is the expert.
        _given_answer_check(values["given"], user)
    else:
        _exact_duplicate_check(campaign, key)
        near = dedup.near_duplicates(
            prompt_set=campaign.prompt_set_id,
            text=compare_text(values["text"], values.get("messages") or []),
        )
    submission = Submission.objects.create(
        campaign=campaign,
        author=user,
        submit_key=submit_key,
        text_hash=key,
        near_duplicates=[duplicate.as_dict() for duplicate in near],
        **values,
    )
    if submission.status == Submission.Status.PENDING:
        webhook_event_emit(
            event=EventKind.AUTHORING_SUBMISSION_WAITING,
            payload={"submission_id": submission.pk, "authoring_campaign_id": campaign.pk},
            links={"review": reverse("authoring:review", kwargs={"submission_id": submission.pk})},
        )
    return Submitted(submission=submission, created=True)


@transaction.atomic
def submission_submit(
    *, campaign: AuthoringCampaign, user: AbstractBaseUser, data: SubmissionInput
) -> Submitted:
    """A prompt written on the write page of an expert or collection campaign (attacks come from
    the attack workspace: attack_submit)."""
    data = SubmissionInput.of(data)
    earlier = _already_submitted(data.submit_key, user)
    if earlier is not None:
        return Submitted(submission=earlier, created=False)
    _campaign_open_for(campaign, user)
    if campaign.kind == AuthoringCampaign.Kind.ATTACK:
        raise AuthoringRejected(_("An attack is written against a model, in the attack workspace."))
    authoring_warning_check(user=user, campaign=campaign)
    if campaign.kind == AuthoringCampaign.Kind.EXPERT_ANSWERS:
        return _answer_submit(campaign, user, data)
    text = _text_check(
        data.text,
        field="text",
        longest=MAX_TURN_CHARS,
        empty_message=_("Write the prompt before you submit it."),
    )
    answer = ""
    if campaign.kind == AuthoringCampaign.Kind.EXPERT and data.reference_answer.strip():
        answer = _text_check(
            data.reference_answer,
            field="reference_answer",
            longest=MAX_REFERENCE_ANSWER_CHARS,
            empty_message="",
        )
    scenario, domain = None, None
    if campaign.level == Level.SAFETY:
        _scenario_check(campaign, data.scenario, required=True)
        scenario = data.scenario
    else:
        domain = campaign.domain or data.domain
        if domain is None:
            raise AuthoringRejected(_("Choose the domain the prompt is for."), field="domain")
    provenance = _provenance_clean(
        data.provenance,
        {"text": (text, MAX_TURN_CHARS), "reference_answer": (answer, MAX_REFERENCE_ANSWER_CHARS)},
    )
    return _submission_store(
        campaign=campaign,
        user=user,
        submit_key=data.submit_key,
        text=text,
        reference_answer=answer,
        scenario=scenario,
        domain=domain,
        provenance=provenance,
    )


def _answer_submit(campaign: AuthoringCampaign, user: AbstractBaseUser, data: SubmissionInput) -> Submitted:
    """An expert's reference answer to a given prompt: the prompt is the given one, as it is."""
    given = _given_check(campaign, user, data.given)
    answer = _text_check(
        data.reference_answer,
        field="reference_answer",
        longest=MAX_REFERENCE_ANSWER_CHARS,
        empty_message=_("Write your answer before you submit it."),
    )
    return _submission_store(
        campaign=campaign,
        user=user,
        submit_key=data.submit_key,
        text=given.prompt.text,
        messages=given.prompt.messages,
        reference_answer=answer,
        domain_id=given.domain_id,
        given=given,
        provenance=_provenance_clean(
            data.provenance, {"reference_answer": (answer, MAX_REFERENCE_ANSWER_CHARS)}
        ),
    )


@transaction.atomic
def attack_submit(
    *,
    user: AbstractBaseUser,
    conversation: Conversation,
    author_says_harmful: bool | None,
    scenario: Scenario | None,
    submit_key: uuid.UUID,
    provenance: Mapping[str, Any] | None = None,
) -> Submitted:
    """A finished attack handed in: the conversation's done turns become the prompt (its last
    turn, after the earlier turns and answers) and its last answer the one the judges will judge;
    the author's own label of that answer is kept beside it, never as a judgement."""
    # The conversation's row and its campaign's (FOR UPDATE locks both): the quotas count the rows
    # written before, and a second submit of the same form waits here, then finds the first.
    conversation = Conversation.objects.select_for_update().select_related("campaign").get(pk=conversation.pk)
    earlier = _already_submitted(submit_key, user)
    if earlier is not None:
        return Submitted(submission=earlier, created=False)
    campaign = conversation.campaign
    if conversation.author_id != user.pk:
        raise AuthoringRejected(_("This conversation is not yours."))
    if conversation.status != Conversation.Status.OPEN:
        raise AuthoringRejected(
            _("This conversation was %(status)s already: start a new one.")
            % {"status": conversation.get_status_display().lower()}
        )
    _campaign_open_for(campaign, user)
    # Its start was checked already; a warning the admin added since is acknowledged before the submit.
    authoring_warning_check(user=user, campaign=campaign)
    turns = list(conversation.turns.order_by("position"))
    if any(turn.status == Turn.Status.STREAMING for turn in turns):
        raise AuthoringRejected(_("The model is still answering: submit once its answer is complete."))
    done = [turn for turn in turns if turn.status == Turn.Status.DONE]
    if not done:
        raise AuthoringRejected(_("Nothing to submit yet: write a turn and let the model answer it."))
    if author_says_harmful is None:
        raise AuthoringRejected(
            _("Say whether the model's last answer is harmful."), field="author_says_harmful"
        )
    _scenario_check(campaign, scenario, required=True)
    messages: list[dict[str, str]] = []
    for turn in done[:-1]:
        messages += [{"role": "user", "content": turn.text}, {"role": "assistant", "content": turn.answer}]
    last = done[-1]
    kept = _provenance_clean(
        provenance, {"text": ("".join(t.text for t in done), MAX_TURN_CHARS * len(done))}
    )
    submitted = _submission_store(
        campaign=campaign,
        user=user,
        submit_key=submit_key,
        campaign_locked=True,
        text=last.text,
        messages=messages,
        scenario=scenario,
        conversation=conversation,
        target_id=conversation.target_id,
        final_answer=last.answer,
        author_says_harmful=bool(author_says_harmful),
        provenance=kept,
    )
    conversation.status = Conversation.Status.SUBMITTED
    conversation.save(update_fields=["status"])
    return submitted


# ---------------------------------------------------------------- review


def _submission_for_review(submission: Submission) -> Submission:
    locked = Submission.objects.select_for_update().select_related("campaign").get(pk=submission.pk)
    if locked.status == Submission.Status.ACCEPTED:
        raise AuthoringRejected(_("This submission was accepted already."))
    if locked.status == Submission.Status.REJECTED:
        raise AuthoringRejected(
            _("This submission was rejected already; it cannot be accepted or rejected again.")
        )
    return locked


def _prompt_metadata(submission: Submission, *, pseudonym: str) -> dict[str, Any]:
    """Where an accepted prompt came from. The author by pseudonym only: exports carry this."""
    return {
        "authoring": {
            "author": pseudonym,
            "campaign": submission.campaign_id,
            "campaign_kind": submission.campaign.kind,
            "submission": submission.pk,
            "scenario": submission.scenario.slug if submission.scenario_id else None,
            "domain": submission.domain.slug if submission.domain_id else None,
            "target_model": submission.target.name if submission.target_id else None,
            "turns": 1 + sum(1 for message in submission.messages if message.get("role") == "user"),
            "author_says_harmful": submission.author_says_harmful,
            "provenance": submission.provenance,
            "edited": submission.edited,
            "answers_prompt": submission.given.prompt_id if submission.given_id else None,
        }
    }


def _prompt_edit(campaign: AuthoringCampaign, submission: Submission, text: str) -> None:
    """A reviewer's edit of a written prompt: the original is kept, duplicates still refused."""
    text = _text_check(
        text, field="text", longest=MAX_TURN_CHARS, empty_message=_("The prompt cannot be empty.")
    )
    if text != submission.text:
        key = dedup.text_hash(compare_text(text, submission.messages))
        _exact_duplicate_check(campaign, key, exclude_pk=submission.pk)
        submission.original_text, submission.text, submission.text_hash = submission.text, text, key
        submission.edited = True


def _answer_edit(submission: Submission, answer: str) -> None:
    """A reviewer's edit of an expert's answer to a given prompt (the prompt itself is given):
    the original answer is kept in original_text."""
    answer = _text_check(
        answer,
        field="text",
        longest=MAX_REFERENCE_ANSWER_CHARS,
        empty_message=_("The answer cannot be empty."),
    )
    if answer != submission.reference_answer:
        submission.original_text, submission.reference_answer = submission.reference_answer, answer
        submission.edited = True


def _submission_accept(submission: Submission, *, user: AbstractBaseUser, text: str) -> Submission:
    campaign = AuthoringCampaign.objects.select_for_update().get(pk=submission.campaign_id)
    accepted = campaign.submissions.filter(status=Submission.Status.ACCEPTED)
    if accepted.count() >= campaign.quota_total:
        raise AuthoringRejected(
            _("The campaign has accepted all the prompts it needs (%(n)s).") % {"n": campaign.quota_total}
        )
    if submission.scenario_id:
        brief = campaign.briefs.filter(scenario_id=submission.scenario_id).first()
        if brief is not None and accepted.filter(scenario_id=submission.scenario_id).count() >= brief.quota:
            raise AuthoringRejected(
                _("The campaign has accepted all the prompts it wants under this risk scenario (%(n)s).")
                % {"n": brief.quota}
            )
    if submission.given_id:
        _answer_edit(submission, text)
    else:
        _prompt_edit(campaign, submission, text)
    pseudonym = annotator_profile_get_or_create(user=submission.author).pseudonym
    prompt = Prompt.objects.create(
        prompt_set_id=campaign.prompt_set_id,
        external_id=f"authoring-{submission.pk}",
        level=campaign.level,
        domain_id=submission.domain_id,
        scenario_id=submission.scenario_id,
        source=PROMPT_SOURCE,
        text=submission.text,
        messages=submission.messages,
        reference_answer=submission.reference_answer,
        metadata=_prompt_metadata(submission, pseudonym=pseudonym),
    )
    dedup.prompts_index(
        prompt_set=campaign.prompt_set, prompts=[(prompt.pk, compare_text(prompt.text, prompt.messages))]
    )
    if campaign.kind == AuthoringCampaign.Kind.ATTACK and submission.target_id and campaign.attack_run_id:
        now = timezone.now()
        response = Response.objects.create(
            prompt=prompt,
            model_id=submission.target_id,
            params_hash=AUTHORED_HASH,
            sample_index=0,
            params_snapshot={"authored": True, "conversation": submission.conversation_id},
            request_hash=AUTHORED_HASH,
            status=Response.Status.SUCCEEDED,
            text=submission.final_answer,
            finish_reason="stop",
            started_at=submission.created_at,
            finished_at=now,
        )
        run = campaign.attack_run
        run.target_models.add(submission.target_id)
        run.responses.add(response)
        GenerationRun.objects.filter(pk=run.pk).update(status=GenerationRun.Status.FINISHED, finished_at=now)
        submission.response = response
    submission.prompt = prompt
    submission.status = Submission.Status.ACCEPTED
    submission.reviewed_by, submission.reviewed_at = user, timezone.now()
    submission.save()
    return submission


def _submission_reject(
    submission: Submission, *, user: AbstractBaseUser, code: str, reason: str
) -> Submission:
    reason = reason.strip()
    if code and code not in RejectReason.values:
        raise AuthoringRejected(_("Choose a reason from the list."), field="reason_code")
    if not code and not reason:
        raise AuthoringRejected(_("Say why: the author reads it."), field="reason")
    if len(reason) > MAX_REJECT_REASON_CHARS:
        raise AuthoringRejected(
            _("The reason is longer than %(n)s characters.") % {"n": f"{MAX_REJECT_REASON_CHARS:,}"},
            field="reason",
        )
    # A fixed reason is kept as its code (the author reads it in their own language), the
    # reviewer's own words as written, after it.
    submission.reject_reason = "\n".join(part for part in (code, reason) if part)
    submission.status = Submission.Status.REJECTED
    submission.reviewed_by, submission.reviewed_at = user, timezone.now()
    submission.save(update_fields=["reject_reason", "status", "reviewed_by", "reviewed_at"])
    return submission


@transaction.atomic
def submission_review(*, submission: Submission, user: AbstractBaseUser, data: ReviewInput) -> Submission:
    """Accept (as submitted, or with the reviewer's edit of its text) or reject with a reason."""
    data = ReviewInput.of(data)
    locked = _submission_for_review(submission)
    if data.decision == ReviewInput.ACCEPT:
        unchanged = locked.reference_answer if locked.given_id else locked.text
        return _submission_accept(locked, user=user, text=data.text or unchanged)
    if data.decision == ReviewInput.REJECT:
        return _submission_reject(locked, user=user, code=data.reason_code, reason=data.reason)
    raise AuthoringRejected(_("Accept or reject."), field="decision")
