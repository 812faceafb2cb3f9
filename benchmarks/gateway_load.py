"""Gateway overhead under load: 64 concurrent clients against alu in front of a fake upstream with fixed latency.

The same load runs first against the fake upstream directly, then through `alu serve` in several setups; the
overhead is alu's latency minus the direct latency (p50 and p99), with the errors counted. Every answer of the
fake upstream mentions no target, so alu takes its fast path (no agent is called).

    python benchmarks/gateway_load.py [--clients 64] [--requests 5] [--rounds 4] [--latency-ms 50] [--targets 100]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from server_helpers import ADMIN_KEY, start_fake_upstream, start_gateway  # noqa: E402

# The system turn makes the direct request the one alu itself sends upstream (alu adds its own system prompt).
BODY = {"model": "bench", "max_tokens": 64, "messages": [
    {"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Why is the sky blue?"}]}


async def load(url: str, clients: int, per_client: int) -> tuple[list[float], int]:
    """Latencies (s) of clients x per_client sequential requests, and the number of errors."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:

        async def client() -> None:
            nonlocal errors
            for _ in range(per_client):
                started = time.perf_counter()
                try:
                    response = await http.post("/chat/completions", json=BODY)
                    ok = response.status_code == 200 and response.json()["choices"][0]["message"]["content"]
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    ok, response = False, exc
                if not ok and not errors:
                    print(f"first error at {url}: {str(getattr(response, 'text', response))[:300]}", file=sys.stderr)
                latencies.append(time.perf_counter() - started)
                errors += not ok

        await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, errors


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if q < 100 else max(values) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--requests", type=int, default=5, help="sequential requests per client and round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="fixed latency of the fake upstream")
    parser.add_argument("--targets", type=int, default=100, help="registry size for the setups with targets")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="alu-bench-"))
    setups = [
        ("empty registry", ()),
        (f"{args.targets} targets, embeddings", ()),
        (f"{args.targets} targets, --no-embeddings", ("--no-embeddings",)),
    ]
    processes = [start_fake_upstream(tmp, args.latency_ms)]
    try:
        direct = processes[0].url + "/v1"
        urls = {"direct to upstream": direct}
        for index, (label, options) in enumerate(setups):
            server = start_gateway(tmp, "--db", str(tmp / f"alu-{index}.db"), "--upstream-url", direct,
                                   "--model-map", "bench=fake-upstream-model", *options,
                                   env={"ALU_ADMIN_KEY": ADMIN_KEY})
            processes.append(server)
            if "targets" in label:
                add_targets(server.url, args.targets)
            urls[f"alu, {label}"] = server.url + "/v1"
        results: dict[str, tuple[list[float], int]] = {label: ([], 0) for label in urls}
        for url in urls.values():
            asyncio.run(load(url, args.clients, 2))  # warm up connections, threads and caches
        for _ in range(args.rounds):  # interleaved, so that load from other processes hits every setup alike
            for label, url in urls.items():
                latencies, errors = asyncio.run(load(url, args.clients, args.requests))
                results[label] = (results[label][0] + latencies, results[label][1] + errors)
    finally:
        for process in processes:
            process.stop()
    report([(label, *results[label]) for label in urls], args)


def add_targets(url: str, count: int) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        for i in range(count):
            body = {"name": f"Person{i} Surname{i}", "description": f"a fictitious author number {i}"}
            http.post("/v1/unlearning/targets", json=body).raise_for_status()


def report(rows: list[tuple[str, list[float], int]], args: argparse.Namespace) -> None:
    direct_p50, direct_p99 = pct(rows[0][1], 50), pct(rows[0][1], 99)
    print(f"{args.clients} concurrent clients x {args.requests} requests x {args.rounds} rounds, fake upstream latency "
          f"{args.latency_ms:.0f} ms; overhead = alu minus direct\n")
    print(f"{'setup':<40} {'reqs':>5} {'err':>4} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'overhead p50':>13} {'overhead p99':>13}")
    for label, latencies, errors in rows:
        p50, p99 = pct(latencies, 50), pct(latencies, 99)
        over = "" if label.startswith("direct") else f"{p50 - direct_p50:>13.1f} {p99 - direct_p99:>13.1f}"
        print(f"{label:<40} {len(latencies):>5} {errors:>4} {p50:>8.1f} {p99:>8.1f} {over}")


if __name__ == "__main__":
    main()
