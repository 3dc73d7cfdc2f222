"""The item browser's bulk actions: what to do with the ticked items."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# More than a page or two at once is a job for an export or a script, not a tick box.
SELECTION_MAX = 500

VOID = "void"
ADJUDICATE = "adjudicate"
EXPORT_CSV = "export_csv"
EXPORT_JSONL = "export_jsonl"
EXPORTS = {EXPORT_CSV: "csv", EXPORT_JSONL: "jsonl"}


class BulkActionForm(forms.Form):
    items = forms.TypedMultipleChoiceField(
        coerce=int,
        label=_("Items"),
        error_messages={
            "required": _("Tick the items to act on first."),
        },
    )
    action = forms.ChoiceField(
        label=_("With the selected items"),
        choices=[
            ("", _("choose an action")),
            (VOID, _("Void their judgements…")),
            (ADJUDICATE, _("Send to adjudication")),
            (EXPORT_CSV, _("Export as CSV")),
            (EXPORT_JSONL, _("Export as JSONL")),
        ],
        error_messages={"required": _("Choose an action.")},
    )
    reason = forms.CharField(
        required=False,
        max_length=2000,
        label=_("Reason"),
        help_text=_("Why the judgements are voided, or a note for the adjudicator."),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    back = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, can_export: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any whole number: which items exist (and are regular) the view decides.
        self.fields["items"].valid_value = lambda value: str(value).isdigit()  # type: ignore[attr-defined]
        if not can_export:
            choices = self.fields["action"].choices  # type: ignore[attr-defined]
            self.fields["action"].choices = [c for c in choices if c[0] not in EXPORTS]  # type: ignore[attr-defined]

    def clean_items(self) -> list[int]:
        ids = sorted(set(self.cleaned_data["items"]))
        if len(ids) > SELECTION_MAX:
            raise forms.ValidationError(_("Select at most %(n)s items at once.") % {"n": SELECTION_MAX})
        return ids

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == VOID and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the judgements are voided."))
        return data
