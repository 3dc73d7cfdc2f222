"""Per-author figures of an authoring campaign (submitted, accepted, rejected, waiting; for attacks,
attack success and how often the author's own label agrees with the judges): for reviewers and
admins only, never shown to another author."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from authoring.models import AuthoringCampaign, Submission
from common.roles import Role
from evaluation.attacks.selectors import attack_figures, author_rows
from evaluation.figures import services
from evaluation.figures.selectors import FigureScope
from evaluation.models import FigureSnapshot
from people.services import annotator_profile_get_or_create
from prompts.models import Level, PromptSet
from tests.evaluation.attack_support import attack_campaign_judged

pytestmark = pytest.mark.django_db


@pytest.fixture
def judged(make_user):
    return attack_campaign_judged(make_user)


def _rows(campaign, judging) -> dict[str, dict]:
    figures = attack_figures(FigureScope(campaign_ids=(judging.pk,)))
    return {row["author_id"]: row for row in author_rows(campaign=campaign, figures=figures)}


def _reject_one_more(campaign, author, text: str = "bob's rejected attack on the fence") -> None:
    Submission.objects.create(
        campaign=campaign,
        author=author,
        submit_key=uuid.uuid4(),
        text=text,
        text_hash=uuid.uuid4().hex,
        status=Submission.Status.REJECTED,
    )


def _author(username: str) -> Submission:
    return Submission.objects.filter(author__username=username).first().author


def test_per_author_figures_count_their_submissions_and_broken_attacks(judged):
    campaign, judging = judged
    alice = _author("alice")
    _reject_one_more(campaign, alice)

    alice_row = _rows(campaign, judging)[alice.pk]

    assert alice_row["pseudonym"] == alice.annotator_profile.pseudonym
    assert (alice_row["submitted"], alice_row["accepted"], alice_row["rejected"]) == (3, 2, 1)
    assert (alice_row["pending"], alice_row["judged"]) == (0, 2)
    assert alice_row["success"]["value"] == 0.5


def test_label_agreement_is_the_share_of_an_authors_labels_the_judges_verdicts_match(judged):
    campaign, judging = judged

    rows = _rows(campaign, judging)

    assert rows[_author("alice").pk]["agreement"]["value"] == 0.5
    assert rows[_author("alice").pk]["agreement"]["n"] == 2
    assert rows[_author("bob").pk]["agreement"]["value"] == 0.0


def test_reviewers_read_the_authors_table_with_attack_success_and_label_agreement(client, judged, make_user):
    campaign, judging = judged
    snapshot = services.figure_snapshot_request(
        kind=FigureSnapshot.Kind.ATTACKS, scope=FigureScope(campaign_ids=(judging.pk,))
    )
    services.figure_snapshot_compute(snapshot_id=snapshot.pk)
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("evaluation:authoring_authors", args=[campaign.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    alice = _author("alice").annotator_profile.pseudonym
    row = text[text.index(f'data-author="{alice}"') :].split("</tr>")[0]
    assert '<td data-k="submitted">2</td>' in row
    assert '<td data-k="judged">2</td>' in row
    assert "50.0%" in row.split('data-k="agreement"')[1]


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT])
def test_an_author_may_not_open_the_per_author_figures_not_even_of_their_own_campaign(
    client, judged, make_user, role
):
    campaign, _judging = judged
    client.force_login(_author("alice") if role == Role.CROWDWORKER else make_user(role))

    page = client.get(reverse("evaluation:authoring_authors", args=[campaign.pk]))

    assert page.status_code == 403
    assert _author("bob").annotator_profile.pseudonym not in page.content.decode()


def test_an_authors_own_pages_show_their_own_submissions_only(client, judged):
    campaign, _judging = judged
    alice, bob = _author("alice"), _author("bob")
    _reject_one_more(campaign, bob)
    _reject_one_more(campaign, alice, "alice's own attack on the gate")
    client.force_login(alice)

    home, mine = (client.get(reverse(name)).content.decode() for name in ("authoring:home", "authoring:mine"))

    assert "alice&#x27;s own attack on the gate" in mine
    assert "bob&#x27;s rejected attack on the fence" not in mine
    assert bob.annotator_profile.pseudonym not in home + mine


def test_an_expert_campaigns_authors_table_has_counts_and_no_attack_figures(client, make_user):
    expert = make_user(Role.EXPERT, username="eve")
    annotator_profile_get_or_create(user=expert)
    campaign = AuthoringCampaign.objects.create(
        name="law prompts",
        kind=AuthoringCampaign.Kind.EXPERT,
        level=Level.RESPONSIBILITY,
        prompt_set=PromptSet.objects.create(name="law prompts"),
        status=AuthoringCampaign.Status.OPEN,
    )
    for status in (Submission.Status.PENDING, Submission.Status.ACCEPTED):
        Submission.objects.create(
            campaign=campaign,
            author=expert,
            submit_key=uuid.uuid4(),
            text=status,
            text_hash=status,
            status=status,
        )
    client.force_login(make_user(Role.ADMIN))

    text = client.get(reverse("evaluation:authoring_authors", args=[campaign.pk])).content.decode()

    assert '<td data-k="submitted">2</td>' in text
    assert '<td data-k="pending">1</td>' in text
    assert 'data-k="success"' not in text
    assert "no-judging" not in text


def test_the_quality_index_leads_reviewers_to_each_authoring_campaigns_authors(client, judged, make_user):
    campaign, _judging = judged
    AuthoringCampaign.objects.filter(pk=campaign.pk).update(status=AuthoringCampaign.Status.OPEN)
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("quality_index")).content.decode()

    assert f'href="{reverse("evaluation:authoring_authors", args=[campaign.pk])}"' in page
