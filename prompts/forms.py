from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from prompts.models import ImportFormat, Level, PromptSet
from prompts.services import import_mapping_validate


class ImportForm(forms.Form):
    prompt_set = forms.ModelChoiceField(
        queryset=PromptSet.objects.all(), required=False, empty_label="— a new prompt set —"
    )
    new_set_name = forms.CharField(max_length=200, required=False, label="New prompt set name")
    format = forms.ChoiceField(choices=ImportFormat.choices)
    file = forms.FileField(help_text="JSONL (one JSON object a line) or CSV with a header line, UTF-8.")
    map_text = forms.CharField(required=False, label="Text column")
    map_id = forms.CharField(required=False, label="Id column")
    map_level = forms.CharField(required=False, label="Level column")
    default_level = forms.ChoiceField(choices=[("", "—"), *Level.choices], required=False)
    map_domain = forms.CharField(required=False, label="Domain column")
    map_scenario = forms.CharField(required=False, label="Risk scenario column")
    map_reference_answer = forms.CharField(required=False, label="Reference answer column")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes; the limit is {settings.IMPORT_UPLOAD_MAX_BYTES:,}."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("prompt_set") and not (data.get("new_set_name") or "").strip():
            self.add_error("new_set_name", "Choose a prompt set or name a new one.")
        if data.get("prompt_set") and (data.get("new_set_name") or "").strip():
            self.add_error("new_set_name", "Choose an existing prompt set or name a new one, not both.")
        if data.get("format"):
            try:
                data["mapping"] = import_mapping_validate(fmt=data["format"], mapping=self.mapping())
            except ValueError as exc:
                self.add_error(None, str(exc))
        return data

    def mapping(self) -> dict[str, str]:
        keys = ("text", "id", "level", "domain", "scenario", "reference_answer")
        mapping = {k: self.cleaned_data.get(f"map_{k}") or "" for k in keys}
        mapping["default_level"] = self.cleaned_data.get("default_level") or ""
        return {k: v for k, v in mapping.items() if v.strip()}
