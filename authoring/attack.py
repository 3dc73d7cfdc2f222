"""The attack workspace's writes: conversations with a target model, and turns whose answers are
streamed live (services for the pages and the streaming endpoint, authoring/stream_views.py).

A turn is one request. The page names each request with a key it draws once per send (a double
click, a second tab or a reload resends the same key), so the same key never sends a second
request: the stored answer is replayed, or the person is told it is still on its way. A broken
answer is asked again only when the author says so (`turn_retry`), as one more request on the
same row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
import weakref
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from authoring.inputs import MAX_TURN_CHARS
from authoring.models import AuthoringCampaign, Conversation, Turn
from authoring.selectors import campaign_author_allowed
from authoring.services import authoring_warning_check
from common.db_threads import database_sync_to_async
from common.errors import ApplicationError
from models_registry.limiter import ConcurrencyLimiter
from models_registry.models import RegisteredModel
from models_registry.providers import (
    ProviderError,
    StreamDelta,
    StreamEnd,
    api_key_for,
    chat_request_body,
    chat_session,
    chat_stream,
    sample_seed,
)

logger = logging.getLogger(__name__)

# The longest turn an author may write, in characters (the one limit of written prompts).
TURN_MAX_CHARS = MAX_TURN_CHARS
# The page gets the answer's new text at most this often (see chat_stream's every_s): it still
# sees the answer grow 20 times a second, and the server wakes once for several tokens.
ANSWER_TEXT_EVERY_S = 0.05
# A turn still STREAMING this long after it started lost its server (a crash, a restart mid-answer:
# nothing was left to mark it broken); it counts as broken, so that the author can ask again.
TURN_STREAM_STALE_S = 15 * 60


class AttackRejected(ApplicationError):
    """A conversation or turn refused, for a reason the author can act on."""


class AttackForbidden(AttackRejected):
    """Someone else's conversation."""

    status_code = 403


class TurnInProgress(AttackRejected):
    """The same request is already on its way (a second tab, a double click)."""

    status_code = 409


# ---------------------------------------------------------------- conversations


def _campaign_check_open(campaign: AuthoringCampaign) -> None:
    if campaign.kind != AuthoringCampaign.Kind.ATTACK:
        raise AttackRejected(_("This campaign does not take attacks."))
    if campaign.status != AuthoringCampaign.Status.OPEN:
        raise AttackRejected(_("This campaign is not open: nothing can be sent to its models now."))


def _conversation_check_author(conversation: Conversation, author: AbstractBaseUser) -> None:
    if conversation.author_id != author.pk:
        raise AttackForbidden(_("This conversation is someone else's."))


def _target_pick(campaign: AuthoringCampaign, *, seed: str) -> RegisteredModel:
    """The least-attacked of the campaign's targets in it, ties broken by a seeded draw: the
    targets get about as many conversations each, and an author cannot choose."""
    targets = list(campaign.targets.filter(is_active=True).order_by("pk"))
    if not targets:
        raise AttackRejected(_("This campaign has no model to attack yet."))
    attacks = dict(
        Conversation.objects.filter(campaign=campaign)
        .values("target")
        .annotate(n=Count("id"))
        .values_list("target", "n")
    )
    fewest = min(attacks.get(t.pk, 0) for t in targets)
    return random.Random(seed).choice([t for t in targets if attacks.get(t.pk, 0) == fewest])  # noqa: S311


@transaction.atomic
def conversation_start(*, campaign: AuthoringCampaign, author: AbstractBaseUser) -> Conversation:
    """The author's open conversation in the campaign, or a new one against a target picked for
    them (a second tab gets the same conversation). Every conversation starts here (a restart too),
    so the content warning checked here also guards the turns, which need a conversation."""
    campaign = AuthoringCampaign.objects.select_for_update().get(pk=campaign.pk)
    if not campaign_author_allowed(user=author, campaign=campaign):
        raise AttackForbidden(_("You may not write in this campaign."))
    _campaign_check_open(campaign)
    authoring_warning_check(user=author, campaign=campaign)
    open_one = Conversation.objects.filter(
        campaign=campaign, author=author, status=Conversation.Status.OPEN
    ).first()
    if open_one is not None:
        return open_one
    started = Conversation.objects.filter(campaign=campaign, author=author).count()
    target = _target_pick(campaign, seed=f"{campaign.pk}:{author.pk}:{started}")
    return Conversation.objects.create(campaign=campaign, author=author, target=target)


