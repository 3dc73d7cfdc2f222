"""A turn locks its own conversation, not the campaign or the target model: on PostgreSQL's real
row locks, one author's turn does not wait for another author's submit (which holds the campaign)
or for another turn of the same model."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, transaction

from authoring.attack import conversation_start, turn_begin
from authoring.models import AuthoringCampaign
from common.roles import Role
from models_registry.models import RegisteredModel
from models_registry.services import model_register
from tests.authoring.attack_fixtures import attack_campaign_make

pytestmark = pytest.mark.django_db(transaction=True)


def held_meanwhile(lock_row, then):
    """Run `then` while another connection holds the row lock `lock_row` takes."""
    locked, done = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                lock_row()
                locked.set()
                done.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with connection.cursor() as cursor:
            # A wait for the other connection's lock fails the test instead of hanging it.
            cursor.execute("SET lock_timeout = '2s'")
        return then()
    finally:
        done.set()
        holder.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


@pytest.fixture
def conversation(make_user):
    assert connection.vendor == "postgresql"
    target = model_register(name="target", base_url="http://127.0.0.1:9/v1", model_id="m")
    author = make_user(Role.CROWDWORKER, username="ann-author")
    return conversation_start(campaign=attack_campaign_make(target), author=author)


def send(conversation):
    return turn_begin(
        conversation=conversation, author=conversation.author, text="hello", request_key=uuid.uuid4()
    )


def test_a_turn_does_not_wait_for_a_lock_on_its_campaign(conversation):
    def lock_campaign() -> None:
        AuthoringCampaign.objects.select_for_update().get(pk=conversation.campaign_id)

    start = held_meanwhile(lock_campaign, lambda: send(conversation))

    assert start.turn.position == 1


def test_a_turn_does_not_wait_for_a_lock_on_its_target_model(conversation):
    def lock_model() -> None:
        RegisteredModel.objects.select_for_update().get(pk=conversation.target_id)

    start = held_meanwhile(lock_model, lambda: send(conversation))

    assert start.model.pk == conversation.target_id
