"""Attack authoring under load, driven the way the page drives it: uvicorn serving config.asgi (one
process, as the quickstart runs it) on 127.0.0.1, PostgreSQL, sessions in Redis, and simulated
authors over HTTP against one open attack campaign whose one target is the stub server (a process
of its own, streaming 100 tokens over 2 s for every turn: each turn's text carries [[stream-slow]],
since the stub has no flag that makes every stream slow).

Each author starts a conversation (POST attack_start), then writes 3 turns: POSTs the turn to the
stream endpoint with a fresh request key, reads the server-sent events to `done`, pauses 2 s; then
submits the attack (the page's submit form: a fresh submit_key, a label, the campaign's scenario)
and starts the next conversation, for 120 s. Turns under way when the time is up are read to their
end; a conversation cut short by the time is not submitted. The redirects to the page that
attack_start and the submit answer with are not followed: the page's render is not measured here.

The stub's own times are measured, not assumed: before the server starts, as many streams as
there are authors go straight to the stub, starting over one pause and one stream's length as the
authors' turns do (twice, on connections a first round opened), with the same body shape; the medians of their time to the first content chunk and to
`data: [DONE]` are the stub's own. A turn's overhead is the author's time (POST sent to the first
`token` event, and to `done`) minus those. The authors run in this process (asyncio), on the
same machine as the server; each reads its new conversation's id from the database (one small
query per conversation, counted in PostgreSQL's CPU below) rather than from the page.

Figures:
  ttft_overhead_p95_ms, done_overhead_p95_ms  as above, p95 over the turns;
  lost            turns sent (answered with a `start` event) whose row is not DONE with the whole
                  answer the stub sent (read from the database at the end);
  requests_sent   requests the stub counted during the run (its GET /stats), against turns_sent;
  server_cpu_ms_per_turn  CPU (utime + stime from /proc) of the uvicorn process and its children
                  and of PostgreSQL's processes for this database (its backends, the WAL writer,
                  background writer and checkpointer), as assignment_load counts it, over the
                  turns done; the split is printed;
  dedup_p95_ms    benchmarks/authoring_dedup.py's near-duplicate check against --dedup-prompts
                  accepted prompts, run after the load in the same database.

Targets (2 cores, probe_s = 0.16 s; time targets scale by probe_s / 0.16): overhead to the first
token p95 <= 50 ms, to the last token p95 <= 100 ms; lost = 0; requests_sent = turns_sent; server
CPU per turn <= 15 ms; near-duplicate check p95 <= 20 ms against 100,000 accepted prompts.

Run: BENCH_BROKER_URL=redis://127.0.0.1:6379/10 BENCH_CACHE_URL=redis://127.0.0.1:6379/11 \
     .venv/bin/python benchmarks/authoring_load.py [--authors 50] [--seconds 120] [--smoke]
--smoke: 3 authors, one conversation each, streams of 0.5 s, 0.3 s pauses, 1,000 dedup prompts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import re
import ssl
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field

import httpx
from _common import (
    DB_PREFIX,
    REPO,
    arguments,
    bench_line,
    django_setup,
    free_port,
    probe_s,
    processes_stop,
    scratch_database,
    stub_start,
    web_server_env,
    web_server_wait,
)
from assignment_load import _count, _cpu_of, load_note, p, sessions_make
from authoring_dedup import dedup_p95_ms

from tests.support.openai_stub import stream_pieces

DB_NAME = "valuelens_bench_authoring_load"
CSRF = "c" * 32
SCENARIO = "crimes"


def campaign_make(*, stub_url: str, authors: int, turns: int) -> tuple[int, int]:
    """An open attack campaign with the stub as its one target; returns it and its scenario."""
    from authoring.models import AuthoringCampaign, ScenarioBrief
    from models_registry.services import model_register
    from prompts.models import Level, PromptSet, Scenario

    target = model_register(
        name="load-target",
        base_url=stub_url,
        model_id="stub-model",
        # Room for every author at once: the limit is not what is measured here.
        max_concurrency=2 * authors,
    )
    campaign = AuthoringCampaign.objects.create(
        name="load",
        kind=AuthoringCampaign.Kind.ATTACK,
        level=Level.SAFETY,
        status=AuthoringCampaign.Status.OPEN,
        prompt_set=PromptSet.objects.create(name="load attacks", source="authoring"),
        max_turns=turns,
        quota_per_person=1_000_000,
        quota_total=1_000_000,
    )
    campaign.targets.set([target])
    scenario = Scenario.objects.get(slug=SCENARIO)
    ScenarioBrief.objects.create(campaign=campaign, scenario=scenario, description="load", quota=1_000_000)
    return campaign.pk, scenario.pk


def stub_answer(turn_text: str, tokens: int) -> str:
    """The whole answer the stub streams to a [[stream-slow]] turn (tests/support/openai_stub.py)."""
    flat = re.sub(r"\s+", " ", turn_text)[:200]
    pieces = stream_pieces(f"Echo: {flat}", None)
    pieces += [f" t{i}" for i in range(len(pieces), tokens)]
    return "".join(pieces)


@dataclass
class Sent:
    request_key: str
    text: str
    first_token_s: float | None = None
    done_s: float | None = None


@dataclass
class Author:
    number: int
    session_key: str

    @property
    def username(self) -> str:
        return f"load-{self.number}"  # as assignment_load.sessions_make names its people

    turns: list[Sent] = field(default_factory=list)
    submitted: int = 0
    errors: list[str] = field(default_factory=list)


async def sse_events(response: httpx.Response):
    name = ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            yield name, line[6:]


async def turn_send(client: httpx.AsyncClient, author: Author, conversation: int, text: str) -> bool:
    """One turn sent as the page sends it and its answer read to the end; False when refused or broken."""
    key = str(uuid.uuid4())
    started = time.perf_counter()
    async with client.stream(
        "POST",
        f"/authoring/stream/conversations/{conversation}/turns/",
        data={"text": text, "request_key": key},
    ) as response:
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            await response.aread()
            author.errors.append(f"turn refused: {response.status_code} {response.text[:120]!r}")
            return False
        sent: Sent | None = None
        async for name, data in sse_events(response):
            if name == "start":
                sent = Sent(key, text)
                author.turns.append(sent)
            elif name == "token" and sent is not None and sent.first_token_s is None:
                sent.first_token_s = time.perf_counter() - started
            elif name == "done" and sent is not None:
                sent.done_s = time.perf_counter() - started
                return True
            elif name == "error":
                author.errors.append(f"turn broke: {data[:120]}")
                return False
    author.errors.append("stream ended without done")
    return False


async def conversation_of(client: httpx.AsyncClient, author: Author, campaign: int) -> int | None:
    """Start (or resume) the author's conversation; its id, which the page it redirects to holds,
    read from the database instead of rendering the page."""
    from asgiref.sync import sync_to_async

    from authoring.models import Conversation

    await client.post(f"/authoring/attack/{campaign}/start/")
    return await sync_to_async(
        Conversation.objects.filter(
            campaign_id=campaign, author__username=author.username, status=Conversation.Status.OPEN
        )
        .values_list("pk", flat=True)
        .first
    )()


_TLS = ssl.create_default_context()


async def author_run(
    base: str,
    author: Author,
    *,
    campaign: int,
    scenario: int,
    turns: int,
    pause: float,
    until: float,
    limit: int,
) -> None:
    async with httpx.AsyncClient(
        # One TLS context for all: each client loading the CA bundle stalled this loop for a second
        # at the start (no request here uses TLS).
        verify=_TLS,
        base_url=base,
        cookies={"sessionid": author.session_key, "csrftoken": CSRF},
        headers={"X-CSRFToken": CSRF, "Referer": base + "/"},
        timeout=60,
    ) as client:
        # People do not start in the same millisecond: spread the first requests over one pause.
        await asyncio.sleep(random.uniform(0, pause))
        conversations = 0
        while time.monotonic() < until and (not limit or conversations < limit):
            conversation = await conversation_of(client, author, campaign)
            if conversation is None:
                author.errors.append("no conversation started")
                return
            conversations += 1
            finished = True
            for position in range(1, turns + 1):
                if time.monotonic() >= until:
                    finished = False
                    break
                text = f"[[stream-slow]] author {author.number} conversation {conversations} turn {position}"
                if not await turn_send(client, author, conversation, text):
                    return
                await asyncio.sleep(pause)
            if not finished:
                return
            answer = await client.post(
                f"/authoring/attack/conversations/{conversation}/submit/",
                data={
                    "submit_key": str(uuid.uuid4()),
                    "author_says_harmful": "no",
                    "scenario": str(scenario),
                },
            )
            # The answer is a redirect either way (a refusal is a message on the page): what was
            # stored is counted from the database at the end.
            author.submitted += 1
            if answer.status_code != 302:
                author.errors.append(f"submit: {answer.status_code}")


async def stub_own_times(stub_url: str, streams: int, tokens: int, spread_s: float) -> tuple[float, float]:
    """The stub's own time to its first content chunk and to [DONE], `streams` of them starting
    over `spread_s`, as the authors' turns do (all at once, the stub's first chunk came 45 ms late,
    which the load never sees: measured so, the overhead came out below zero)."""

    async def one(client: httpx.AsyncClient, n: int) -> tuple[float, float]:
        await asyncio.sleep(random.uniform(0, spread_s))
        body = {
            "model": "stub-model",
            "stream": True,
            "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": f"[[stream-slow]] baseline {n}"}],
        }
        started = time.perf_counter()
        first = None
        async with client.stream("POST", f"{stub_url}/chat/completions", json=body) as response:
            async for line in response.aiter_lines():
                if line == "data: [DONE]":
                    break
                if first is None and line.startswith("data: "):
                    choices = json.loads(line[6:]).get("choices") or [{}]
                    if choices[0].get("delta", {}).get("content"):
                        first = time.perf_counter() - started
        return first or float("nan"), time.perf_counter() - started

    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=None)) as client:
        # The first round opens the connections; the server's pool keeps its own open likewise.
        await asyncio.gather(*(one(client, n) for n in range(streams)))
        timings: list[tuple[float, float]] = []
        for _ in range(2):
            timings += await asyncio.gather(*(one(client, n) for n in range(streams)))
    return statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)


async def loop_lag_watch(lags: list[float], every_s: float = 0.01) -> None:
    """How late this process's event loop wakes (ms): the authors read their clocks on it."""
    while True:
        due = time.perf_counter() + every_s
        await asyncio.sleep(every_s)
        lags.append(1000 * max(0.0, time.perf_counter() - due))


