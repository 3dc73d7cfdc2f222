"""The attack workspace's streaming endpoint: async views that send a turn to the target model and
stream its answer back as server-sent events, served by an ASGI server (uvicorn) so that a long
answer holds no web worker, only a coroutine.

Events (each `data:` is JSON):
  start  {"turn": id, "position": n}          the turn is stored and its request is on its way
  token  {"text": "..."}                        the next piece of the answer, plain text
  done   {"html": "...", "turns_left": n}       the whole answer, rendered and sanitised
  error  {"message": "...", "retry": true, "turn": id}
                                                the answer broke off; the author may ask again
A refusal before anything is sent (someone else's conversation, no turns left, an empty turn, the
same request still on its way) is a plain JSON answer {"message": "..."} with its status code.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from authoring.attack import TurnBroken, TurnDone, TurnStart, turn_begin, turn_retry, turn_stream
from authoring.models import Conversation, Turn
from common.db_threads import database_sync_to_async
from common.errors import ApplicationError
from common.markdown import model_markdown_html
from models_registry.providers import StreamDelta


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


async def _events(start: TurnStart) -> AsyncIterator[bytes]:
    turn = start.turn
    yield _event("start", {"turn": turn.pk, "position": turn.position})
    # Closed here, not when collected: closing it is what stops the request upstream.
    async with contextlib.aclosing(turn_stream(start)) as events:
        async for event in events:
            if isinstance(event, StreamDelta):
                yield _event("token", {"text": event.text})
            elif isinstance(event, TurnDone):
                html = await sync_to_async(model_markdown_html)(event.answer)
                yield _event("done", {"html": str(html), "turns_left": event.turns_left})
            elif isinstance(event, TurnBroken):
                yield _event("error", {"message": event.message, "retry": True, "turn": turn.pk})


def _refusal(message: str, status: int, field: str = "") -> JsonResponse:
    return JsonResponse({"message": message, "field": field}, status=status)


class _NotFound(ApplicationError):
    status_code = 404


class _SignedOut(ApplicationError):
    status_code = 403


def _begun(request: HttpRequest, begin: Callable[[Any], TurnStart]) -> TurnStart:
    # One call on a database thread: who asks, what they ask about and the stored turn.
    if not request.user.is_authenticated:
        raise _SignedOut(_("Sign in again: your session has ended."))
    return begin(request.user)


async def _stream_or_refusal(
    request: HttpRequest, begin: Callable[[Any, uuid.UUID], TurnStart]
) -> HttpResponse:
    try:
        request_key = uuid.UUID(request.POST.get("request_key", ""))
    except ValueError:
        return _refusal(_("Reload the page and send again."), 400)
    try:
        start = await database_sync_to_async(_begun)(request, lambda user: begin(user, request_key))
    except ApplicationError as refused:
        return _refusal(refused.message, refused.status_code, refused.field)
    response = StreamingHttpResponse(_events(start), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    # Proxies (nginx) pass each event on as it comes.
    response["X-Accel-Buffering"] = "no"
    return response


@require_POST
async def turn_send(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The author's next turn, answered live."""
    text = request.POST.get("text", "")

    def begin(user: Any, request_key: uuid.UUID) -> TurnStart:
        conversation = Conversation.objects.filter(pk=conversation_id).first()
        if conversation is None:
            raise _NotFound(_("This conversation does not exist."))
        return turn_begin(conversation=conversation, author=user, text=text, request_key=request_key)

    return await _stream_or_refusal(request, begin)


@require_POST
async def turn_ask_again(request: HttpRequest, turn_id: int) -> HttpResponse:
    """A broken answer asked for again, because the author asked."""

    def begin(user: Any, request_key: uuid.UUID) -> TurnStart:
        turn = Turn.objects.filter(pk=turn_id).first()
        if turn is None:
            raise _NotFound(_("This turn does not exist."))
        return turn_retry(turn=turn, author=user, request_key=request_key)

    return await _stream_or_refusal(request, begin)
