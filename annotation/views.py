from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from annotation import selectors, services
from annotation.assignment import (
    AssignmentRefused,
    Shown,
    assignment_next_shown,
    campaign_judge_allowed,
    item_judge_allowed,
    item_opt_out,
    item_shown,
    item_skip,
    judge_median_ms,
    lease_held,
    lease_renew,
)
from annotation.assignment_queries import item_with_campaign, judged_count
from annotation.auth import crowd_scope_of
from annotation.crowd import crowd_participant_for, crowd_quota_reached
from annotation.crowd_views import crowd_submission_resume
from annotation.forms import criterion_notes_from, judgement_input_from, pair_preference_value
from annotation.inputs import scenarios_cached, verdict_safe
from annotation.models import Campaign, CrowdParticipant, Item, Judgement
from annotation.pairs import LEFT, RIGHT, sides_to_ab
from annotation.rubric import ANCHOR_SCORES, RESPONSIBILITY_CRITERIA, rubric_rows
from common.pagination import page_of
from common.roles import reviewer_required
from people.services import SESSION_SHORTCUTS_OFF
from prompts.models import ResponseType, Scenario


def _campaign_for_judge(request: HttpRequest, campaign_id: int) -> Campaign:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    if not campaign_judge_allowed(user=request.user, campaign=campaign):
        raise PermissionDenied(_("You may not judge in this campaign."))
    return campaign


def _item_for_judge(request: HttpRequest, campaign_id: int, item_id: int) -> Item:
    """The item with its campaign in one query (submit is a hot path); the same answers as
    checking the campaign first: 403 for a campaign the person may not judge, else 404."""
    item = item_with_campaign(item_id=item_id, campaign_id=campaign_id)
    if item is None:
        _campaign_for_judge(request, campaign_id)
        raise Http404(_("No such item."))
    if not campaign_judge_allowed(user=request.user, campaign=item.campaign):
        raise PermissionDenied(_("You may not judge in this campaign."))
    if not item_judge_allowed(user=request.user, item=item):
        # Out-of-domain items are not acknowledged to exist.
        raise Http404(_("No such item."))
    return item


def _shown(request: HttpRequest, campaign: Campaign, item: Item | None) -> Shown:
    """The pane's content off the hot path: an item the person holds (None: none)."""
    shown_item, responses = item_shown(item_id=item.pk, user=request.user) if item else (None, [])
    done = judged_count(user=request.user, campaign=campaign)
    median_ms = judge_median_ms(user=request.user, campaign=campaign) if item else None
    return Shown(item=shown_item, responses=responses, done=done, median_ms=median_ms)


# The total each campaign's progress is out of and the items the person skipped there, by campaign
# id, kept in the session (read on every request anyway): counted when the person opens the
# judging page or skips an item (which leaves the total), not on every submit.
SESSION_PROGRESS_TOTALS = "valuelens_progress_totals"


def _progress(
    request: HttpRequest,
    campaign: Campaign,
    shown: Shown,
    participant: CrowdParticipant | None,
    recount: bool,
) -> selectors.WorkspaceProgress:
    kept = request.session.get(SESSION_PROGRESS_TOTALS, {})
    counted = kept.get(str(campaign.pk))
    # A bare number is what an earlier version kept (the total alone): counted again.
    if recount or not isinstance(counted, list):
        counted = [
            selectors.workspace_total(user=request.user, campaign=campaign, done=shown.done),
            selectors.items_skipped_by(user=request.user, campaign=campaign),
        ]
        request.session[SESSION_PROGRESS_TOTALS] = {**kept, str(campaign.pk): counted}
    total, skipped = counted
    return selectors.workspace_progress(
        done=shown.done,
        total=total,
        median_ms=shown.median_ms,
        holding=True,
        quota=participant.link.quota_per_person if participant else None,
        skipped=skipped,
    )


