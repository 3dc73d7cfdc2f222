from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from annotation.inputs import CampaignInput, JudgementInput, scenario_named, verdict_safe
from annotation.models import Campaign, CrowdLink, Judgement, Judging, PairPlan
from annotation.pairs import choice_of
from annotation.rubric import RESPONSIBILITY_CRITERIA
from authoring.models import AuthoringCampaign
from models_registry.models import GenerationRun, RegisteredModel
from prompts.fields import domain_filter_field, level_filter_field, scenario_filter_field


def judgement_input_from(post: QueryDict) -> JudgementInput:
    """The judging and edit pages' form as the one judgement input; never trusts ids."""
    best = post.get("best", "")
    scenario, scenario_unknown = scenario_named(post.get("scenario"))
    return JudgementInput(
        safe=verdict_safe(post.get("verdict")),
        scenario=scenario,
        scenario_unknown=scenario_unknown,
        response_type=post.get("response_type", ""),
        reason=post.get("reason", ""),
        confirmed=post.get("confirm") == "1",
        score=_int(post.get("score")),
        best_response_id=None if best in ("", "none") else _int(best),
        none_good=best == "none",
        rewrite=post.get("rewrite", ""),
        criterion_notes=criterion_notes_from(post),
        **_pair_choice_from(post),
    )


# The pairwise page's one scale (annotation/_pair_fields.html): a side and its strength in one
# choice, so that a judge answers with one key.
PAIR_SCALE = ("left:clearly", "left:slightly", "tie", "right:slightly", "right:clearly", "both_bad")


def _pair_choice_from(post: QueryDict) -> dict[str, Any]:
    """A pairwise judgement as the page posts it: ``preference`` (one step of PAIR_SCALE), and
    each side's safety. Only left/right terms: the server reads the judge's side from their lease
    (a posted side or A/B is never read)."""
    choice, _sep, strength = str(post.get("preference", "")).partition(":")
    return {
        "choice": choice,
        "strength": strength,
        "safe_left": verdict_safe(post.get("safe_left")),
        "safe_right": verdict_safe(post.get("safe_right")),
    }


def pair_preference_value(judgement: Judgement) -> str:
    """A stored pairwise judgement as the page's scale value, in the judge's own sides."""
    choice = choice_of(preferred=judgement.preferred, a_on_left=judgement.a_on_left)
    return f"{choice}:{judgement.strength}" if judgement.strength else choice


