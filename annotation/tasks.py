from __future__ import annotations

from celery import shared_task

from annotation import assignment, pair_sampling, services
from annotation.models import Campaign
from annotation.quality import services as quality


@shared_task(ignore_result=True)
def leases_reclaim_expired() -> None:
    assignment.leases_reclaim_expired()


@shared_task(ignore_result=True)
def campaigns_follow_runs() -> None:
    services.campaigns_follow_runs()


@shared_task(ignore_result=True, acks_late=True)
def campaign_competence_refresh(campaign_id: int) -> None:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is not None:
        quality.campaign_competence_refresh(campaign=campaign)


@shared_task(ignore_result=True)
def campaigns_competence_refresh() -> None:
    for campaign_id in Campaign.objects.filter(status=Campaign.Status.OPEN).values_list("pk", flat=True):
        campaign_competence_refresh.delay(campaign_id)


@shared_task(ignore_result=True)
def campaigns_pair_priorities_refresh() -> None:
    pair_sampling.campaigns_pair_priorities_refresh()


@shared_task(ignore_result=True)
def campaigns_completion_check() -> None:
    services.campaigns_completion_check()