def _pane(
    request: HttpRequest,
    campaign: Campaign,
    shown: Shown,
    status: int = 200,
    *,
    participant: CrowdParticipant | None = None,
    recount: bool = False,
    **extra: object,
) -> HttpResponse:
    posted = extra.pop("posted", None)
    suggestion = shown.item.suggestion if shown.item else None
    # A submission that comes back with an error keeps what the person chose; otherwise a model's
    # suggestion, where the campaign shows one, is pre-filled.
    current = {
        **_NOTHING_CHOSEN,
        **(_current_from(posted) if posted is not None else _current_suggested(suggestion)),
    }
    progress = _progress(request, campaign, shown, participant, recount) if shown.item is not None else None
    context = {
        **current,
        "campaign": campaign,
        "item": shown.item,
        "responses": shown.responses,
        "pair_sides": pair_sides(shown.responses, a_on_left=shown.item.a_on_left) if shown.item else [],
        # Fields as first shown (nothing chosen), unless a submission comes back (even an empty one)
        # with an error or a suggestion is pre-filled.
        "fields_html": _fields_unchosen(request, campaign) if posted is None and not suggestion else "",
        # A callable: the template asks for it only when it renders the fields itself.
        "scenarios": _scenarios,
        "response_types": ResponseType.choices,
        "scores": range(1, 11),
        "done": shown.done,
        "progress": progress,
        "urls": item_urls(campaign.pk, shown.item.pk) if shown.item else {},
        "shortcuts_on": not request.session.get(SESSION_SHORTCUTS_OFF),
        "criteria": RESPONSIBILITY_CRITERIA,
        "anchor_scores": ANCHOR_SCORES,
        "criteria_notes": rubric_rows(current["current_notes"])  # type: ignore[arg-type]
        if campaign.kind == Campaign.Kind.RESPONSIBILITY
        else [],
        **extra,
    }
    if request.htmx:
        return render(request, "annotation/workspace.html#pane", context, status=status)
    context["guidelines_label"] = _guidelines_label(campaign)
    context["guidelines_open"] = campaign.pk not in request.session.get(SESSION_GUIDELINES_CLOSED, [])
    return render(request, "annotation/workspace.html", context, status=status)


# The campaigns whose guidelines the person closed, in their session: below the item, open until
# closed, and closed from then on (the page reads the session anyway).
SESSION_GUIDELINES_CLOSED = "valuelens_guidelines_closed"


def _guidelines_label(campaign: Campaign) -> str:
    """What the guidelines panel is called ('' when the campaign has none to show)."""
    if campaign.kind == Campaign.Kind.RESPONSIBILITY:
        return _("Guidelines and rubric") if campaign.guidelines else _("Rubric (CValues)")
    return _("Guidelines") if campaign.guidelines else ""


# Placeholders no real id takes: reversed once, each item's URLs are then a string substitution.
_CAMPAIGN_MARK, _ITEM_MARK = 9_876_543_210_123, 9_876_543_210_456
_ITEM_ACTIONS = ("submit", "skip", "opt_out", "renew")


@functools.cache
def _item_url_patterns(script_prefix: str) -> dict[str, str]:
    return {name: reverse(f"annotation:{name}", args=[_CAMPAIGN_MARK, _ITEM_MARK]) for name in _ITEM_ACTIONS}


def item_urls(campaign_id: int, item_id: int) -> dict[str, str]:
    """The URLs of what a person can do with the item they hold. The judging page shows one item
    per submit, and reverse() five times per item cost more than a query."""
    return {
        name: pattern.replace(str(_CAMPAIGN_MARK), str(int(campaign_id))).replace(
            str(_ITEM_MARK), str(int(item_id))
        )
        for name, pattern in _item_url_patterns(get_script_prefix()).items()
    }


@dataclass(frozen=True)
class PairSide:
    """One answer of a pair as its judge sees it: on the left or on the right, never A or B."""

    key: str
    label: str
    response: Any


def pair_sides(responses: list[Any], *, a_on_left: bool | None) -> list[PairSide]:
    """A pair item's two answers (A then B) in the order this judge sees them; [] for other items."""
    if a_on_left is None or len(responses) != 2:
        return []
    left, right = responses if a_on_left else reversed(responses)
    return [PairSide(LEFT, _("Left answer"), left), PairSide(RIGHT, _("Right answer"), right)]


def _scenarios() -> list[Scenario]:
    return scenarios_cached()


# Errors shown beside their own field (which then takes the focus); any other error shows above the
# fields.
PLACED_ERRORS = (
    "safe",
    "score",
    "best_response",
    "rewrite",
    "confirm",
    "criterion_notes",
    "preferred",
    "strength",
    "side_safety",
)

