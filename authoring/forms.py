"""The pages' forms; each builds the one input its service takes (authoring.inputs)."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from authoring.inputs import (
    MAX_INSTRUCTIONS_CHARS,
    MAX_REFERENCE_ANSWER_CHARS,
    MAX_REJECT_REASON_CHARS,
    MAX_TURN_CHARS,
    AuthoringCampaignInput,
    BriefInput,
    ReviewInput,
    SubmissionInput,
)
from authoring.models import AuthoringCampaign, GivenPrompt, ScenarioBrief
from authoring.selectors import RejectReason
from models_registry.models import RegisteredModel
from prompts.models import Domain, Level, Scenario


class AuthoringCampaignForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"))
    kind = forms.ChoiceField(choices=AuthoringCampaign.Kind.choices, label=_("Kind"))
    level = forms.ChoiceField(
        choices=[("", "—"), *Level.choices],
        required=False,
        label=_("Level"),
        help_text=_("Collections only: attacks are safety prompts, experts' prompts responsibility."),
    )
    domain = forms.ModelChoiceField(
        queryset=Domain.objects.all(),
        required=False,
        label=_("Domain"),
        help_text=_("Expert prompts: whose experts write. Responsibility collections: the domain asked for."),
    )
    targets = forms.ModelMultipleChoiceField(
        queryset=RegisteredModel.objects.filter(is_active=True),
        required=False,
        label=_("Models to attack"),
    )
    targets_shown = forms.BooleanField(
        required=False, label=_("Show authors the model they attack"), help_text=_("Hidden by default.")
    )
    max_turns = forms.IntegerField(min_value=1, max_value=20, initial=3, label=_("Turns per attack"))
    instructions = forms.CharField(
        widget=forms.Textarea,
        required=False,
        max_length=MAX_INSTRUCTIONS_CHARS,
        label=_("Instructions"),
        help_text=_("Markdown."),
    )
    quota_per_person = forms.IntegerField(min_value=1, initial=20, label=_("Prompts per person"))
    quota_total = forms.IntegerField(min_value=1, initial=1000, label=_("Prompts in all"))
    pay_per_accepted = forms.DecimalField(
        min_value=0, max_digits=8, decimal_places=2, initial=0, label=_("Pay per accepted prompt")
    )
    currency = forms.CharField(max_length=8, initial="GBP", label=_("Currency"))
    content_warning = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("Content warning"),
        help_text=_("Shown once before an author starts; empty: none."),
    )
    break_after_minutes = forms.IntegerField(
        min_value=0,
        max_value=600,
        initial=30,
        label=_("Suggest a break after (minutes)"),
        help_text=_("0: never."),
    )

    def campaign_input(self, briefs: list[BriefInput]) -> AuthoringCampaignInput:
        return AuthoringCampaignInput.of({**self.cleaned_data, "briefs": briefs})


class BriefForm(forms.Form):
    scenario = forms.ModelChoiceField(
        queryset=Scenario.objects.all(), required=False, label=_("Risk scenario")
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("What to aim for")
    )
    examples = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label=_("Examples"),
        help_text=_("One per line."),
    )
    quota = forms.IntegerField(min_value=1, initial=100, required=False, label=_("Prompts to accept"))


BriefFormSet = forms.formset_factory(BriefForm, extra=2)


def briefs_of(formset: forms.BaseFormSet) -> list[BriefInput]:
    return [
        BriefInput(**{**form.cleaned_data, "quota": form.cleaned_data.get("quota") or 100})
        for form in formset
        if form.cleaned_data and form.cleaned_data.get("scenario") is not None
    ]


def brief_initial(brief: ScenarioBrief) -> dict[str, object]:
    return {
        "scenario": brief.scenario,
        "description": brief.description,
        "examples": brief.examples,
        "quota": brief.quota,
    }


class WriteForm(forms.Form):
    """The write page. The scenario or domain field is there when the campaign asks for it; in an
    expert-answers campaign there is only the answer to the given prompt (the page shows it)."""

    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "data-provenance": "text"}),
        required=False,
        strip=False,
        label=_("Prompt"),
    )
    reference_answer = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10, "data-provenance": "reference_answer"}),
        required=False,
        strip=False,
        label=_("Your reference answer (optional)"),
    )
    scenario = forms.ModelChoiceField(
        queryset=Scenario.objects.all(), required=False, label=_("Risk scenario")
    )
    domain = forms.ModelChoiceField(queryset=Domain.objects.all(), required=False, label=_("Domain"))
    given = forms.ModelChoiceField(
        queryset=GivenPrompt.objects.none(), widget=forms.HiddenInput, required=False
    )
    submit_key = forms.UUIDField(widget=forms.HiddenInput)
    provenance = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, campaign: AuthoringCampaign, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if campaign.kind == AuthoringCampaign.Kind.EXPERT_ANSWERS:
            for name in ("text", "scenario", "domain"):
                del self.fields[name]
            self.fields["given"].queryset = campaign.given_prompts.select_related("prompt", "domain")
            answer = self.fields["reference_answer"]
            answer.label = _("Your reference answer")
            answer.help_text = _("At most %(n)s characters.") % {"n": f"{MAX_REFERENCE_ANSWER_CHARS:,}"}
            answer.widget.attrs["maxlength"] = MAX_REFERENCE_ANSWER_CHARS
            return
        del self.fields["given"]
        self.fields["text"].help_text = _("At most %(n)s characters.") % {"n": f"{MAX_TURN_CHARS:,}"}
        # The near-duplicates are looked up while the author writes, a moment after they pause.
        self.fields["text"].widget.attrs.update(
            {
                "maxlength": MAX_TURN_CHARS,
                "hx-post": reverse("authoring:check", args=[campaign.pk]),
                "hx-trigger": "input changed delay:800ms",
                "hx-target": "#near-duplicates",
                "hx-sync": "this:replace",
            }
        )
        if campaign.kind != AuthoringCampaign.Kind.EXPERT:
            del self.fields["reference_answer"]
        else:
            self.fields["reference_answer"].widget.attrs["maxlength"] = MAX_REFERENCE_ANSWER_CHARS
        if campaign.level == Level.SAFETY:
            del self.fields["domain"]
            briefs = list(campaign.briefs.values_list("scenario_id", flat=True))
            if briefs:
                self.fields["scenario"].queryset = Scenario.objects.filter(pk__in=briefs)
        else:
            del self.fields["scenario"]
            if campaign.domain_id:
                del self.fields["domain"]

    def submission_input(self) -> SubmissionInput:
        return SubmissionInput.of(self.cleaned_data)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(ReviewInput.ACCEPT, _("Accept")), (ReviewInput.REJECT, _("Reject"))],
        widget=forms.RadioSelect,
        label=_("Decision"),
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, strip=False, label=_("Prompt")
    )
    reason_code = forms.ChoiceField(
        choices=[("", "—"), *RejectReason.choices], required=False, label=_("Reason")
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=MAX_REJECT_REASON_CHARS,
        label=_("In your words (the author reads them as written)"),
    )

    def __init__(self, *args: object, answer: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if answer:
            # An expert's answer to a given prompt: the reviewer edits the answer, not the prompt.
            self.fields["text"].label = _("Reference answer")
            self.fields["text"].widget.attrs["rows"] = 10

    def review_input(self) -> ReviewInput:
        return ReviewInput.of(self.cleaned_data)