def criterion_notes_from(post: QueryDict) -> dict[str, str]:
    """The optional notes per rubric criterion, posted as note_<criterion key>."""
    return {
        c.key: post.get(f"note_{c.key}", "") for c in RESPONSIBILITY_CRITERIA if post.get(f"note_{c.key}")
    }


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"))
    kind = forms.ChoiceField(choices=Campaign.Kind.choices, label=_("Kind"))
    judges_per_item = forms.IntegerField(
        min_value=1,
        max_value=20,
        required=False,
        label=_("Judges per item"),
        help_text=_("Empty: 3 for safety, 2 for responsibility."),
    )
    runs = forms.ModelMultipleChoiceField(
        queryset=GenerationRun.objects.visible(), required=False, label=_("Generation runs")
    )
    target_models = forms.ModelMultipleChoiceField(
        queryset=RegisteredModel.objects.all(), required=False, label=_("Models")
    )
    level = level_filter_field()
    domain = domain_filter_field()
    scenario = scenario_filter_field()
    group_samples = forms.BooleanField(
        required=False,
        label=_("Group samples"),
        help_text=_("Responsibility: show all samples of a model for one prompt together (best-of-N)."),
    )
    blind = forms.BooleanField(
        required=False, initial=True, label=_("Blind"), help_text=_("Hide model names and other judgements.")
    )
    lease_minutes = forms.IntegerField(min_value=1, max_value=120, initial=10, label=_("Lease (minutes)"))
    guidelines = forms.CharField(
        widget=forms.Textarea, required=False, label=_("Guidelines"), help_text=_("Markdown.")
    )
    min_seconds = forms.IntegerField(
        min_value=0,
        max_value=600,
        required=False,
        label=_("Minimum time (s)"),
        help_text=_(
            "Faster judgements are stored and flagged. Empty: 3 s for safety, 10 s for responsibility."
        ),
    )
    content_warning = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Content warning"),
        help_text=_(
            "Judges read a content warning and acknowledge it once before their first item "
            "(recommended for safety campaigns)."
        ),
    )
    content_warning_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
        label=_("What the items contain (optional)"),
        help_text=_("Added to the standard warning."),
    )
    break_after_minutes = forms.IntegerField(
        min_value=0,
        max_value=600,
        initial=Campaign.BREAK_AFTER_MINUTES,
        required=False,
        label=_("Break reminder (minutes)"),
        help_text=lazy(
            lambda: (
                gettext("Suggest a break after this many minutes of active judging (0: never; empty: %(n)s).")
                % {"n": Campaign.BREAK_AFTER_MINUTES}
            ),
            str,
        )(),
    )
    follow_run = forms.ModelChoiceField(
        queryset=GenerationRun.objects.visible(),
        required=False,
        empty_label=_("none"),
        label=_("Follow a run"),
        help_text=_(
            "Items are this run's answers, and each answer it gives later joins while it runs "
            "(judging starts before the run ends). Leave the filters above empty."
        ),
    )

    judging_mode = forms.ChoiceField(
        choices=Judging.choices,
        initial=Judging.ABSOLUTE,
        # Empty (a form posted without it, as before pairwise judging): one answer at a time.
        required=False,
        label=_("Judging"),
        help_text=_("Pairwise: each item is two of the chosen models' answers to one prompt, side by side."),
    )
    pair_plan = forms.ChoiceField(
        choices=PairPlan.choices,
        required=False,
        initial=PairPlan.ALL_PAIRS,
        label=_("Pairing"),
        help_text=_("Pairwise: which of the chosen models (Models, above) are compared."),
    )
    pair_reference = forms.ModelChoiceField(
        queryset=RegisteredModel.objects.all(),
        required=False,
        empty_label=_("none"),
        label=_("Reference model"),
        help_text=_("Pairwise, against a reference: the model each chosen model is compared with."),
    )
    pair_side_safety = forms.BooleanField(
        required=False,
        label=_("Ask each answer's safety"),
        help_text=_("Pairwise: judges also say whether each of the two answers is safe."),
    )
    active_sampling = forms.BooleanField(
        required=False,
        label=_("Active sampling"),
        help_text=_(
            "Pairwise: serve first the pairs of models whose votes would narrow the ranking's "
            "intervals most (refreshed every minute from the votes so far)."
        ),
    )

    human_sample_rate = forms.FloatField(
        required=False,
        label=_("Human sample: rate"),
        help_text=_(
            "People judge this share of each model's items, drawn at random (0 to 1; empty: every "
            "item, or a count). A judge model labels the rest."
        ),
    )
    human_sample_count = forms.IntegerField(
        required=False,
        label=_("Human sample: count"),
        help_text=_("Or people judge this many items of each model, drawn at random (at least 1)."),
    )
    human_sample_by_group = forms.BooleanField(
        required=False,
        label=_("Draw per scenario or domain"),
        help_text=_("Draw the sample within each risk scenario (safety) or domain (responsibility)."),
    )

    def campaign_input(self) -> CampaignInput:
        return CampaignInput.of(self.cleaned_data)


class CrowdLinkForm(forms.ModelForm):
    """A new entry link from a crowd platform into a campaign."""

    completion_url = forms.URLField(
        max_length=500,
        required=False,
        assume_scheme="https",
        label=_("Completion URL"),
        help_text=_("Where a participant is sent when they finish (e.g. Prolific's completion URL)."),
    )

    class Meta:
        model = CrowdLink
        fields = [
            "platform",
            "quota_per_person",
            "completion_code",
            "completion_url",
            "hourly_rate",
            "currency",
        ]
        labels = {
            "platform": _("Platform"),
            "quota_per_person": _("Quota per person"),
            "completion_code": _("Completion code"),
            "hourly_rate": _("Hourly rate"),
            "currency": _("Currency"),
        }

    def __init__(
        self, *args: Any, authoring_campaign: AuthoringCampaign | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if authoring_campaign is not None:
            # An authoring campaign pays per accepted prompt, at its own rate and in its currency.
            del self.fields["hourly_rate"]
            self.fields["currency"].initial = authoring_campaign.currency
            self.fields["currency"].disabled = True
            self.fields["quota_per_person"].help_text = _("Prompts one participant submits at most.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("completion_code") and not data.get("completion_url"):
            raise forms.ValidationError(_("Give a completion code, a completion URL, or both."))
        return data


class CrowdReportForm(forms.Form):
    hourly_rate = forms.DecimalField(
        min_value=0,
        max_digits=8,
        decimal_places=2,
        required=False,
        label=_("Hourly rate"),
        help_text=_("Empty: each link's own rate."),
    )


# ---------------------------------------------------------------- people and roles
