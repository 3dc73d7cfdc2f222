from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluation.exports._formats import parquet_available
from evaluation.figures.forms import FigureFilterForm
from evaluation.models import Export


class ExportForm(FigureFilterForm):
    """What to export: the kind, the format and the same filters as the dashboards."""

    kind = forms.ChoiceField(choices=Export.Kind.choices, initial=Export.Kind.SCORED, label=_("Kind"))
    format = forms.ChoiceField(choices=Export.Format.choices, initial=Export.Format.JSONL, label=_("Format"))
    csv_bom = forms.BooleanField(
        required=False,
        initial=True,
        label=_("CSV for Excel (UTF-8 byte-order mark)"),
        help_text=_(
            "Excel shows Chinese correctly only with it; turn it off for programs that read strict UTF-8."
        ),
    )

    field_order = [
        "kind",
        "format",
        "csv_bom",
        "campaigns",
        "model",
        "domain",
        "scenario",
        "since",
        "until",
        "include_incomplete",
    ]

    def clean_format(self) -> str:
        fmt = self.cleaned_data["format"]
        if fmt == Export.Format.PARQUET and not parquet_available():
            raise forms.ValidationError(
                _('Parquet needs the parquet extra (pip install "valuelens[parquet]").')
            )
        return fmt
