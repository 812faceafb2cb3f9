"""Gateway overhead under load: concurrent clients against alu in front of a fake upstream with fixed latency.

The same load generator runs against the fake upstream directly and through `alu serve` in several setups, in
interleaved rounds (so drift from other processes hits every setup alike). Reported per setup: latency p50/p99,
the overhead (alu minus direct, p50 and p99), errors, and the CPU time each process spent per request, read from
/proc/<pid>/stat before and after the measured rounds. alu's CPU per request does not depend on how loaded the
machine is; the latency overhead does (on a small machine the load generator, the upstream and alu share cores).

Every answer of the fake upstream mentions no target, so alu takes its fast path (no agent is called). Each
request carries a distinct question, and each answer ends with its own number, so no cache can serve the texts
that alu screens. The registered targets carry knowledge (ten generated facts each, as the registry benchmark's
distractors), so with embeddings every request is encoded and looked up in the vector store (no shared word is
needed for a knowledge match); with --no-embeddings screening ends at the mention and word lookups.

The load generator is deliberately light: raw HTTP/1.1 over one keep-alive asyncio connection per client. By
default the clients start evenly spread over one upstream latency, as independent users arrive; with a fixed
upstream latency, clients started together would stay in lockstep, and every request of a round would queue behind
the others at alu (--arrivals burst measures that worst case).

    python benchmarks/gateway_load.py [--clients 64] [--requests 5] [--rounds 4] [--latency-ms 300 50]
                                      [--targets 100] [--workers 2] [--arrivals spread|burst] [--baseline DIR]

--baseline DIR also runs every alu setup from another checkout of alu (say `git worktree add DIR <commit>`), in
the same interleaved rounds: a change measured side by side with the code before it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from server_helpers import ADMIN_KEY, ROOT, Process, control, start_fake_upstream, start_gateway  # noqa: E402

from benchmarks.screening_data import generated_knowledge  # noqa: E402

SYSTEM = "You are a helpful assistant."
DESCRIPTION = "a fictitious author number {i}"
_counter = itertools.count()


def request_bytes(host: str, port: int) -> bytes:
    """One chat request; the system turn makes the direct request the one alu itself sends upstream."""
    body = json.dumps({"model": "bench", "max_tokens": 64, "messages": [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Why is the sky blue? (question {next(_counter)})"}]}).encode()
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nhost: {host}:{port}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes) -> bool:
    """Send one request on a keep-alive connection; True for a 200 with an answer."""
    writer.write(payload)
    status = await reader.readline()
    length, close = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    body = await reader.readexactly(length)
    if close:
        raise ConnectionResetError("server closed the connection")
    return status.split(b" ", 2)[1] == b"200" and bool(json.loads(body)["choices"][0]["message"]["content"])


async def load(port: int, clients: int, per_client: int, spread_s: float = 0.0) -> tuple[list[float], int]:
    """Latencies (s) of clients x per_client sequential requests over keep-alive connections, and the errors.
    Client i sends its first request i/clients of spread_s after the first client (0: all at once)."""
    latencies: list[float] = []
    errors = 0

    async def client(index: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await asyncio.sleep(index * spread_s / clients)
        try:
            for _ in range(per_client):
                payload = request_bytes("127.0.0.1", port)
                started = time.perf_counter()
                try:
                    ok = await exchange(reader, writer, payload)
                except (OSError, asyncio.IncompleteReadError, ValueError, KeyError, IndexError) as exc:
                    ok = False
                    if not errors:
                        print(f"first error at port {port}: {exc!r}", file=sys.stderr)
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                latencies.append(time.perf_counter() - started)
                errors += not ok
        finally:
            writer.close()

    await asyncio.gather(*(client(index) for index in range(clients)))
    return latencies, errors


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (all its threads) and of its live child processes (--workers) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") + sum(cpu_seconds(int(c)) for c in children)


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Setup:
    label: str
    port: int
    server: Process | None  # None: the upstream itself
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    server_cpu: float = 0.0
    upstream_cpu: float = 0.0
    client_cpu: float = 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--requests", type=int, default=5, help="sequential requests per client and round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[300.0, 50.0],
                        help="fixed latencies of the fake upstream; one table each")
    parser.add_argument("--targets", type=int, default=100, help="registry size for the setups with targets")
    parser.add_argument("--workers", type=int, default=2, help="also run the empty and the embeddings setups with "
                        "this many worker processes (alu serve --workers; 1: not)")
    parser.add_argument("--arrivals", choices=["spread", "burst"], default="spread",
                        help="spread: the clients start evenly over one upstream latency, like independent users; "
                        "burst: all at once, so they stay in lockstep (every request of a round arrives together)")
    parser.add_argument("--baseline", type=Path, help="another alu checkout whose alu serve runs every setup too")
    args = parser.parse_args()
    for latency in args.latency_ms:
        run(args, latency)


def run(args: argparse.Namespace, latency_ms: float) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="alu-bench-"))
    variants = [("empty registry", (), False), (f"{args.targets} targets with knowledge, embeddings", (), True),
                (f"{args.targets} targets with knowledge, --no-embeddings", ("--no-embeddings",), True)]
    if args.workers > 1:
        many = ("--workers", str(args.workers))
        variants += [(f"empty registry, {args.workers} workers", many, False),
                     (f"{args.targets} targets with knowledge, embeddings, {args.workers} workers", many, True)]
    upstream = start_fake_upstream(tmp, latency_ms)
    control(upstream, vary=True)
    setups = [Setup("direct to upstream", upstream.port, None)]
    try:
        roots = [("alu", ROOT)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
        for index, (label, options, with_targets) in enumerate(variants):
            for name, root in roots:
                server = start_gateway(tmp, "--db", str(tmp / f"{name}-{index}.db"), "--base-url", upstream.url + "/v1",
                                       "--model-map", "bench=fake-upstream-model", *options,
                                       env={"ALU_ADMIN_KEY": ADMIN_KEY}, root=root)
                setups.append(Setup(f"{name}, {label}", server.port, server))
                if with_targets:
                    add_targets(server.url, args.targets)
        for setup in setups:
            asyncio.run(load(setup.port, args.clients, 2))  # warm up connections, threads and caches
        spread_s = latency_ms / 1000 if args.arrivals == "spread" else 0.0
        for _ in range(args.rounds):
            for setup in setups:
                measure(setup, upstream, args, spread_s)
    finally:
        for setup in setups[1:]:
            setup.server.stop()
        upstream.stop()
    report(setups, args, latency_ms)


def measure(setup: Setup, upstream: Process, args: argparse.Namespace, spread_s: float) -> None:
    """One round of load against one setup, with the CPU time of every process involved."""
    pids = [upstream.proc.pid] + ([setup.server.proc.pid] if setup.server else [])
    before = [cpu_seconds(pid) for pid in pids] + [own_cpu_seconds()]
    latencies, errors = asyncio.run(load(setup.port, args.clients, args.requests, spread_s))
    after = [cpu_seconds(pid) for pid in pids] + [own_cpu_seconds()]
    spent = [b - a for a, b in zip(before, after, strict=True)]
    setup.latencies += latencies
    setup.errors += errors
    setup.upstream_cpu += spent[0]
    setup.client_cpu += spent[-1]
    if setup.server:
        setup.server_cpu += spent[1]


def add_targets(url: str, count: int) -> None:
    """count targets, each with a description and ten generated facts."""
    headers, facts = {"Authorization": f"Bearer {ADMIN_KEY}"}, random.Random(5)
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        for i in range(count):
            name = f"Person{i} Surname{i}"
            body = {"name": name, "description": DESCRIPTION.format(i=i),
                    "knowledge": list(generated_knowledge(name, facts))}
            http.post("/v1/unlearning/targets", json=body).raise_for_status()


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def report(setups: list[Setup], args: argparse.Namespace, latency_ms: float) -> None:
    direct = setups[0]
    direct_p50, direct_p99 = pct(direct.latencies, 50), pct(direct.latencies, 99)
    print(f"{args.clients} concurrent clients x {args.requests} requests x {args.rounds} rounds, fake upstream latency "
          f"{latency_ms:.0f} ms, arrivals {args.arrivals}; overhead = alu minus direct; CPU = CPU time per request "
          f"of alu, the fake upstream and the load generator\n")
    print(f"{'setup':<62} {'reqs':>5} {'err':>4} {'p50 ms':>8} {'p99 ms':>8} {'overhead p50':>13} "
          f"{'overhead p99':>13} {'alu CPU ms':>11} {'upstr CPU ms':>13} {'load CPU ms':>12}")
    for setup in setups:
        n = len(setup.latencies)
        p50, p99 = pct(setup.latencies, 50), pct(setup.latencies, 99)
        over = f"{'':>13} {'':>13} {'':>11}" if setup.server is None else (
            f"{p50 - direct_p50:>13.1f} {p99 - direct_p99:>13.1f} {setup.server_cpu / n * 1000:>11.2f}")
        print(f"{setup.label:<62} {n:>5} {setup.errors:>4} {p50:>8.1f} {p99:>8.1f} {over} "
              f"{setup.upstream_cpu / n * 1000:>13.2f} {setup.client_cpu / n * 1000:>12.2f}")
    print()


if __name__ == "__main__":
    main()