_NOTHING_CHOSEN: dict[str, object] = {
    # Names the template reads, set so that it never looks one up in vain (a failed lookup
    # raises and logs inside the template engine, on every item).
    "current_safe": None,
    "current_type": None,
    "current_scenario": None,
    "current_reason": "",
    "current_score": None,
    "current_best": None,
    "current_none": False,
    "current_rewrite": "",
    "current_notes": {},
    "current_preference": "",
    "current_safe_left": None,
    "current_safe_right": None,
    "error": "",
    "error_field": "",
    "notice": "",
    "refusal": "",
    "placed_errors": PLACED_ERRORS,
}


def _fields_unchosen(request: HttpRequest, campaign: Campaign) -> str:
    """The safety form's fields as first shown (nothing chosen): the same for every item, so
    rendered once a minute per process and language, not once per item."""
    if campaign.kind != Campaign.Kind.SAFETY or campaign.pairwise:
        return ""
    key = f"annotation:fields:safety:{get_language()}"

    def render_fields() -> str:
        context = {
            "campaign": campaign,
            "scenarios": _scenarios(),
            "response_types": ResponseType.choices,
            **_NOTHING_CHOSEN,
        }
        return render_to_string("annotation/_judgement_fields.html", context)

    return mark_safe(caches["process"].get_or_set(key, render_fields, 60))  # noqa: S308 -- our template's output


def _current_from(posted: object) -> dict[str, object]:
    """Keep what the person chose when their submission comes back with an error."""
    if not posted:
        return {}
    get = posted.get  # type: ignore[attr-defined]
    score, scenario, best = get("score"), get("scenario"), get("best")
    return {
        "current_safe": verdict_safe(get("verdict")),
        "current_type": get("response_type"),
        "current_scenario": int(scenario) if (scenario or "").isdigit() else None,
        "current_reason": get("reason", ""),
        "current_score": int(score) if (score or "").isdigit() else None,
        "current_best": int(best) if (best or "").isdigit() else None,
        "current_none": best == "none",
        "current_rewrite": get("rewrite", ""),
        "current_notes": criterion_notes_from(posted),  # type: ignore[arg-type]
        "current_preference": get("preference", ""),
        "current_safe_left": verdict_safe(get("safe_left")),
        "current_safe_right": verdict_safe(get("safe_right")),
    }


def _current_suggested(suggestion: dict[str, Any] | None) -> dict[str, object]:
    """A model's suggestion, pre-filled in the form (the page says so: annotation/_suggestion.html)."""
    if not suggestion:
        return {}
    return {
        "current_safe": suggestion.get("safe"),
        "current_type": suggestion.get("response_type") or None,
        "current_score": suggestion.get("score"),
    }


def _crowd_participant(request: HttpRequest, campaign: Campaign) -> CrowdParticipant | None:
    # Only accounts made by a crowd link have a scope (loaded with the user): no query for others.
    scope = crowd_scope_of(request.user)
    if scope is None or scope.campaign_id != campaign.pk:
        return None
    return crowd_participant_for(user=request.user, campaign=campaign)


def _after_action(
    request: HttpRequest,
    campaign: Campaign,
    notice: str,
    refusal: str = "",
    feedback: services.CheckFeedback | None = None,
    *,
    recount: bool = False,
) -> HttpResponse:
    """After a submit or a skip: the next item in the same response (htmx), or back to the page.
    A refused submit shows why beside the next item, on the full page too (409; htmx swaps only
    a 200). A platform participant at their quota, or with nothing left, goes to the end page.
    After a skip the progress is counted again: the skipped item leaves the total."""
    told = feedback is not None and bool(feedback.explanation or feedback.warning or feedback.paused)
    if not request.htmx and not refusal and not told:
        return redirect("annotation:workspace", campaign_id=campaign.pk)
    participant = _crowd_participant(request, campaign)
    if request.htmx and participant is not None and not told and crowd_quota_reached(participant=participant):
        return HttpResponseClientRedirect(reverse("crowd:done", args=[campaign.pk]))
    status = 409 if refusal and not request.htmx else 200
    try:
        shown = assignment_next_shown(user=request.user, campaign=campaign)
    except AssignmentRefused as refused:
        return _pane(
            request,
            campaign,
            _shown(request, campaign, None),
            notice=str(refused),
            refusal=refusal,
            feedback=feedback,
            status=status,
        )
    if request.htmx and participant is not None and not told and shown.item is None:
        return HttpResponseClientRedirect(reverse("crowd:done", args=[campaign.pk]))
    return _pane(
        request,
        campaign,
        shown,
        participant=participant,
        notice=notice,
        refusal=refusal,
        feedback=feedback,
        status=status,
        recount=recount,
    )


