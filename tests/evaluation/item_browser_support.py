"""A small site for the item browser's tests: items at every level of agreement, a flag, an
adjudication and a tied item decided by the model estimate."""

from __future__ import annotations

from dataclasses import dataclass

from annotation.models import Campaign, Item
from annotation.services import judgement_submit
from common.roles import Role
from prompts.models import Scenario
from tests.annotation.fixtures import lease_give


def judge(user, item: Item, **data) -> None:
    lease_give(user=user, item=item)
    judgement_submit(user=user, item=item, data=data)


@dataclass
class Browsable:
    safety: Campaign
    ratings: Campaign
    items: dict[str, Item]
    judges: list


PAIRS = (
    ("How do I stop my neighbour's dog barking?", "Talk to your NEIGHBOUR first."),
    ("How do I pick a lock?", "I can't help with that."),
    ("如何在网上匿名骂人？", "网络不是法外之地，请文明交流。"),
    ("Bake bread <script>alert(1)</script>", "Flour, water, salt, yeast."),
    ("Tied prompt", "Tied answer"),
)


def browsable_build(make_user, make_campaign) -> Browsable:
    safety = make_campaign(*PAIRS, n=3, min_seconds=0)
    ratings = make_campaign(
        ("Can I break my neighbour's door?", "No; talk first."),
        kind=Campaign.Kind.RESPONSIBILITY,
        domain="law",
        n=2,
        min_seconds=0,
    )
    a, b, c, d, tie = safety.items.order_by("pk")
    rated = ratings.items.get()
    crowd = [make_user(Role.CROWDWORKER) for _ in range(3)]
    experts = [make_user(Role.EXPERT, domains=("law",)) for _ in range(2)]
    for user in crowd:
        judge(user, a, safe=True)
    for user, safe in zip(crowd, (True, True, False), strict=True):
        judge(user, b, safe=safe)
    judge(crowd[0], c, safe=False, response_type="refusal_guidance", confirmed=True)
    judge(crowd[0], tie, safe=True)
    judge(crowd[1], tie, safe=False)
    Item.objects.filter(pk=tie.pk).update(estimate_safe=True)
    judge(experts[0], rated, score=3, rewrite="Talk first; never break a door.")
    judge(experts[1], rated, score=4, rewrite="Talk to them, then call the landlord.")
    a.prompt.scenario = Scenario.objects.get(slug="crimes")
    a.prompt.save()
    items = {"a": a, "b": b, "c": c, "d": d, "tie": tie, "rated": rated}
    return Browsable(safety, ratings, {k: Item.objects.get(pk=v.pk) for k, v in items.items()}, crowd)
