from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from common.errors import form_error_add
from prompts.fields import domain_filter_field, level_filter_field, scenario_filter_field
from prompts.models import ImportFormat, Level, PendingUpload, PromptSet
from prompts.services import ImportRejected, import_mapping_validate, pending_upload_get


class ImportForm(forms.Form):
    prompt_set = forms.ModelChoiceField(
        queryset=PromptSet.objects.visible(),
        required=False,
        empty_label=_("— a new prompt set —"),
        label=_("Prompt set"),
    )
    new_set_name = forms.CharField(max_length=200, required=False, label=_("New prompt set name"))
    format = forms.ChoiceField(choices=ImportFormat.choices, label=_("Format"))
    file = forms.FileField(
        required=False,
        label=_("File"),
        help_text=_("JSONL (one JSON object a line) or CSV with a header line, UTF-8."),
    )
    # The file sent with a try that came back with an error (kept on the server): used when no
    # other file is chosen.
    pending_upload = forms.UUIDField(required=False, widget=forms.HiddenInput)
    map_text = forms.CharField(required=False, label=_("Text column"))
    map_id = forms.CharField(required=False, label=_("Id column"))
    map_level = forms.CharField(required=False, label=_("Level column"))
    default_level = forms.ChoiceField(
        choices=[("", "—"), *Level.choices], required=False, label=_("Default level")
    )
    map_domain = forms.CharField(required=False, label=_("Domain column"))
    map_scenario = forms.CharField(required=False, label=_("Risk scenario column"))
    map_reference_answer = forms.CharField(required=False, label=_("Reference answer column"))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.pending: PendingUpload | None = None
        # A newly sent file that passed the checks below (kept for a retry if the form fails).
        self.accepted_file: Any = None
        if self.is_bound and user is not None:
            self.pending = pending_upload_get(upload_id=self.data.get("pending_upload"), user=user)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is None:
            if self.pending is None:
                raise forms.ValidationError(_("Choose a file."))
            return None
        if upload.size > settings.IMPORT_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s bytes; the limit is %(limit)s.")
                % {
                    "size": number_format(upload.size, force_grouping=True),
                    "limit": number_format(settings.IMPORT_UPLOAD_MAX_BYTES, force_grouping=True),
                }
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        self.accepted_file = upload
        return upload

    def kept(self, pending: PendingUpload) -> None:
        """Name the kept file in the form the person sees again."""
        self.pending = pending
        self.data = self.data.copy()
        self.data["pending_upload"] = str(pending.pk)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("prompt_set") and not (data.get("new_set_name") or "").strip():
            self.add_error("new_set_name", _("Choose a prompt set or name a new one."))
        if data.get("prompt_set") and (data.get("new_set_name") or "").strip():
            self.add_error("new_set_name", _("Choose an existing prompt set or name a new one, not both."))
        if data.get("format"):
            try:
                data["mapping"] = import_mapping_validate(fmt=data["format"], mapping=self.mapping())
            except ImportRejected as rejected:
                form_error_add(self, rejected)
        return data

    def mapping(self) -> dict[str, str]:
        keys = ("text", "id", "level", "domain", "scenario", "reference_answer")
        mapping = {k: self.cleaned_data.get(f"map_{k}") or "" for k in keys}
        mapping["default_level"] = self.cleaned_data.get("default_level") or ""
        return {k: v for k, v in mapping.items() if v.strip()}


class PromptSearchForm(forms.Form):
    """The prompt browser's search and filters; every field is optional."""

    q = forms.CharField(
        required=False, max_length=200, label=_("Search"), help_text=_("Words in the prompt or its id.")
    )
    prompt_set = forms.ModelChoiceField(
        queryset=PromptSet.objects.visible(),
        required=False,
        empty_label=_("any prompt set"),
        label=_("Prompt set"),
    )
    level = level_filter_field()
    domain = domain_filter_field()
    scenario = scenario_filter_field()

    def filters(self) -> dict[str, Any]:
        """What prompts_search takes; an invalid form filters nothing rather than failing the page."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "text": (data.get("q") or "").strip(),
            "prompt_set": data.get("prompt_set"),
            "level": data.get("level") or "",
            "domain": data.get("domain"),
            "scenario": data.get("scenario"),
        }