@transaction.atomic
def conversation_restart(*, conversation: Conversation, author: AbstractBaseUser) -> Conversation:
    """Abandon the conversation and start another (its turns stay, as a record of what was sent)."""
    conversation = _conversation_locked(conversation.pk)
    _conversation_check_author(conversation, author)
    if conversation.status == Conversation.Status.OPEN:
        conversation.status = Conversation.Status.ABANDONED
        conversation.save(update_fields=["status"])
    return conversation_start(campaign=conversation.campaign, author=author)


def target_label(conversation: Conversation) -> str:
    """What the author is told of the model they attack: its name only where the campaign shows it."""
    if conversation.campaign.targets_shown:
        return str(conversation.target)
    return _("a hidden model")


# ---------------------------------------------------------------- turns


@dataclass(frozen=True)
class TurnStart:
    turn: Turn
    # What the answer's stream needs, read with the turn: streaming asks the database for nothing
    # more until the answer is stored.
    model: RegisteredModel | None
    messages: list[dict[str, str]]
    turns_left: int
    # The same request was answered before: its stored answer is shown again, nothing is sent.
    replay: bool = False


def _same_request(turn: Turn, author: AbstractBaseUser) -> TurnStart:
    _conversation_check_author(turn.conversation, author)
    if turn.status == Turn.Status.DONE:
        return TurnStart(
            turn=turn, model=None, messages=[], turns_left=turns_left(turn.conversation), replay=True
        )
    if turn.status == Turn.Status.STREAMING:
        raise TurnInProgress(_("This turn was already sent and its answer is still coming (another tab?)."))
    raise AttackRejected(_("This answer broke off. Ask again with the retry button."))


def _turn_check_can_send(conversation: Conversation, author: AbstractBaseUser) -> None:
    _conversation_check_author(conversation, author)
    if conversation.status != Conversation.Status.OPEN:
        raise AttackRejected(_("This conversation is over: start a new one."))
    _campaign_check_open(conversation.campaign)


def _text_check(text: str) -> str:
    text = (text or "").replace("\x00", "")
    if not text.strip():
        raise AttackRejected(_("Write something before sending."), field="text")
    if len(text) > TURN_MAX_CHARS:
        raise AttackRejected(
            _("A turn may be at most %(limit)s characters; this one has %(length)s.")
            % {"limit": TURN_MAX_CHARS, "length": len(text)},
            field="text",
        )
    return text


def _conversation_locked(conversation_id: int) -> Conversation:
    # The conversation's row only: FOR UPDATE would otherwise lock the joined campaign and model
    # rows too, and every author's turn would wait for every other's (and for each submit).
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("campaign", "target")
        .get(pk=conversation_id)
    )


def _turn_break_if_stale(turn: Turn) -> None:
    if turn.status == Turn.Status.STREAMING and turn.started_at < timezone.now() - timedelta(
        seconds=TURN_STREAM_STALE_S
    ):
        turn_break(turn=turn, answer=turn.answer, error="stale: no server finished this answer")
        turn.status = Turn.Status.BROKEN


def turn_begin(
    *, conversation: Conversation, author: AbstractBaseUser, text: str, request_key: uuid.UUID
) -> TurnStart:
    """The author's next turn, STREAMING until its answer is stored. The same request_key again
    sends nothing: a DONE turn's answer is replayed; a STREAMING one is refused as in progress."""
    try:
        return _turn_begin(conversation=conversation, author=author, text=text, request_key=request_key)
    except IntegrityError:
        # The key is another conversation's turn (a form of another page, or tampered with): the
        # unique key refused the row, and nothing of this call was stored.
        sent = Turn.objects.select_related("conversation").filter(request_key=request_key).first()
        if sent is None:
            raise
        return _same_request(sent, author)


@transaction.atomic
def _turn_begin(
    *, conversation: Conversation, author: AbstractBaseUser, text: str, request_key: uuid.UUID
) -> TurnStart:
    conversation = _conversation_locked(conversation.pk)
    # The key is looked for among this conversation's turns only, which a turn needs read anyway.
    turns = list(conversation.turns.order_by("position"))
    sent = next((turn for turn in turns if turn.request_key == request_key), None)
    if sent is not None:
        sent.conversation = conversation
        return _same_request(sent, author)
    _turn_check_can_send(conversation, author)
    text = _text_check(text)
    if turns:
        _turn_break_if_stale(turns[-1])
    if turns and turns[-1].status == Turn.Status.STREAMING:
        raise TurnInProgress(_("Wait for the answer to your last turn before writing the next."))
    if turns and turns[-1].status == Turn.Status.BROKEN:
        raise AttackRejected(_("The last answer broke off: ask again or start over."))
    if len(turns) >= conversation.campaign.max_turns:
        raise AttackRejected(
            _("This conversation has had its %(turns)s turns: submit it or start over.")
            % {"turns": conversation.campaign.max_turns}
        )
    turn = Turn.objects.create(
        conversation=conversation, position=len(turns) + 1, request_key=request_key, text=text
    )
    return _turn_start(
        turn, conversation, _request_messages([t for t in turns if t.status == Turn.Status.DONE], text)
    )