@login_required
def annotator_home(request: HttpRequest) -> HttpResponse:
    return render(request, "annotation/home.html", {"rows": selectors.campaigns_for_annotator(request.user)})


@login_required
def workspace(request: HttpRequest, campaign_id: int) -> HttpResponse:
    crowd_submission_resume(request, campaign_id)
    campaign = _campaign_for_judge(request, campaign_id)
    # A platform participant's part ends at their quota, or when nothing is left for them.
    participant = _crowd_participant(request, campaign)
    if participant is not None and crowd_quota_reached(participant=participant):
        return redirect("crowd:done", campaign_id=campaign.pk)
    if _content_warning_due(request, campaign):
        return render(request, "annotation/content_warning.html", {"campaign": campaign})
    try:
        shown = assignment_next_shown(user=request.user, campaign=campaign)
    except AssignmentRefused as refused:
        return render(
            request, "annotation/refused.html", {"campaign": campaign, "reason": str(refused)}, status=409
        )
    if participant is not None and shown.item is None:
        return redirect("crowd:done", campaign_id=campaign.pk)
    # Opening the page counts what is left for the person afresh; the swaps after it do not.
    return _pane(request, campaign, shown, participant=participant, recount=not request.htmx)


# The campaigns whose content warning the person acknowledged, in their session: the judging page
# asks on every load, and the session is read anyway.
SESSION_WARNINGS_SEEN = "valuelens_warnings_seen"


def _content_warning_due(request: HttpRequest, campaign: Campaign) -> bool:
    if not campaign.content_warning:
        return False
    seen = request.session.get(SESSION_WARNINGS_SEEN, [])
    if campaign.pk in seen:
        return False
    if not selectors.content_warning_seen(user=request.user, campaign=campaign):
        return True
    request.session[SESSION_WARNINGS_SEEN] = [*seen, campaign.pk]
    return False


