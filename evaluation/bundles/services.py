"""The paper bundle: an export kind whose zip holds what a paper needs beside the scored dataset.

It is built by the export worker like every export (same claim, storage, status, pages, API and
permission): the scored export's files first, then each section of ``BUNDLE_SECTIONS`` writes its
files, then the dataset card, then the manifest (every file with its SHA-256). A new part of the
bundle (the frozen protocol and its audit log, say) is one more section function in that list."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import translation

from evaluation.bundles.charts import bundle_charts
from evaluation.bundles.latex import latex_document
from evaluation.bundles.methods import LANGUAGES, bundle_campaigns, methods_facts, methods_files
from evaluation.bundles.protocol import protocol_files
from evaluation.bundles.tables import bundle_tables, table_csv, table_latex
from evaluation.exports import selectors as rows
from evaluation.exports.services import EXPORT_BUILDERS, ExportBuilder, export_kind_register
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export

MANIFEST = "MANIFEST.json"
CHECKSUMS = "SHA256SUMS"


@dataclass(frozen=True)
class BundleContext:
    """What a section reads: the export, its scope, and the scored export's summary (the results,
    agreement and model-judge figures its tables and the pages share; the data files' names)."""

    export: Export
    scope: FigureScope
    summary: dict[str, Any]
    counts: dict[str, int]


def _table_tex(name: str, language: str) -> str:
    # The English tables keep the names they had before there were Chinese ones.
    return f"tables/{name}.tex" if language == "en" else f"tables/{name}.{language}.tex"


def _tables(context: BundleContext) -> dict[str, str]:
    files = {}
    for table in bundle_tables(results=context.summary["results"], agreement=context.summary["agreement"]):
        files[f"tables/{table.name}.csv"] = table_csv(table)
        for short, language in LANGUAGES.items():
            with translation.override(language):
                files[_table_tex(table.name, short)] = table_latex(table)
    return files


def _figures(context: BundleContext) -> dict[str, str]:
    charts = bundle_charts(results=context.summary["results"], agreement=context.summary["agreement"])
    return {f"figures/{name}": svg for name, svg in charts.items()}


def _methods(context: BundleContext) -> dict[str, str]:
    facts = methods_facts(scope=context.scope, counts=context.counts, summary=context.summary)
    return {f"methods/{name}": text for name, text in methods_files(facts).items()}


def _documents(context: BundleContext) -> dict[str, str]:
    tables = bundle_tables(results=context.summary["results"], agreement=context.summary["agreement"])
    files = {}
    for short, language in LANGUAGES.items():
        with translation.override(language):
            files[f"paper.{short}.tex"] = latex_document(
                language=short,
                inputs=[f"methods/methods.{short}.tex", *(_table_tex(t.name, short) for t in tables)],
            )
    return files


# Each section returns its files by path inside the zip (text as UTF-8, or bytes).
def _protocol(context: BundleContext) -> dict[str, str]:
    return protocol_files(list(bundle_campaigns(context.scope).order_by("pk")))


BUNDLE_SECTIONS: list[Callable[[BundleContext], dict[str, str | bytes]]] = [
    _methods,
    _tables,
    _figures,
    _protocol,
    _documents,
]


def bundle_files(export: Export, scope: FigureScope, directory: Path, progress: Any) -> dict[str, Any]:
    """The scored export's files, then every section's, under the export's work directory."""
    summary = EXPORT_BUILDERS[Export.Kind.SCORED].files(export, scope, directory, progress)
    context = BundleContext(
        export=export, scope=scope, summary=summary, counts=rows.scope_counts(scope=scope)
    )
    attachments = []
    for section in BUNDLE_SECTIONS:
        for name, content in section(context).items():
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
            attachments.append(name)
    return {**summary, "attachments": attachments}


def bundle_manifest(directory: Path, names: list[str]) -> list[str]:
    """MANIFEST.json (each file, its size and SHA-256) and SHA256SUMS (``sha256sum -c`` reads it)."""
    entries = []
    for name in names:
        data = (directory / name).read_bytes()
        entries.append({"path": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    manifest = {"format": "valuelens-paper-bundle", "version": 1, "files": entries}
    (directory / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (directory / CHECKSUMS).write_text(
        "".join(f"{e['sha256']}  {e['path']}\n" for e in entries), encoding="utf-8"
    )
    return [*names, MANIFEST, CHECKSUMS]


export_kind_register(
    kind=Export.Kind.PAPER, builder=ExportBuilder(files=bundle_files, finish=bundle_manifest)
)