@transaction.atomic
def turn_retry(*, turn: Turn, author: AbstractBaseUser, request_key: uuid.UUID) -> TurnStart:
    """Ask again for the answer of a broken last turn, as one new request on the same row."""
    conversation = _conversation_locked(turn.conversation_id)
    sent = Turn.objects.select_related("conversation").filter(request_key=request_key).first()
    if sent is not None:
        return _same_request(sent, author)
    turn = Turn.objects.select_for_update().get(pk=turn.pk)
    _turn_check_can_send(conversation, author)
    _turn_break_if_stale(turn)
    if turn.status != Turn.Status.BROKEN:
        raise AttackRejected(_("Only an answer that broke off can be asked for again."))
    if conversation.turns.filter(position__gt=turn.position).exists():
        raise AttackRejected(_("Only the last turn's answer can be asked for again."))
    turn.request_key = request_key
    turn.status = Turn.Status.STREAMING
    turn.answer = turn.error = turn.finish_reason = ""
    turn.prompt_tokens = turn.completion_tokens = turn.cost = None
    turn.first_token_ms = turn.latency_ms = None
    turn.key_redacted = False
    turn.started_at = timezone.now()
    turn.finished_at = None
    turn.save()
    turn.conversation = conversation
    return _turn_start(turn, conversation, turn_request_messages(turn))


def _turn_start(turn: Turn, conversation: Conversation, messages: list[dict[str, str]]) -> TurnStart:
    # The turn is the conversation's last: what is left after it follows from its position.
    return TurnStart(
        turn=turn,
        model=conversation.target,
        messages=messages,
        turns_left=max(0, conversation.campaign.max_turns - turn.position),
    )


def _clean(text: str) -> str:
    # PostgreSQL text cannot hold NUL.
    return text.replace("\x00", "\ufffd")


def turn_finish(*, turn: Turn, answer: str, end: StreamEnd, cost: Decimal | None) -> bool:
    """Store a whole answer; False when the request is no longer this turn's (nothing stored)."""
    return bool(
        Turn.objects.filter(pk=turn.pk, request_key=turn.request_key, status=Turn.Status.STREAMING).update(
            status=Turn.Status.DONE,
            answer=_clean(answer),
            finish_reason=end.finish_reason,
            prompt_tokens=end.prompt_tokens,
            completion_tokens=end.completion_tokens,
            cost=cost,
            first_token_ms=end.first_token_ms,
            latency_ms=end.latency_ms,
            key_redacted=end.key_redacted,
            finished_at=timezone.now(),
        )
    )


def turn_break(*, turn: Turn, answer: str, error: str, key_redacted: bool = False) -> bool:
    """A broken answer: what arrived of it and why it stopped. The author may ask again."""
    return bool(
        Turn.objects.filter(pk=turn.pk, request_key=turn.request_key, status=Turn.Status.STREAMING).update(
            status=Turn.Status.BROKEN,
            answer=_clean(answer),
            error=_clean(error)[:2000],
            key_redacted=key_redacted,
            finished_at=timezone.now(),
        )
    )


def turn_request_messages(turn: Turn) -> list[dict[str, str]]:
    """The conversation up to this turn, as chat messages ending in its user turn."""
    earlier = turn.conversation.turns.filter(position__lt=turn.position, status=Turn.Status.DONE)
    return _request_messages(earlier.order_by("position"), turn.text)


def _request_messages(answered: Iterable[Turn], text: str) -> list[dict[str, str]]:
    messages: list[dict[str, str]] = []
    for earlier in answered:
        messages += [
            {"role": "user", "content": earlier.text},
            {"role": "assistant", "content": earlier.answer},
        ]
    messages.append({"role": "user", "content": text})
    return messages


def turns_left(conversation: Conversation) -> int:
    return max(0, conversation.campaign.max_turns - conversation.turns.count())


# ---------------------------------------------------------------- streaming


@dataclass(frozen=True)
class TurnDone:
    answer: str
    turns_left: int


