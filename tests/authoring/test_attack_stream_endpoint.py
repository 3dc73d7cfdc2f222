"""The streaming endpoint, served by a real uvicorn on the test database, against the stub model:
what the author's page reads, what is stored, and what the model was sent."""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest
import redis
from django.conf import settings

from authoring.attack import conversation_start
from authoring.models import AuthoringCampaign, Conversation, Turn
from common.roles import Role
from models_registry.services import model_register
from tests.authoring import attack_fixtures
from tests.authoring.attack_fixtures import CSRF, STUB_KEY, attack_campaign_make, session_cookies, stream_post

asgi_server = attack_fixtures.asgi_server

# The quickstart streams on SQLite: these run there too.
pytestmark = [pytest.mark.sqlite, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def target(stub):
    stub.state.stream_tokens = 20
    stub.state.stream_duration_s = 1.0
    return model_register(
        name="stub-target", base_url=stub.base_url, model_id="stub", timeout_s=5, max_concurrency=1
    )


@pytest.fixture
def conversation(target, make_user) -> Conversation:
    author = make_user(Role.CROWDWORKER, username="ann-author")
    return conversation_start(campaign=attack_campaign_make(target), author=author)


def send(server, conversation, text, *, key=None, user=None, **options):
    return stream_post(
        server,
        f"/authoring/stream/conversations/{conversation.pk}/turns/",
        user or conversation.author,
        text=text,
        request_key=str(key or uuid.uuid4()),
        **options,
    )


def slots_held(model) -> int:
    return redis.Redis.from_url(settings.GENERATION_LIMITER_REDIS_URL).zcard(
        f"valuelens:slots:model:{model.pk}"
    )


def test_tokens_arrive_in_order_before_the_answer_ends_and_are_stored(asgi_server, conversation, stub):
    streamed = send(asgi_server, conversation, "[[stream-slow]] tell me")

    assert streamed.status == 200
    assert streamed.names()[0] == "start"
    assert streamed.names()[-1] == "done"
    tokens = [e for e in streamed.events if e.name == "token"]
    # 20 tokens 50 ms apart: one event each, but for two that came within 50 ms of the last.
    assert 14 <= len(tokens) <= 20
    # Seen as they came, not all at the end: the first token a good while before the last.
    assert streamed.first("done").at - tokens[0].at > 0.6
    assert streamed.text().startswith("Echo: [[stream-slow]] tell me")
    turn = Turn.objects.get(conversation=conversation)
    assert turn.status == Turn.Status.DONE
    assert turn.answer == streamed.text()
    assert turn.finish_reason == "stop"
    assert turn.completion_tokens == 20
    assert turn.first_token_ms is not None
    assert turn.latency_ms >= 900
    assert stub.state.total == 1


def test_the_done_event_carries_the_answer_as_sanitised_html(asgi_server, conversation, stub):
    stub.state.script = lambda body: "**bold** <script>alert(1)</script>"

    streamed = send(asgi_server, conversation, "hi")

    html = streamed.first("done").data["html"]
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert streamed.first("done").data["turns_left"] == 2


def test_the_key_never_reaches_the_stream_or_the_database(asgi_server, target, make_user, stub):
    stub.state.api_key = STUB_KEY
    stub.state.stream_chunk_chars = 4  # the key arrives split over several chunks
    stub.state.script = lambda body: f"here it is: {STUB_KEY} and again {STUB_KEY}."
    target.api_key_env = "VALUELENS_KEY_STUB"
    target.save()
    author = make_user(Role.CROWDWORKER)
    conversation = conversation_start(campaign=attack_campaign_make(target), author=author)

    streamed = send(asgi_server, conversation, "what is your key?")

    assert streamed.names()[-1] == "done", streamed.events
    assert STUB_KEY not in str([e.data for e in streamed.events])
    assert streamed.text() == "here it is: [key] and again [key]."
    turn = Turn.objects.get(conversation=conversation)
    assert STUB_KEY not in turn.answer
    assert turn.key_redacted


def test_a_broken_stream_marks_the_turn_broken_and_a_retry_sends_exactly_one_more_request(
    asgi_server, conversation, stub
):
    streamed = send(asgi_server, conversation, "[[stream-break]] one two three four five six")

    assert streamed.names()[-1] == "error"
    error = streamed.first("error").data
    assert error["retry"] is True
    assert error["message"] == "The answer broke off before its end. You may ask again."
    turn = Turn.objects.get(conversation=conversation)
    assert turn.status == Turn.Status.BROKEN
    assert turn.answer == streamed.text()
    assert turn.answer.startswith("Echo: ")
    assert turn.error.startswith("broken:")
    assert stub.state.total == 1

    # The next turn waits for the broken one to be asked again.
    refused = send(asgi_server, conversation, "next")
    assert refused.status == 400
    assert refused.refusal["message"] == "The last answer broke off: ask again or start over."

    stub.state.script = lambda body: "a whole answer"
    retried = stream_post(
        asgi_server,
        f"/authoring/stream/turns/{turn.pk}/retry/",
        conversation.author,
        request_key=str(uuid.uuid4()),
    )

    assert retried.names()[-1] == "done"
    assert stub.state.total == 2
    turn.refresh_from_db()
    assert (turn.status, turn.answer, turn.error) == (Turn.Status.DONE, "a whole answer", "")
    assert Turn.objects.filter(conversation=conversation).count() == 1


def test_the_same_request_key_twice_sends_one_request(asgi_server, conversation, stub):
    key = uuid.uuid4()
    first = send(asgi_server, conversation, "only once", key=key)
    again = send(asgi_server, conversation, "only once", key=key)

    assert stub.state.total == 1
    assert again.status == 200
    assert again.text() == first.text()
    assert again.names()[-1] == "done"
    assert Turn.objects.filter(conversation=conversation).count() == 1


def test_the_same_request_key_while_its_answer_streams_is_told_so(asgi_server, conversation, stub):
    key = uuid.uuid4()
    first: list = []
    sending = threading.Thread(
        target=lambda: first.append(send(asgi_server, conversation, "[[stream-slow]] x", key=key))
    )
    sending.start()
    deadline = time.monotonic() + 5
    while stub.state.total == 0 and time.monotonic() < deadline:
        time.sleep(0.02)

    again = send(asgi_server, conversation, "[[stream-slow]] x", key=key)
    sending.join()

    assert again.status == 409
    assert "still coming" in again.refusal["message"]
    assert first[0].names()[-1] == "done"
    assert stub.state.total == 1


def test_refusals_are_answered_with_their_message_and_send_nothing(
    asgi_server, conversation, stub, make_user
):
    empty = send(asgi_server, conversation, "   ")
    too_long = send(asgi_server, conversation, "x" * 4001)
    someone_else = send(asgi_server, conversation, "hello", user=make_user(Role.CROWDWORKER))

    assert (empty.status, empty.refusal["message"]) == (400, "Write something before sending.")
    assert too_long.status == 400
    assert too_long.refusal["message"] == "A turn may be at most 4000 characters; this one has 4001."
    assert (someone_else.status, someone_else.refusal["message"]) == (
        403,
        "This conversation is someone else's.",
    )

    for n in range(3):
        assert send(asgi_server, conversation, f"turn {n}").names()[-1] == "done"
    fourth = send(asgi_server, conversation, "turn 4")
    assert (fourth.status, fourth.refusal["message"]) == (
        400,
        "This conversation has had its 3 turns: submit it or start over.",
    )

    AuthoringCampaign.objects.filter(pk=conversation.campaign_id).update(
        status=AuthoringCampaign.Status.CLOSED
    )
    other = conversation_start.__wrapped__ if hasattr(conversation_start, "__wrapped__") else None
    del other
    assert stub.state.total == 3


def test_a_closed_campaign_sends_nothing(asgi_server, conversation, stub):
    AuthoringCampaign.objects.filter(pk=conversation.campaign_id).update(
        status=AuthoringCampaign.Status.CLOSED
    )

    closed = send(asgi_server, conversation, "hello")

    assert closed.status == 400
    assert closed.refusal["message"] == "This campaign is not open: nothing can be sent to its models now."
    assert stub.state.total == 0


def test_a_stream_holds_a_slot_of_the_models_limit_until_it_ends(asgi_server, conversation, stub, target):
    seen: list[int] = []
    sending = threading.Thread(target=lambda: send(asgi_server, conversation, "[[stream-slow]] x"))
    sending.start()
    while sending.is_alive():
        seen.append(slots_held(target))
        time.sleep(0.05)

    assert max(seen) == 1
    assert slots_held(target) == 0
    assert stub.state.max_in_flight == 1


def test_a_reader_that_goes_away_stops_the_request_breaks_the_turn_and_frees_the_slot(
    asgi_server, conversation, stub, target
):
    streamed = send(asgi_server, conversation, "[[stream-slow]] going away", stop_after=4)

    assert streamed.names() == ["start", "token", "token", "token"]
    deadline = time.monotonic() + 5
    while (
        time.monotonic() < deadline
        and Turn.objects.get(conversation=conversation).status == Turn.Status.STREAMING
    ):
        time.sleep(0.05)
    turn = Turn.objects.get(conversation=conversation)
    assert turn.status == Turn.Status.BROKEN
    assert turn.answer.startswith("Echo: ")
    assert slots_held(target) == 0
    # The stub saw its reader go before the answer's end: the request upstream was stopped.
    while time.monotonic() < deadline and not stub.state.streams_cut_by_client:
        time.sleep(0.05)
    assert stub.state.streams_cut_by_client == 1
    assert stub.state.streams_done == 0


def test_a_post_without_the_pages_csrf_token_or_session_sends_nothing(asgi_server, conversation, stub):
    url = f"{asgi_server.url}/authoring/stream/conversations/{conversation.pk}/turns/"
    fields = {"text": "hello", "request_key": str(uuid.uuid4())}

    without_token = httpx.post(url, data=fields, cookies=session_cookies(conversation.author), timeout=10)
    signed_out = httpx.post(
        url, data=fields, cookies={"csrftoken": CSRF}, headers={"X-CSRFToken": CSRF}, timeout=10
    )

    assert without_token.status_code == 403
    assert signed_out.status_code == 403
    assert signed_out.json()["message"] == "Sign in again: your session has ended."
    assert stub.state.total == 0
    assert not Turn.objects.exists()
