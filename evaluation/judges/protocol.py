"""Model judging's part of a campaign's protocol (annotation.protocol): the judge template the
campaign is judged with by default, the judge runs so far with their models and parameters, and
the suggestion and triage settings. Registered when the app is ready."""

from __future__ import annotations

from typing import Any

from annotation.models import Campaign
from annotation.protocol.canonical import sha256_text
from annotation.protocol.sections import protocol_section_register
from evaluation.models import CampaignJudging, JudgeRun, JudgeTemplate
from models_registry.models import RegisteredModel


def template_record(template: JudgeTemplate | None) -> dict[str, Any] | None:
    if template is None:
        return None
    return {
        "id": template.pk,
        "name": template.name,
        "version": template.version,
        "judging_mode": template.judging_mode,
        "sha256": sha256_text(template.text),
    }


def judge_model_record(model: RegisteredModel) -> dict[str, Any]:
    return {
        "id": model.pk,
        "name": model.name,
        "model_id": model.model_id,
        "params": {
            "temperature": model.temperature,
            "top_p": model.top_p,
            "max_tokens": model.max_tokens,
            "seed": model.seed,
            "stop": model.stop,
            "system_prompt_sha256": sha256_text(model.system_prompt),
        },
    }


def judging_settings(judging: CampaignJudging | None) -> dict[str, Any] | None:
    if judging is None:
        return None
    return {
        "suggestion_model": judging.suggestion_model_id,
        "suggestion_template": template_record(judging.suggestion_template),
        "suggestion_share": judging.suggestion_share,
        "suggested_items": judging.suggested_items,
        "triage_models": sorted(judging.triage_models.values_list("pk", flat=True)),
        "triage_template": template_record(judging.triage_template),
        "triage_judges": judging.triage_judges,
        "triage_tolerance": judging.triage_tolerance,
        "triaged_items": judging.triaged_items,
        # Named as well as numbered: the audit log says which run without reading the database.
        "ppi_run": None
        if judging.ppi_run is None
        else {"id": judging.ppi_run.pk, "name": judging.ppi_run.name},
        "ppi_model": None
        if judging.ppi_model is None
        else {"id": judging.ppi_model.pk, "name": judging.ppi_model.name},
    }


def judge_run_record(run: JudgeRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "name": run.name,
        "template": template_record(run.template),
        "filters": run.filters,
        "models": [judge_model_record(m) for m in run.generation_run.target_models.order_by("pk")],
    }


def _judging_section(campaign: Campaign) -> dict[str, Any]:
    # Imported here: the services import this app's models, which are not ready at import time.
    from evaluation.judges.services import judge_template_for

    runs = JudgeRun.objects.filter(campaign=campaign).select_related("template", "generation_run")
    return {
        "default_template": template_record(judge_template_for(campaign=campaign)),
        "runs": [judge_run_record(run) for run in runs.order_by("pk")],
        "settings": judging_settings(CampaignJudging.objects.filter(campaign=campaign).first()),
    }


protocol_section_register("judging", _judging_section)