def postgres_pids() -> list[str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE (datname = %s AND pid <> pg_backend_pid())"
            " OR backend_type IN ('walwriter', 'background writer', 'checkpointer')",
            [DB_PREFIX + DB_NAME],
        )
        return [str(row[0]) for row in cur.fetchall()]


def uvicorn_pids(pid: int) -> list[str]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [str(pid), *children]


def stub_stats(stub_url: str) -> dict:
    return httpx.get(stub_url.removesuffix("/v1") + "/stats", timeout=10).json()


def lost_turns(sent: list[Sent], tokens: int) -> int:
    from authoring.models import Turn

    stored = dict(
        Turn.objects.filter(
            request_key__in=[s.request_key for s in sent], status=Turn.Status.DONE
        ).values_list("request_key", "answer")
    )
    return sum(stored.get(uuid.UUID(s.request_key)) != stub_answer(s.text, tokens) for s in sent)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--authors", type=int, default=50)
    parser.add_argument("--turns", type=int, default=3, help="turns per conversation, then submit")
    parser.add_argument(
        "--pause", type=float, default=2.0, help="seconds between an answer and the next turn"
    )
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument(
        "--conversations", type=int, default=0, help="per author; 0: as many as the time allows"
    )
    parser.add_argument("--stream-tokens", type=int, default=100)
    parser.add_argument("--stream-duration", type=float, default=2.0)
    parser.add_argument("--dedup-prompts", type=int, default=100_000)
    parser.add_argument("--dedup-queries", type=int, default=200)
    args = arguments(
        parser,
        smoke={
            "authors": 3,
            "conversations": 1,
            "seconds": 8,
            "pause": 0.3,
            "stream_duration": 0.5,
            "dedup_prompts": 1000,
            "dedup_queries": 20,
        },
    )

    probe_before = probe_s()
    print(f"probe_s before: {probe_before} ({load_note()})", flush=True)
    db_url = scratch_database(DB_NAME)
    django_setup(db_url)
    stub, stub_url = stub_start(
        "--delay",
        "0",
        "--stream-tokens",
        str(args.stream_tokens),
        "--stream-duration",
        str(args.stream_duration),
    )
    port = free_port()
    server = None
    try:
        campaign, scenario = campaign_make(stub_url=stub_url, authors=args.authors, turns=args.turns)
        authors = [Author(n, key) for n, key in enumerate(sessions_make(args.authors))]
        stub_first_s, stub_done_s = asyncio.run(
            stub_own_times(stub_url, args.authors, args.stream_tokens, args.pause + args.stream_duration)
        )
        print(
            f"the stub's own: first token {1000 * stub_first_s:.1f} ms, [DONE] {1000 * stub_done_s:.0f} ms"
            f" ({args.authors} streams starting over {args.pause + args.stream_duration:.1f} s, median)",
            flush=True,
        )
        # As common/supervisor.py runs the quickstart's web server.
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--timeout-graceful-shutdown",
                "3",
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env=web_server_env(db_url),
        )
        base = f"http://127.0.0.1:{port}"
        web_server_wait(base)
        requests_before = stub_stats(stub_url)["requests_sent"]
        load = load_note()
        web0, db0 = sum(map(_cpu_of, uvicorn_pids(server.pid))), sum(map(_cpu_of, postgres_pids()))
        own0, stub0 = _cpu_of(str(os.getpid())), _cpu_of(str(stub.pid))
        lags: list[float] = []
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        until = time.monotonic() + args.seconds

        async def everyone() -> None:
            watching = asyncio.ensure_future(loop_lag_watch(lags))
            await asyncio.gather(
                *(
                    author_run(
                        base,
                        a,
                        campaign=campaign,
                        scenario=scenario,
                        turns=args.turns,
                        pause=args.pause,
                        until=until,
                        limit=args.conversations,
                    )
                    for a in authors
                )
            )
            watching.cancel()

        asyncio.run(everyone())
        seconds = time.perf_counter() - started
        web_cpu = sum(map(_cpu_of, uvicorn_pids(server.pid))) - web0
        db_cpu = sum(map(_cpu_of, postgres_pids())) - db0
        own_cpu, stub_cpu = _cpu_of(str(os.getpid())) - own0, _cpu_of(str(stub.pid)) - stub0
        requests_sent = stub_stats(stub_url)["requests_sent"] - requests_before
    finally:
        processes_stop(*(proc for proc in (server, stub) if proc is not None), timeout=30)

    sent = [s for a in authors for s in a.turns]
    done = [s for s in sent if s.done_s is not None]
    first_overhead = [1000 * (s.first_token_s - stub_first_s) for s in done if s.first_token_s is not None]
    done_overhead = [1000 * (s.done_s - stub_done_s) for s in done]
    lost = lost_turns(sent, args.stream_tokens)
    submitted = sum(a.submitted for a in authors)
    stored_submissions = _count("SELECT count(*) FROM authoring_submission")
    errors = [e for a in authors for e in a.errors]
    cpu_per_turn = 1000 * (web_cpu + db_cpu) / max(len(done), 1)

    dedup = dedup_p95_ms(args.dedup_prompts, args.dedup_queries)
    probe_after = probe_s()
    probe = round(statistics.median([probe_before, probe_after]), 4)
    scale = probe / 0.16 if probe == probe else 1.0

    print(f"probe_s {probe_before} before, {probe_after} after; time targets scale by {scale:.2f}")
    print(
        f"{args.authors} authors x {seconds:.0f} s ({load} at the start): {len(sent)} turns sent, {len(done)} done,"
        f" {submitted} attacks submitted ({stored_submissions} stored)"
    )
    print(
        f"overhead to the first token: median {statistics.median(first_overhead or [float('nan')]):.1f} ms,"
        f" p95 {p(first_overhead, 95):.1f} ms (target <= {50 * scale:.0f} ms)"
    )
    print(
        f"overhead to the last token: median {statistics.median(done_overhead or [float('nan')]):.1f} ms,"
        f" p95 {p(done_overhead, 95):.1f} ms (target <= {100 * scale:.0f} ms)"
    )
    print(
        f"lost {lost} (target 0); the stub saw {requests_sent} requests for {len(sent)} turns sent (target equal)"
    )
    print(
        f"server CPU per turn {cpu_per_turn:.1f} ms (target <= {15 * scale:.1f} ms): uvicorn"
        f" {1000 * web_cpu / max(len(done), 1):.1f}, PostgreSQL {1000 * db_cpu / max(len(done), 1):.1f}"
    )
    print(
        f"near-duplicate check against {args.dedup_prompts:,} prompts: p95 {dedup['dedup_p95_ms']} ms"
        f" (target <= {20 * scale:.0f} ms), median {dedup['dedup_median_ms']} ms"
    )
    print(
        f"the load's own side: this process (the authors) {own_cpu / seconds:.2f} cores, the stub"
        f" {stub_cpu / seconds:.2f} cores; this process's event loop late by p95 {p(lags, 95):.1f} ms,"
        f" max {max(lags, default=0):.1f} ms (a late loop delays the authors' clocks too)"
    )
    print(f"errors {len(errors)} {errors[:5]}")
    bench_line(
        {
            "name": "authoring_load",
            "turns": len(done),
            "ttft_overhead_p95_ms": round(p(first_overhead, 95), 1),
            "done_overhead_p95_ms": round(p(done_overhead, 95), 1),
            "lost": lost,
            "requests_sent": requests_sent,
            "turns_sent": len(sent),
            "server_cpu_ms_per_turn": round(cpu_per_turn, 1),
            "dedup_p95_ms": dedup["dedup_p95_ms"],
            "probe_s": probe,
        }
    )


if __name__ == "__main__":
    main()
