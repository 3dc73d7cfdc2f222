"""Which judge run (and judge model) labels a campaign's prediction-powered scores (issue 28): the
newest run unless the campaign's judging setup names one; chosen on the campaign's judges page or
in the Django admin through one service, refused in the reader's language when the run is another
campaign's, and logged in a frozen campaign's audit log."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from django.urls import reverse

from annotation.models import AuditAction, Campaign, Item, Judgement, Judging
from annotation.protocol.selectors import audit_entry_summary, campaign_audit_log, campaign_audit_verify
from annotation.protocol.services import campaign_protocol_freeze
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope, results_figures, source_marker_for
from evaluation.figures.services import figure_snapshot_compute, figure_snapshots_refresh
from evaluation.judges.services import JudgeRejected, campaign_ppi_judge_set, judge_template_default
from evaluation.models import CampaignJudging, Export, FigureSnapshot, JudgeRun
from metrics.ppi import prediction_powered
from models_registry.models import GenerationRun
from prompts.models import PromptSet
from tests.evaluation.export_support import zip_members
from tests.evaluation.ppi_support import judge_labels, people_judge, sampled_campaign, stored_judge_run

pytestmark = pytest.mark.django_db
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
ANOTHER_CAMPAIGN = "This judge run labelled another campaign."
ANOTHER_CAMPAIGN_ZH = "该评判运行标注的是另一个评测任务。"


@pytest.fixture
def two_runs(make_user):
    """A campaign with a human sample judged by people, and two judge runs whose labels differ:
    a cheap judge (older) right 60% of the time and a strong one (newer) right 95%."""
    sampled = sampled_campaign(make_user, human_sample_rate=0.5)
    people_judge(make_user, sampled)
    cheap_labels = judge_labels(sampled, right=0.6, seed=3)
    strong_labels = judge_labels(sampled, right=0.95, seed=5)
    assert cheap_labels != strong_labels
    cheap = stored_judge_run(sampled.campaign, cheap_labels, name="cheap judge")
    strong = stored_judge_run(sampled.campaign, strong_labels, name="strong judge")
    return sampled.campaign, (cheap, cheap_labels), (strong, strong_labels)


def _section(campaign: Campaign) -> dict:
    (section,) = results_figures(FigureScope(campaign_ids=(campaign.pk,)))["prediction_powered"]["campaigns"]
    return section


def _expected(campaign: Campaign, labels: dict[int, float]) -> dict[str, float]:
    """Per model, PPI++ on the stored people's labels and the given judge labels, straight from
    the rows and metrics.ppi."""
    people = dict(Judgement.objects.filter(campaign=campaign).values_list("item_id", "safe"))
    arrays: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for item_id, model, sampled in Item.objects.filter(campaign=campaign).values_list(
        "pk", "model__name", "sampled"
    ):
        if sampled and item_id in people:
            arrays[model]["y"].append(float(people[item_id]))
            arrays[model]["yhat"].append(labels[item_id])
        else:
            arrays[model]["yhat_u"].append(labels[item_id])
    return {
        model: prediction_powered(y=a["y"], yhat=a["yhat"], yhat_unlabelled=a["yhat_u"]).ppi.value
        for model, a in arrays.items()
    }


def _ppi_values(section: dict) -> dict[str, float]:
    return {row["model"]: row["overall"]["ppi"]["value"] for row in section["rows"]}


def test_without_a_choice_the_scores_use_the_newest_judge_run(two_runs):
    campaign, _cheap, (strong, strong_labels) = two_runs

    section = _section(campaign)

    assert (section["judge"]["run_id"], section["judge"]["run"]) == (strong.pk, "strong judge")
    assert _ppi_values(section) == pytest.approx(_expected(campaign, strong_labels), abs=1e-12)


def test_choosing_the_older_run_gives_the_estimate_of_its_labels(two_runs):
    campaign, (cheap, cheap_labels), (_strong, strong_labels) = two_runs
    model = cheap.generation_run.target_models.get()

    campaign_ppi_judge_set(campaign=campaign, run=cheap, model=model)

    section = _section(campaign)
    assert (section["judge"]["run"], section["judge"]["model"]) == ("cheap judge", model.name)
    expected = _expected(campaign, cheap_labels)
    assert _ppi_values(section) == pytest.approx(expected, abs=1e-12)
    assert expected != pytest.approx(_expected(campaign, strong_labels), abs=1e-12)


def test_the_results_snapshot_looks_changed_when_the_choice_changes(two_runs):
    campaign, (cheap, _), _strong = two_runs
    scope = FigureScope(campaign_ids=(campaign.pk,))
    before, _n = source_marker_for(FigureSnapshot.Kind.RESULTS, scope)

    campaign_ppi_judge_set(campaign=campaign, run=cheap)
    chosen, _n = source_marker_for(FigureSnapshot.Kind.RESULTS, scope)
    campaign_ppi_judge_set(campaign=campaign, run=None)
    back, _n = source_marker_for(FigureSnapshot.Kind.RESULTS, scope)

    assert chosen != before
    assert back == before


def _computed_api(client, url: str) -> dict:
    client.get(url)  # queues the snapshot, or finds it ready
    for snapshot in FigureSnapshot.objects.filter(status=FigureSnapshot.Status.PENDING):
        figure_snapshot_compute(snapshot_id=snapshot.pk)
    return client.get(url).json()


def test_the_results_api_names_the_chosen_run_once_its_snapshot_refreshes(client, make_user, two_runs):
    campaign, (cheap, cheap_labels), _strong = two_runs
    client.force_login(make_user(Role.REVIEWER))
    url = reverse("api:campaign_results", args=[campaign.pk])
    before = _computed_api(client, url)["figures"]["prediction_powered"]["campaigns"][0]

    campaign_ppi_judge_set(campaign=campaign, run=cheap)
    queued = figure_snapshots_refresh()
    after = _computed_api(client, url)["figures"]["prediction_powered"]["campaigns"][0]

    assert before["judge"]["run"] == "strong judge"
    assert queued == 1
    assert after["judge"]["run"] == "cheap judge"
    assert _ppi_values(after) == pytest.approx(_expected(campaign, cheap_labels), abs=1e-12)


def test_the_dataset_card_names_the_chosen_run(two_runs):
    campaign, (cheap, _), _strong = two_runs
    model = cheap.generation_run.target_models.get()
    campaign_ppi_judge_set(campaign=campaign, run=cheap, model=model)
    export = export_services.export_create(
        kind=Export.Kind.SCORED,
        fmt=Export.Format.JSONL,
        scope=FigureScope(campaign_ids=(campaign.pk,)),
        enqueue=False,
    )

    card = zip_members(Path(export_services.export_run(export_id=export.pk).file.path))["README.md"].decode()

    assert f"Judge: run cheap judge, model {model.name}, template" in card


def test_a_run_of_another_campaign_is_refused_by_the_service(two_runs, make_user):
    campaign, _cheap, _strong = two_runs
    other = sampled_campaign(make_user, human_sample_rate=0.5, prompts=4, seed=9)
    foreign = stored_judge_run(other.campaign, judge_labels(other), name="foreign judge")

    with pytest.raises(JudgeRejected, match=ANOTHER_CAMPAIGN):
        campaign_ppi_judge_set(campaign=campaign, run=foreign)
    assert not CampaignJudging.objects.filter(campaign=campaign, ppi_run__isnull=False).exists()


def test_a_run_of_another_kind_is_refused(two_runs):
    campaign, _cheap, _strong = two_runs
    generation_run = GenerationRun.objects.create(
        name="Judge: pairs", prompt_set=PromptSet.objects.create(name="judging pairs")
    )
    pairwise = JudgeRun.objects.create(
        name="pairs",
        campaign=campaign,
        template=judge_template_default(kind=campaign.kind, judging_mode=Judging.PAIRWISE),
        generation_run=generation_run,
    )

    with pytest.raises(JudgeRejected, match="of another kind"):
        campaign_ppi_judge_set(campaign=campaign, run=pairwise)


def test_a_model_that_is_not_one_of_the_runs_is_refused(two_runs):
    campaign, (cheap, _), (strong, _) = two_runs

    with pytest.raises(JudgeRejected, match="not one of the run's"):
        campaign_ppi_judge_set(campaign=campaign, run=cheap, model=strong.generation_run.target_models.get())


def test_the_judges_page_chooses_the_run_and_refuses_another_campaigns_in_chinese(
    client, make_user, two_runs
):
    campaign, (cheap, _), _strong = two_runs
    other = sampled_campaign(make_user, human_sample_rate=0.5, prompts=4, seed=9)
    foreign = stored_judge_run(other.campaign, judge_labels(other), name="foreign judge")
    client.force_login(make_user(Role.ADMIN))
    url = reverse("evaluation:campaign_ppi_judge", args=[campaign.pk])

    page = client.get(reverse("evaluation:campaign_judges", args=[campaign.pk])).text
    refused = client.post(url, {"ppi_run": foreign.pk, "ppi_model": ""}, headers=ZH, follow=True).text
    chosen = client.post(url, {"ppi_run": cheap.pk, "ppi_model": ""}, follow=True).text

    assert 'data-k="ppi-judge"' in page
    assert "cheap judge" in page
    assert "foreign judge" not in page
    assert ANOTHER_CAMPAIGN_ZH in refused
    assert "The prediction-powered scores will use these judge labels." in chosen
    assert CampaignJudging.objects.get(campaign=campaign).ppi_run == cheap


def test_the_django_admin_refuses_a_run_of_another_campaign_beside_the_field(client, make_user, two_runs):
    campaign, (cheap, _), _strong = two_runs
    other = sampled_campaign(make_user, human_sample_rate=0.5, prompts=4, seed=9)
    foreign = stored_judge_run(other.campaign, judge_labels(other), name="foreign judge")
    judging = CampaignJudging.objects.create(campaign=campaign)
    client.force_login(make_user(Role.ADMIN))
    url = reverse("admin:evaluation_campaignjudging_change", args=[judging.pk])

    refused = client.post(url, {"ppi_run": foreign.pk, "ppi_model": ""}).text
    client.post(url, {"ppi_run": cheap.pk, "ppi_model": ""})

    assert ANOTHER_CAMPAIGN in refused
    judging.refresh_from_db()
    assert judging.ppi_run == cheap


def test_choosing_a_judge_run_is_in_the_frozen_campaigns_audit_log(two_runs, make_user):
    campaign, (cheap, _), _strong = two_runs
    campaign_protocol_freeze(campaign=campaign)
    admin = make_user(Role.ADMIN)

    campaign_ppi_judge_set(
        campaign=campaign, run=cheap, model=cheap.generation_run.target_models.get(), by=admin
    )

    entry = campaign_audit_log(campaign=campaign).last()
    assert (entry.action, entry.detail["what"]) == (AuditAction.JUDGING_CHANGED, "ppi_judge")
    assert entry.detail["settings"]["ppi_run"] == {"id": cheap.pk, "name": "cheap judge"}
    assert entry.actor_name == admin.username
    assert "cheap judge" in audit_entry_summary(entry)
    assert campaign_audit_verify(campaign=campaign).intact
