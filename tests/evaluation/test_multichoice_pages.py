from __future__ import annotations

import json

import pytest
from django.urls import reverse

from common.roles import Role
from evaluation.models import MultiChoiceRun
from evaluation.multichoice.selectors import multichoice_review_queue
from evaluation.multichoice.services import multichoice_run_start
from metrics.multichoice import REPLY_1
from tests.evaluation.multichoice_support import RECORDS, SCRIPT_ANSWER, SCRIPTED, mc_items_import, script_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER, username="rita-reviewer")


@pytest.fixture
def run(stub, make_model) -> MultiChoiceRun:
    stub.state.script = script_for([answer for answer, _ in SCRIPTED])
    return multichoice_run_start(name="scripted", item_set=mc_items_import(), models=[make_model()])


def page_urls(run: MultiChoiceRun) -> tuple[list[str], str]:
    entry = multichoice_review_queue(run=run)[0][0]
    return [
        reverse("evaluation:mc_runs"),
        reverse("evaluation:mc_run_create"),
        reverse("evaluation:mc_run", args=[run.pk]),
        reverse("evaluation:mc_review", args=[run.pk]),
        reverse("evaluation:mc_human_vs_automatic"),
        reverse("evaluation:mc_export", args=[run.pk, "stub-model"]),
        reverse("api:multichoice_run", args=[run.pk]),
    ], reverse("evaluation:mc_review_set", args=[run.pk, entry.response.pk])


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT])
def test_crowdworkers_and_experts_get_403_on_every_multi_choice_page(client, make_user, run, role):
    client.force_login(make_user(role, domains=("law",)))

    pages, review_set = page_urls(run)

    for url in pages:
        assert client.get(url).status_code == 403, url
    assert client.post(review_set, {"pred": REPLY_1}).status_code == 403
    assert client.post(reverse("evaluation:mc_run_create"), {"name": "x"}).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, run):
    response = client.get(reverse("evaluation:mc_run", args=[run.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_reviewer_sees_the_runs_scores_without_the_start_form(client, reviewer, run):
    client.force_login(reviewer)

    listing = client.get(reverse("evaluation:mc_runs")).text
    detail = client.get(reverse("evaluation:mc_run", args=[run.pk])).text

    assert "scripted" in listing
    assert "Start a run" not in listing
    assert "50.0% (" in detail  # acc = 4 / 8
    assert "66.7% (" in detail  # acc* = 4 / 6
    assert "law" in detail
    assert "hard" in detail
    assert "Export" not in detail


@pytest.mark.parametrize("name", ["mc_run_create", "mc_export"])
def test_a_reviewer_cannot_start_or_export_a_run(client, reviewer, run, name):
    client.force_login(reviewer)
    url = reverse(f"evaluation:{name}", args=[] if name == "mc_run_create" else [run.pk, "stub-model"])

    assert client.get(url).status_code == 403


def test_a_models_script_answer_shows_as_text_in_the_review_queue(client, reviewer, run):
    client.force_login(reviewer)

    page = client.get(reverse("evaluation:mc_review", args=[run.pk])).text

    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert SCRIPT_ANSWER not in page


def test_setting_a_prediction_with_htmx_returns_the_entry_and_the_new_scores(client, reviewer, run):
    client.force_login(reviewer)
    [entry], _ = multichoice_review_queue(run=run)

    response = client.post(
        reverse("evaluation:mc_review_set", args=[run.pk, entry.response.pk]),
        {"pred": REPLY_1},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "Set to 回复1." in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert "62.5% (" in response.text  # acc = 5 / 8
    assert '<b class="open-count">0</b>' in response.text


def test_setting_a_prediction_without_javascript_goes_back_to_the_queue(client, reviewer, run):
    client.force_login(reviewer)
    [entry], _ = multichoice_review_queue(run=run)

    response = client.post(
        reverse("evaluation:mc_review_set", args=[run.pk, entry.response.pk]), {"pred": "Other"}
    )

    assert response.status_code == 302
    assert multichoice_review_queue(run=run)[0][0].pred == "Other"


def test_a_prediction_outside_cvalues_names_is_rejected(client, reviewer, run):
    client.force_login(reviewer)
    [entry], _ = multichoice_review_queue(run=run)

    response = client.post(
        reverse("evaluation:mc_review_set", args=[run.pk, entry.response.pk]), {"pred": "Need_Check"}
    )

    assert response.status_code == 400
    assert multichoice_review_queue(run=run)[0][0].pred is None


def test_an_admin_starts_a_run_from_the_page(client, admin_user, stub, make_model):
    client.force_login(admin_user)
    item_set, model = mc_items_import(), make_model()

    response = client.post(
        reverse("evaluation:mc_run_create"),
        {"name": "from the page", "item_set": item_set.pk, "target_models": [model.pk], "variant": "ab"},
    )

    run = MultiChoiceRun.objects.get(name="from the page")
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:mc_run", args=[run.pk])
    assert run.variant == "ab"
    assert "not comparable" in client.get(response["Location"]).text


def test_the_start_form_offers_only_sets_with_multi_choice_items(client, admin_user, make_prompts):
    make_prompts("plain", name="Plain prompts")
    mc_items_import(name="MC items")
    client.force_login(admin_user)

    page = client.get(reverse("evaluation:mc_runs")).text

    assert "MC items" in page
    assert "Plain prompts" not in page


def test_an_admin_downloads_a_models_answers_in_the_cvalues_format(client, admin_user, run):
    client.force_login(admin_user)

    response = client.get(reverse("evaluation:mc_export", args=[run.pk, "stub-model"]))

    assert response["Content-Disposition"] == f'attachment; filename="multichoice-{run.pk}-stub-model.jsonl"'
    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert len(lines) == len(RECORDS)
    assert set(lines[0]) == {"prompt", "label", "meta_info", "response", "pred"}


def test_the_run_page_stops_polling_once_the_generation_is_finished(client, reviewer, run):
    client.force_login(reviewer)

    response = client.get(reverse("evaluation:mc_run", args=[run.pk]), headers={"HX-Request": "true"})

    assert response.status_code == 286
    assert 'id="mc-results"' in response.text


def test_the_human_vs_automatic_page_explains_an_empty_table(client, reviewer):
    client.force_login(reviewer)
    client.get(reverse("evaluation:mc_human_vs_automatic"))  # queues the human scores

    page = client.get(reverse("evaluation:mc_human_vs_automatic")).text

    assert "No model has both human judgements and multi-choice answers yet." in page


def test_reviewers_and_admins_find_the_pages_from_the_menu(client, reviewer, crowdworker):
    client.force_login(reviewer)
    assert reverse("evaluation:mc_runs") in client.get("/").text

    client.force_login(crowdworker)
    assert reverse("evaluation:mc_runs") not in client.get("/").text


def test_a_reviewer_reads_the_runs_metrics_as_json(client, reviewer, run):
    client.force_login(reviewer)

    data = client.get(reverse("api:multichoice_run", args=[run.pk])).json()

    assert data["comparable_with_cvalues"] is True
    [model] = data["models"]
    assert model["acc"]["value"] == 0.5
    assert model["acc"]["ci_low"] < 0.5 < model["acc"]["ci_high"]
    assert model["counts"]["Need_Check"] == 1
    assert model["by_difficulty"]["hard"]["pair_acc"]["value"] == 0.0
