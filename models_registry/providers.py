"""HTTP clients for the models under test. One protocol covers them all: OpenAI chat completions
(OpenAI, vLLM, Ollama, llama.cpp's server, TGI, LM Studio, xllamacpp).

Plain HTTP clients rather than the openai SDK: our own retry policy (the SDK's would stack on top
of it), and errors classified the way the pipeline needs them. The generation engine sends its
requests with aiohttp: on the benchmark's stub it spends about 0.3 ms of CPU per request against
httpx's 1.0–1.1 ms, and a worker's CPU is what bounds how many answers per second it stores.
The one-off connection test stays on httpx's simpler synchronous client.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import httpx

RETRYABLE_STATUS = {408, 409, 429} | set(range(500, 600))


@dataclass(frozen=True)
class ChatResult:
    text: str
    finish_reason: str
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: int
    # The answer held the request's own key, now replaced by KEY_MARK.
    key_redacted: bool = False


class ProviderError(Exception):
    """A failed request; `retryable` says whether trying again may help."""

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        key_redacted: bool = False,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after
        # What the endpoint said held the request's own key, now replaced by KEY_MARK.
        self.key_redacted = key_redacted


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


API_KEY_ENV_PREFIX = "VALUELENS_KEY_"
REASON_MAX_CHARS = 120
KEY_MARK = "[key]"
# Shorter values are the placeholders local servers take ("EMPTY", "ollama"), no secret: replacing
# them would mangle answers that happen to hold the word.
KEY_MIN_CHARS = 8
_BEARER_TOKEN = re.compile(r"(\bBearer\s+)(?!\[key\])[^\s\"',;<>]+", re.IGNORECASE)


def key_redact(text: str, key: str | None) -> tuple[str, bool]:
    """The text with every occurrence of the key replaced, and whether there was one."""
    if not key or len(key) < KEY_MIN_CHARS or key not in text:
        return text, False
    return text.replace(key, KEY_MARK), True


def secrets_redact(text: str, keys: list[str]) -> str:
    """Every one of the keys, and any bearer token, replaced: for text that may hold anyone's key."""
    for key in keys:
        text, _found = key_redact(text, key)
    return _BEARER_TOKEN.sub(rf"\1{KEY_MARK}", text)


def api_key_for(api_key_env: str) -> str | None:
    if not api_key_env:
        return None
    if not api_key_env.startswith(API_KEY_ENV_PREFIX):
        # Registered before the prefix rule, or written around the validation: never read it.
        raise ProviderError(
            "api_key_env_refused",
            f"keys are read only from variables starting with {API_KEY_ENV_PREFIX}",
            retryable=False,
        )
    key = os.environ.get(api_key_env)
    if not key:
        raise ProviderError(
            "missing_api_key", f"environment variable {api_key_env} is not set", retryable=False
        )
    return key


def sample_seed(params: dict[str, Any], sample_index: int) -> int | None:
    """The seed sample k of a prompt is sent with (seed + k, so samples differ): the same for the
    request a run hashes and the one the engine sends."""
    return None if params.get("seed") is None else int(params["seed"]) + sample_index


def chat_request_body(
    params: dict[str, Any], conversation: list[dict[str, str]], *, seed: int | None
) -> dict[str, Any]:
    """The chat request for a prompt's conversation (Prompt.conversation(): its earlier turns, then
    the last user turn), after the run's system prompt if it has one. A conversation that opens
    with a system turn of its own keeps it, after the run's: both were meant to be said."""
    messages = []
    if params.get("system_prompt"):
        messages.append({"role": "system", "content": params["system_prompt"]})
    messages.extend(conversation)
    body: dict[str, Any] = {
        "model": params["model"],
        "messages": messages,
        "temperature": params["temperature"],
        "top_p": params["top_p"],
        "max_tokens": params["max_tokens"],
    }
    if seed is not None:
        body["seed"] = seed
    if params.get("stop"):
        body["stop"] = params["stop"]
    return body


@dataclass(frozen=True)
class _Reply:
    """What the pipeline reads of an HTTP answer, whichever client fetched it."""

    status: int
    reason: str
    headers: Mapping[str, str]  # case-insensitive in both clients
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)

    @classmethod
    def of_httpx(cls, response: httpx.Response) -> _Reply:
        return cls(response.status_code, response.reason_phrase, response.headers, response.content)


