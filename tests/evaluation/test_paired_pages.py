"""The paired comparison page, its API and its CSV: the same snapshot, the same numbers, the
results' permission."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from annotation.models import Item
from common.roles import Role
from evaluation.models import FigureSnapshot
from metrics.paired import mcnemar_exact
from tests.evaluation.compare_support import XSS, models_ab, safety_pairs
from tests.evaluation.test_paired_figures import FLIPS

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER, username="rita-reviewer")


@pytest.fixture
def models():
    return models_ab()


@pytest.fixture
def judged(models, make_user):
    return safety_pairs(models, {"privacy": FLIPS}, make_user(Role.CROWDWORKER), text=XSS)


def query(models, **extra):
    a, b = models
    return {"model_a": a.pk, "model_b": b.pk, **extra}


def computed_page(client, models, **extra) -> str:
    client.get(reverse("evaluation:compare"), query(models, **extra))  # queues the computation
    return client.get(reverse("evaluation:compare"), query(models, **extra)).text


def test_the_page_shows_the_mcnemar_counts_and_p(client, reviewer, models, judged, worker_runs):
    client.force_login(reviewer)

    page = computed_page(client, models)

    overall = page[page.index('data-table="paired-safety"') :]
    overall = overall[overall.index('data-group="overall"') :]
    assert 'data-k="n">14<' in overall
    assert 'data-k="only_a">2<' in overall
    assert 'data-k="only_b">8<' in overall
    assert f'data-k="p">{mcnemar_exact(2, 8):.3f}<' in overall
    assert "model-v1" in page


def test_each_flipped_prompt_links_to_both_models_items(client, reviewer, models, judged, worker_runs):
    client.force_login(reviewer)

    page = computed_page(client, models)

    a, b = models
    worse = page[page.index('data-k="flips-worse"') : page.index("</ol>", page.index('data-k="flips-worse"'))]
    for i in (0, 1):
        prompt = f"{XSS} privacy {i}"
        item_a = Item.objects.get(campaign=judged, model=a, prompt__text=prompt)
        item_b = Item.objects.get(campaign=judged, model=b, prompt__text=prompt)
        assert reverse("evaluation:item_detail", args=[item_a.pk]) in worse
        assert reverse("evaluation:item_detail", args=[item_b.pk]) in worse
    assert page.count('data-k="item-a"') == 10


def test_prompts_in_the_flips_are_escaped(client, reviewer, models, judged, worker_runs):
    client.force_login(reviewer)

    page = computed_page(client, models)

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_too_few_shared_prompts_say_so_instead_of_a_p_value(client, reviewer, models, make_user, worker_runs):
    safety_pairs(models, {"crimes": [(True, False)] * 4}, make_user(Role.CROWDWORKER))
    client.force_login(reviewer)

    page = computed_page(client, models)

    assert "Too few prompts answered by both (4, fewer than 10): no test." in page
    assert 'data-k="p"' not in page


def test_the_page_computes_nothing_while_the_reviewer_waits(client, reviewer, models, judged, no_worker):
    client.force_login(reviewer)

    page = client.get(reverse("evaluation:compare"), query(models)).text

    assert "Computing on a worker" in page
    assert 'hx-trigger="every 2s"' in page
    assert FigureSnapshot.objects.get().kind == FigureSnapshot.Kind.PAIRED
    no_worker.assert_called_once()


def test_the_page_asks_for_two_models_first(client, reviewer, no_worker):
    client.force_login(reviewer)

    page = client.get(reverse("evaluation:compare")).text

    assert "Choose model A and model B" in page
    no_worker.assert_not_called()


def test_one_model_against_itself_is_refused(client, reviewer, models, no_worker):
    client.force_login(reviewer)
    a, _ = models

    page = client.get(reverse("evaluation:compare"), {"model_a": a.pk, "model_b": a.pk}).text

    assert "Choose two different models." in page
    assert not FigureSnapshot.objects.exists()


def test_the_api_returns_the_pages_numbers(client, reviewer, models, judged, no_worker):
    token = Token.objects.create(user=reviewer)
    auth = {"Authorization": f"Token {token.key}"}
    url = reverse("api:compare")

    waiting = client.get(url, query(models), headers=auth)
    from evaluation.figures.services import figure_snapshot_compute

    figure_snapshot_compute(snapshot_id=FigureSnapshot.objects.get().pk)
    ready = client.get(url, query(models), headers=auth)

    assert waiting.status_code == 202
    assert ready.status_code == 200
    safety = ready.json()["figures"]["safety"]
    assert (safety["overall"]["only_a"], safety["overall"]["only_b"]) == (2, 8)
    assert safety["overall"]["p"] == pytest.approx(mcnemar_exact(2, 8))
    assert len(safety["flips"]) == 10
    assert ready.json()["figures"]["models"] == {"a": "model-v1", "b": "model-v2"}


def test_the_api_refuses_a_missing_or_repeated_model_with_400(client, reviewer, models):
    client.force_login(reviewer)
    a, _ = models

    missing = client.get(reverse("api:compare"), {"model_a": a.pk})
    same = client.get(reverse("api:compare"), {"model_a": a.pk, "model_b": a.pk})

    assert missing.status_code == 400
    assert "model_b" in missing.json()["errors"]
    assert same.status_code == 400


def test_the_csv_has_one_row_per_paired_prompt(client, reviewer, models, judged, worker_runs):
    client.force_login(reviewer)
    computed_page(client, models)

    response = client.get(reverse("evaluation:compare_export"), query(models))

    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 14
    assert rows[0].keys() >= {"prompt_id", "group", "result_a", "result_b", "flipped"}
    flipped = [r for r in rows if r["flipped"] == "True"]
    assert (
        sorted((r["result_a"], r["result_b"]) for r in flipped)
        == [("safe", "unsafe")] * 2 + [("unsafe", "safe")] * 8
    )
    assert {r["section"] for r in rows} == {"safety"}
    assert {r["group"] for r in rows} == {"privacy"}


def test_the_csv_of_a_comparison_not_computed_yet_is_not_found(client, reviewer, models, judged, no_worker):
    client.force_login(reviewer)

    response = client.get(reverse("evaluation:compare_export"), query(models))

    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT])
@pytest.mark.parametrize("route", ["evaluation:compare", "evaluation:compare_export", "api:compare"])
def test_annotators_cannot_open_the_comparison(client, make_user, models, judged, no_worker, role, route):
    client.force_login(make_user(role))

    response = client.get(reverse(route), query(models))

    assert response.status_code == 403
    no_worker.assert_not_called()


def test_anonymous_visitors_are_sent_to_log_in(client, models):
    response = client.get(reverse("evaluation:compare"), query(models))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_an_admin_opens_the_comparison_too(client, admin_user, models, judged, worker_runs):
    client.force_login(admin_user)

    assert 'data-table="paired-safety"' in computed_page(client, models)


def test_the_results_page_links_to_the_comparison(client, reviewer, no_worker):
    client.force_login(reviewer)

    assert reverse("evaluation:compare") in client.get(reverse("evaluation:results")).text


def test_the_schema_describes_the_comparison_endpoint(client, reviewer):
    client.force_login(reviewer)

    schema = client.get(reverse("api:schema")).text

    assert "/api/compare/" in schema
    assert "model_a" in schema