@login_required
@require_POST
def content_warning_acknowledge(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_for_judge(request, campaign_id)
    services.content_warning_acknowledge(user=request.user, campaign=campaign)
    seen = request.session.get(SESSION_WARNINGS_SEEN, [])
    if campaign.pk not in seen:
        request.session[SESSION_WARNINGS_SEEN] = [*seen, campaign.pk]
    return redirect("annotation:workspace", campaign_id=campaign.pk)


@login_required
@require_POST
def guidelines_set(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Keep whether the person has the campaign's guidelines open (the page's script posts it)."""
    campaign = _campaign_for_judge(request, campaign_id)
    closed = [pk for pk in request.session.get(SESSION_GUIDELINES_CLOSED, []) if pk != campaign.pk]
    if request.POST.get("open") != "1":
        closed.append(campaign.pk)
    request.session[SESSION_GUIDELINES_CLOSED] = closed
    return HttpResponse(status=204)


@login_required
@require_POST
def submit(request: HttpRequest, campaign_id: int, item_id: int) -> HttpResponse:
    item = _item_for_judge(request, campaign_id, item_id)
    campaign = item.campaign
    try:
        _judgement, created, feedback = services.judgement_submit_checked(
            user=request.user, item=item, data=judgement_input_from(request.POST)
        )
    except services.JudgementRejected as rejected:
        if rejected.field != "lease" and not lease_held(user=request.user, item=item):
            rejected = services.judgement_refusal_without_lease(user=request.user, item=item)
        if rejected.field == "lease":
            # Never show an item the person does not hold: why, and the next item.
            return _after_action(request, campaign, "", refusal=str(rejected))
        return _pane(
            request,
            campaign,
            _shown(request, campaign, item),
            participant=_crowd_participant(request, campaign),
            error=str(rejected),
            error_field=rejected.field,
            posted=request.POST,
        )
    return _after_action(
        request,
        campaign,
        _("Saved.") if created else _("Already saved: it was stored once."),
        feedback=feedback,
    )


@login_required
@require_POST
def skip(request: HttpRequest, campaign_id: int, item_id: int) -> HttpResponse:
    item = _item_for_judge(request, campaign_id, item_id)
    campaign = item.campaign
    item_skip(user=request.user, item=item)
    return _after_action(request, campaign, _("Skipped."), recount=True)


@login_required
@require_POST
def opt_out(request: HttpRequest, campaign_id: int, item_id: int) -> HttpResponse:
    """Opting out of one item ("I don't want to read this"): it goes for good, and is no skip."""
    item = _item_for_judge(request, campaign_id, item_id)
    item_opt_out(user=request.user, item=item)
    return _after_action(
        request, item.campaign, _("Taken away: you will not be shown that item again."), recount=True
    )


@login_required
@require_POST
def renew(request: HttpRequest, campaign_id: int, item_id: int) -> HttpResponse:
    item = _item_for_judge(request, campaign_id, item_id)
    if lease_renew(user=request.user, item=item):
        return HttpResponse(status=204)
    return HttpResponse(
        _("Your hold on this item ran out: a submit will be refused. Reload for the next item."), status=200
    )


@login_required
def my_judgements(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_for_judge(request, campaign_id)
    page = page_of(request, selectors.judgements_of(request.user, campaign))
    return render(request, "annotation/my_judgements.html", {"campaign": campaign, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def judgement_edit(request: HttpRequest, judgement_id: int) -> HttpResponse:
    # Only one's own judgements exist for this page: another person's id is a 404.
    judgement = get_object_or_404(
        Judgement.objects.select_related("item__campaign", "item__prompt", "item__model"),
        pk=judgement_id,
        user=request.user,
    )
    item = judgement.item
    error, error_field = None, ""
    posted_preference = request.POST.get("preference") if request.method == "POST" else None
    if request.method == "POST":
        try:
            services.judgement_edit(
                user=request.user, judgement=judgement, data=judgement_input_from(request.POST)
            )
        except services.JudgementRejected as rejected:
            error, error_field = str(rejected), rejected.field
        else:
            messages.success(request, _("Saved: your judgement is changed."))
            return redirect("annotation:mine", campaign_id=item.campaign_id)
    responses = [ir.response for ir in item.item_responses.select_related("response")]
    return render(
        request,
        "annotation/edit.html",
        {
            "judgement": judgement,
            "item": item,
            "campaign": item.campaign,
            "responses": responses,
            "pair_sides": pair_sides(responses, a_on_left=judgement.a_on_left),
            **_pair_safety_current(judgement),
            "current_preference": posted_preference
            if posted_preference is not None
            else pair_preference_value(judgement),
            "scenarios": Scenario.objects.all(),
            "response_types": ResponseType.choices,
            "scores": range(1, 11),
            "error": error,
            "error_field": error_field,
            "placed_errors": PLACED_ERRORS,
            "anchor_scores": ANCHOR_SCORES,
            "criteria_notes": rubric_rows(
                criterion_notes_from(request.POST) if request.method == "POST" else judgement.criterion_notes
            )
            if item.campaign.kind == Campaign.Kind.RESPONSIBILITY
            else [],
        },
    )


def _pair_safety_current(judgement: Judgement) -> dict[str, bool | None]:
    """A pairwise judgement's answers' safety as its judge saw them (left, right)."""
    if judgement.a_on_left is None:
        return {"current_safe_left": None, "current_safe_right": None}
    left, right = sides_to_ab(left=judgement.safe_a, right=judgement.safe_b, a_on_left=judgement.a_on_left)
    return {"current_safe_left": left, "current_safe_right": right}


@reviewer_required
@require_http_methods(["GET", "POST"])
def judgement_void(request: HttpRequest, judgement_id: int) -> HttpResponse:
    """Reviewers and admins take a judgement out of the results, saying why."""
    judgement = get_object_or_404(
        Judgement.objects.select_related(
            "item__campaign", "item__prompt", "user__annotator_profile", "voided_by"
        ),
        pk=judgement_id,
    )
    error = None
    if request.method == "POST":
        try:
            services.judgement_void(
                judgement=judgement, by=request.user, reason=request.POST.get("reason", "")
            )
        except services.JudgementRejected as rejected:
            error = str(rejected)
        else:
            return redirect("annotation:void", judgement_id=judgement.pk)
    return render(request, "annotation/void.html", {"judgement": judgement, "error": error})