def _parse_completion(response: _Reply, latency_ms: int, api_key: str | None) -> ChatResult:
    try:
        data = response.json()
        choice = data["choices"][0]
        text = choice["message"]["content"]
        if not isinstance(text, str):
            raise TypeError("content is not a string")
        usage = data.get("usage") or {}
        # An answer may repeat the request's key (a prompt injection, a hostile endpoint): it is
        # stored, shown to judges and exported, so the key never reaches it.
        text, key_redacted = key_redact(text, api_key)
        return ChatResult(
            text=text,
            finish_reason=str(choice.get("finish_reason") or "")[:32],
            prompt_tokens=_int_or_none(usage.get("prompt_tokens")),
            completion_tokens=_int_or_none(usage.get("completion_tokens")),
            latency_ms=latency_ms,
            key_redacted=key_redacted,
        )
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        # What the body was, never what it said: an endpoint may echo the request's key in it.
        content_type = (
            short_reason(response.headers.get("content-type", "").split(";")[0], secret=api_key) or "no type"
        )
        raise ProviderError(
            "malformed_body",
            f"HTTP {response.status} but not a chat completion "
            f"({exc.__class__.__name__}; {content_type}, {len(response.content)} bytes)",
            retryable=False,
        ) from None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def short_reason(text: str, *, secret: str | None = None) -> str:
    """One short line fit to show a person: no control characters, no markup, no key (the
    request's own, or any bearer token)."""
    text = secrets_redact(text, [secret] if secret else [])
    text = re.sub(r"[\x00-\x1f\x7f<>]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:REASON_MAX_CHARS] + ("…" if len(text) > REASON_MAX_CHARS else "")


def _error_reason(response: _Reply) -> str:
    """The provider's own error message (OpenAI's {"error": {"message": …}} and its variants)."""
    try:
        data = response.json()
    except ValueError:
        return ""
    error = data.get("error", data) if isinstance(data, dict) else None
    if isinstance(error, str):
        return error
    if isinstance(error, dict):
        for field in ("message", "detail", "type", "code"):
            if isinstance(error.get(field), str):
                return error[field]
    return ""


def _status_error(response: _Reply, api_key: str | None) -> ProviderError:
    """Status, reason phrase and the provider's short error message: never the body or a header.
    The reason phrase is the endpoint's own text as much as the message is, and is cleaned alike."""
    status = response.status
    said = _error_reason(response)
    reason = short_reason(said, secret=api_key)
    phrase = short_reason(response.reason, secret=api_key)
    message = f"HTTP {status} {phrase}".strip()
    return ProviderError(
        f"http_{status}",
        f"{message}: {reason}" if reason else message,
        retryable=status in RETRYABLE_STATUS,
        retry_after=retry_after_seconds(response.headers.get("retry-after")),
        key_redacted=key_redact(f"{response.reason}\n{said}", api_key)[1],
    )


def _connection_error(exc: httpx.TransportError | aiohttp.ClientError, api_key: str | None) -> ProviderError:
    return ProviderError(
        "connection",
        f"{exc.__class__.__name__}: {short_reason(str(exc), secret=api_key)}",
        retryable=True,
        key_redacted=key_redact(str(exc), api_key)[1],
    )


def _headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def chat_session() -> aiohttp.ClientSession:
    """The generation engine's connection pool (one per event loop): no limit of its own, since
    each model's limiter decides how many requests are in flight, and no cookies kept between
    requests or models."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar(), trust_env=True
    )


async def chat_complete(
    session: aiohttp.ClientSession,
    *,
    base_url: str,
    api_key: str | None,
    body: dict[str, Any],
    timeout_s: float,
) -> ChatResult:
    started = time.perf_counter()
    try:
        async with session.post(
            f"{base_url.rstrip('/')}/chat/completions",
            json=body,
            headers=_headers(api_key),
            timeout=aiohttp.ClientTimeout(total=timeout_s, connect=min(10.0, timeout_s)),
        ) as response:
            reply = _Reply(response.status, response.reason or "", response.headers, await response.read())
    except TimeoutError as exc:
        raise ProviderError(
            "timeout", f"no answer within {timeout_s:g} s ({exc.__class__.__name__})", retryable=True
        ) from None
    except aiohttp.ClientError as exc:
        raise _connection_error(exc, api_key) from None
    latency_ms = int((time.perf_counter() - started) * 1000)
    if reply.status >= 400:
        raise _status_error(reply, api_key)
    return _parse_completion(reply, latency_ms, api_key)


def connection_test(*, base_url: str, model_id: str, api_key_env: str, timeout_s: float = 30) -> ChatResult:
    """Send one tiny chat request and return its answer, or raise ProviderError."""
    body = {"model": model_id, "messages": [{"role": "user", "content": "Say OK."}], "max_tokens": 8}
    api_key = api_key_for(api_key_env)
    started = time.perf_counter()
    try:
        response = httpx.post(
            f"{base_url.rstrip('/')}/chat/completions",
            json=body,
            headers=_headers(api_key),
            timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
        )
    except httpx.TimeoutException:
        raise ProviderError("timeout", f"no answer within {timeout_s:g} s", retryable=True) from None
    except httpx.TransportError as exc:
        raise _connection_error(exc, api_key) from None
    reply = _Reply.of_httpx(response)
    if reply.status >= 400:
        raise _status_error(reply, api_key)
    return _parse_completion(reply, int((time.perf_counter() - started) * 1000), api_key)


# ---------------------------------------------------------------- streaming


@dataclass(frozen=True)
class StreamDelta:
    """The next piece of a streamed answer, key already replaced."""

    text: str


@dataclass(frozen=True)
class StreamEnd:
    """A streamed answer ended with [DONE]: why the model stopped, and what it used."""

    finish_reason: str
    prompt_tokens: int | None
    completion_tokens: int | None
    first_token_ms: int | None
    latency_ms: int
    key_redacted: bool


class StreamKeyRedactor:
    """Replaces the request's key in text that arrives in pieces: a piece may end with the start
    of the key and the next one hold its rest, so the end of what came that could begin the key
    (at most len(key) - 1 characters, usually none) waits for the next piece before it goes out."""

    def __init__(self, key: str | None) -> None:
        self._key = key if key and len(key) >= KEY_MIN_CHARS else None
        self._held = ""
        self.found = False

    def feed(self, text: str) -> str:
        if self._key is None:
            return text
        text, found = key_redact(self._held + text, self._key)
        self.found |= found
        hold = _key_start_at_end(text, self._key)
        self._held = text[len(text) - hold :]
        return text[: len(text) - hold]

    def flush(self) -> str:
        """What was held back, at the end of an answer that ended normally."""
        held, self._held = self._held, ""
        return held


def _key_start_at_end(text: str, key: str) -> int:
    """The length of the longest end of the text that is the beginning of the key (not all of it)."""
    at = text.find(key[0], max(0, len(text) - len(key) + 1))
    while at != -1:
        if key.startswith(text[at:]):
            return len(text) - at
        at = text.find(key[0], at + 1)
    return 0


def _stream_chunk(data: bytes, api_key: str | None) -> tuple[str, str, dict[str, Any]]:
    """One `data:` payload of an OpenAI stream: its text delta, finish reason and usage."""
    try:
        chunk = json.loads(data)
        if not isinstance(chunk, dict):
            raise TypeError("a chunk is not an object")
        if chunk.get("error"):
            error = chunk["error"]
            said = error.get("message", "") if isinstance(error, dict) else str(error)
            raise ProviderError(
                "stream_error",
                f"the endpoint reported an error mid-stream: {short_reason(str(said), secret=api_key)}",
                retryable=False,
                key_redacted=key_redact(str(said), api_key)[1],
            )
        choices = chunk.get("choices") or []
        if not isinstance(choices, list):
            raise TypeError("choices is not a list")
        delta, finish_reason = "", ""
        if choices:
            choice = choices[0]
            content = (choice.get("delta") or {}).get("content")
            if content is not None and not isinstance(content, str):
                raise TypeError("content is not a string")
            delta = content or ""
            finish_reason = str(choice.get("finish_reason") or "")[:32]
        usage = chunk.get("usage") or {}
        if not isinstance(usage, dict):
            raise TypeError("usage is not an object")
        return delta, finish_reason, usage
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        # What the chunk was, never what it said (it may echo the key).
        raise ProviderError(
            "malformed_chunk",
            f"a stream chunk is not a chat completion chunk ({exc.__class__.__name__}, {len(data)} bytes)",
            retryable=False,
        ) from None


def _sse_data(line: bytes) -> bytes | None:
    """The payload of a `data:` line of a server-sent event stream; None for any other line."""
    line = line.rstrip(b"\r")
    if not line.startswith(b"data:"):
        return None
    data = line[5:]
    return data[1:] if data.startswith(b" ") else data


async def chat_stream(
    session: aiohttp.ClientSession,
    *,
    base_url: str,
    api_key: str | None,
    body: dict[str, Any],
    timeout_s: float,
    every_s: float = 0.0,
) -> AsyncIterator[StreamDelta | StreamEnd]:
    """Send one streamed chat request (`stream: true`) and yield the answer's text as it comes,
    then a StreamEnd once the endpoint says [DONE]; raise ProviderError otherwise. A stream that
    stops before [DONE] is `broken`. Sent once: nothing here tries again, since the author sees the
    answer as it comes and decides whether to ask again. Closing the generator (a reader that went
    away) closes the connection, which stops the request upstream.

    `every_s` paces the reading: after yielding text, the next read waits until that long since,
    and then takes everything that arrived meanwhile as one piece. A model sends a chunk per token
    (20 to 50 a second); waking for each cost more CPU than everything else a streamed turn does,
    while a page that sees the answer grow 20 times a second looks the same. The first text comes
    at once, and so does everything after the end of the answer (its finish reason) is seen."""
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    request = {**body, "stream": True, "stream_options": {"include_usage": True}}
    redactor = StreamKeyRedactor(api_key)
    first_token_ms: int | None = None
    received = 0
    answering = False
    try:
        async with session.post(
            f"{base_url.rstrip('/')}/chat/completions",
            json=request,
            headers=_headers(api_key),
            # No total: a long answer may take minutes; each wait for the next bytes is bounded.
            timeout=aiohttp.ClientTimeout(total=None, connect=min(10.0, timeout_s), sock_read=timeout_s),
        ) as response:
            if response.status >= 400:
                reply = _Reply(
                    response.status, response.reason or "", response.headers, await response.read()
                )
                raise _status_error(reply, api_key)
            if "text/event-stream" not in response.headers.get("content-type", ""):
                # A server that ignores `stream` answers with one whole completion.
                reply = _Reply(
                    response.status, response.reason or "", response.headers, await response.read()
                )
                result = _parse_completion(reply, int((time.perf_counter() - started) * 1000), api_key)
                if result.text:
                    yield StreamDelta(result.text)
                yield StreamEnd(
                    finish_reason=result.finish_reason,
                    prompt_tokens=result.prompt_tokens,
                    completion_tokens=result.completion_tokens,
                    first_token_ms=result.latency_ms,
                    latency_ms=result.latency_ms,
                    key_redacted=result.key_redacted,
                )
                return
            answering = True
            finish_reason, usage, done = "", {}, False
            pending = b""
            yielded_at: float | None = None
            try:
                while not done:
                    if every_s and yielded_at is not None and not finish_reason:
                        wait = yielded_at + every_s - loop.time()
                        if wait > 0:
                            await asyncio.sleep(wait)
                    block = await response.content.readany()
                    if not block:
                        break
                    pending += block
                    *lines, pending = pending.split(b"\n")
                    pieces: list[str] = []
                    faulty: ProviderError | None = None
                    for line in lines:
                        data = _sse_data(line)
                        if data is None or not data.strip():
                            continue
                        if data.strip() == b"[DONE]":
                            done = True
                            break
                        try:
                            delta, reason, chunk_usage = _stream_chunk(data, api_key)
                        except ProviderError as error:
                            # The text before the faulty chunk still goes out (and is kept).
                            faulty = error
                            break
                        finish_reason = reason or finish_reason
                        usage = chunk_usage or usage
                        pieces.append(redactor.feed(delta))
                        received += len(delta)
                    piece = "".join(pieces)
                    if piece:
                        if first_token_ms is None:
                            first_token_ms = int((time.perf_counter() - started) * 1000)
                        yield StreamDelta(piece)
                        yielded_at = loop.time()
                    if faulty is not None:
                        raise faulty
            finally:
                if not done:
                    # An unread answer must not go back to the pool: closing it stops the request.
                    response.close()
            if not done:
                raise ProviderError(
                    "broken",
                    f"the stream ended before [DONE] after {received} characters",
                    retryable=False,
                    key_redacted=redactor.found,
                )
            rest = redactor.flush()
            if rest:
                if first_token_ms is None:
                    first_token_ms = int((time.perf_counter() - started) * 1000)
                yield StreamDelta(rest)
            yield StreamEnd(
                finish_reason=finish_reason,
                prompt_tokens=_int_or_none(usage.get("prompt_tokens")),
                completion_tokens=_int_or_none(usage.get("completion_tokens")),
                first_token_ms=first_token_ms,
                latency_ms=int((time.perf_counter() - started) * 1000),
                key_redacted=redactor.found,
            )
    except TimeoutError as exc:
        raise ProviderError(
            "broken" if answering else "timeout",
            f"no data within {timeout_s:g} s ({exc.__class__.__name__}) after {received} characters",
            retryable=False,
        ) from None
    except aiohttp.ClientError as exc:
        if not answering:
            raise _connection_error(exc, api_key) from None
        raise ProviderError(
            "broken",
            f"the stream broke off after {received} characters ({exc.__class__.__name__})",
            retryable=False,
        ) from None
