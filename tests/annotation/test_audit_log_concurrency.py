"""Appends that run at once queue on the protocol's row lock: the log stays one line."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from annotation.models import AuditAction, AuditEntry
from annotation.protocol.selectors import campaign_audit_verify
from annotation.protocol.services import campaign_audit_append
from tests.annotation.protocol_support import opened

WRITERS = 6
EACH = 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_make_one_linear_chain(make_campaign):
    assert connection.vendor == "postgresql"
    campaign = opened(make_campaign)
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            barrier.wait()
            for i in range(EACH):
                campaign_audit_append(
                    campaign=campaign.pk,
                    action=AuditAction.SETTINGS_CHANGED,
                    detail={"writer": writer, "i": i},
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    seqs = list(AuditEntry.objects.filter(campaign=campaign).order_by("seq").values_list("seq", flat=True))
    assert errors == []
    # The freeze and the opening, then every writer's appends, numbered without a gap or a fork.
    assert seqs == list(range(1, 2 + WRITERS * EACH + 1))
    assert campaign_audit_verify(campaign=campaign).intact