@dataclass(frozen=True)
class TurnBroken:
    message: str


class _LoopResources:
    """The HTTP connection pool, the limiter's Redis client and its heartbeat, one per event loop
    (uvicorn runs one per process): a turn must not pay for new connections."""

    def __init__(self) -> None:
        self.session = chat_session()
        self.limiter = ConcurrencyLimiter(settings.GENERATION_LIMITER_REDIS_URL or None)
        self._ready = asyncio.Lock()
        self._heartbeat: asyncio.Future[None] | None = None

    async def ready(self) -> _LoopResources:
        async with self._ready:
            if self._heartbeat is None:
                await self.limiter.__aenter__()
                self._heartbeat = asyncio.ensure_future(self._beat())
        return self

    async def _beat(self) -> None:
        # Slots held by long answers are renewed like a generation worker's, so that only a dead
        # process's slots lapse.
        while True:
            await asyncio.sleep(settings.GENERATION_HEARTBEAT_S)
            with contextlib.suppress(Exception):
                await self.limiter.refresh()


_resources: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopResources] = weakref.WeakKeyDictionary()


async def _loop_resources() -> _LoopResources:
    loop = asyncio.get_running_loop()
    if loop not in _resources:
        _resources[loop] = _LoopResources()
    return await _resources[loop].ready()


def _provider_message(error: ProviderError) -> str:
    if error.kind.startswith("http_"):
        return _("The model's server refused the request (HTTP %(status)s). You may ask again.") % {
            "status": error.kind.removeprefix("http_")
        }
    if error.kind in {"missing_api_key", "api_key_env_refused"}:
        return _("The model cannot be reached: its key is not set up. Tell the campaign's admins.")
    return _("The answer broke off before its end. You may ask again.")


async def turn_stream(start: TurnStart) -> AsyncIterator[StreamDelta | TurnDone | TurnBroken]:
    """A turn's answer as it comes from the target model, stored when it ends or breaks. The
    request holds a slot of the model's concurrency limit (the one generation workers share) for
    its whole length. A reader that goes away (the generator is closed or its task cancelled)
    stops the request and leaves the turn broken, for the author to ask again."""
    turn = start.turn
    if start.replay:
        if turn.answer:
            yield StreamDelta(turn.answer)
        yield TurnDone(answer=turn.answer, turns_left=start.turns_left)
        return
    model, messages = start.model, start.messages
    assert model is not None
    parts: list[str] = []
    ended = False
    try:
        api_key = api_key_for(model.api_key_env)
        params = model.generation_params()
        body = chat_request_body(params, messages, seed=sample_seed(params, 0))
        resources = await _loop_resources()
        async with resources.limiter.slot(
            f"model:{model.pk}", limit=model.max_concurrency, lease_s=settings.GENERATION_CLAIM_STALE_S
        ):
            events = chat_stream(
                resources.session,
                base_url=model.base_url,
                api_key=api_key,
                body=body,
                timeout_s=model.timeout_s,
                every_s=ANSWER_TEXT_EVERY_S,
            )
            # Closed here, not when collected: closing it is what stops the request upstream.
            async with contextlib.aclosing(events):
                async for event in events:
                    if isinstance(event, StreamDelta):
                        parts.append(event.text)
                        yield event
                    else:
                        end = event
        answer = "".join(parts)
        cost = model.cost_of(end.prompt_tokens or 0, end.completion_tokens or 0)
        await database_sync_to_async(turn_finish)(turn=turn, answer=answer, end=end, cost=cost)
        ended = True
        yield TurnDone(answer=answer, turns_left=start.turns_left)
    except ProviderError as error:
        ended = True
        await database_sync_to_async(turn_break)(
            turn=turn,
            answer="".join(parts),
            error=f"{error.kind}: {error.message}",
            key_redacted=error.key_redacted,
        )
        yield TurnBroken(message=_provider_message(error))
    except Exception as error:
        # Ours, not the model's (the limiter's Redis, the database): the author is told the answer
        # broke off, the turn stays askable, and the cause goes to the log.
        logger.exception("attack turn %s failed", turn.pk)
        ended = True
        await database_sync_to_async(turn_break)(
            turn=turn, answer="".join(parts), error=f"internal: {error.__class__.__name__}"
        )
        yield TurnBroken(message=_("The answer broke off before its end. You may ask again."))
    finally:
        if not ended:
            # The reader went away (or this process is stopping): the request was stopped with it.
            await database_sync_to_async(turn_break)(
                turn=turn, answer="".join(parts), error="stopped: the page that asked went away"
            )
