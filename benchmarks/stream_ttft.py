"""Time to first token of a streamed answer: the fake upstream directly, alu buffered (the default) and alu with
--stream sentences, side by side in one run.

The fake upstream (tests/fake_upstream.py) waits --latency-ms before it answers, then streams a three-sentence
answer that names no target a word at a time, --chunk-ms apart: the fast path. alu has 100 targets with knowledge
(as in gateway_load.py), so every sentence is screened. Clients ask one after another (--requests each setup, in
interleaved rounds), each question distinct. Reported: time to the first content chunk (p50, p90), to the end of
the first sentence and to the end, and the first-token ratio to direct. In sentences mode the first token cannot
come before the first sentence is written: compare it with direct's first sentence for what screening adds.

    PYTHONPATH=$PWD python benchmarks/stream_ttft.py [--requests 40] [--rounds 4] [--latency-ms 300] [--chunk-ms 20]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from server_helpers import ADMIN_KEY, control, start_fake_upstream, start_gateway  # noqa: E402

from benchmarks.gateway_load import add_targets  # noqa: E402

ANSWER = ("The sky looks blue because air scatters short wavelengths of sunlight more than long ones. "
          "This is called Rayleigh scattering. At sunset the light travels further, so the sky turns red.")
_counter = itertools.count()


def timings(url: str, model: str) -> tuple[float, float, float]:
    """Seconds to the first content chunk, to the end of the first sentence and to the end of one streamed
    answer."""
    question = f"Why is the sky blue? (question {next(_counter)})"
    started, first, sentence, text = time.monotonic(), None, None, ""
    with httpx.stream("POST", url + "/v1/chat/completions", timeout=60, json={
            "model": model, "stream": True, "messages": [{"role": "user", "content": question}]}) as response:
        for line in response.iter_lines():
            if line.startswith("data: {"):
                event = json.loads(line[6:])
                content = event["choices"][0]["delta"].get("content") if event["choices"] else None
                if content:
                    first = first or time.monotonic() - started
                    text += content
                    if sentence is None and ". " in text:
                        sentence = time.monotonic() - started
    end = time.monotonic() - started
    return first or float("nan"), sentence or end, end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="requests per setup and round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--chunk-ms", type=float, default=20.0)
    parser.add_argument("--targets", type=int, default=100)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="alu-ttft-"))
    upstream = start_fake_upstream(tmp, args.latency_ms)
    control(upstream, rules=[], fail=0, default=ANSWER, chunk_ms=args.chunk_ms)
    servers = {}
    try:
        for label, options in (("alu buffered", ()), ("alu --stream sentences", ("--stream", "sentences"))):
            servers[label] = start_gateway(tmp, "--db", str(tmp / f"{len(servers)}.db"), "--base-url",
                                           upstream.url + "/v1", "--model-map", "bench=fake-upstream-model",
                                           *options, env={"ALU_ADMIN_KEY": ADMIN_KEY})
            add_targets(servers[label].url, args.targets)
        setups = {"direct to upstream": (upstream.url, "fake-upstream-model"),
                  **{label: (server.url, "bench") for label, server in servers.items()}}
        for url, model in setups.values():  # warm up: models, vector caches, connections
            for _ in range(3):
                timings(url, model)
        times: dict[str, list[tuple[float, float, float]]] = {label: [] for label in setups}
        for _ in range(args.rounds):
            for label, (url, model) in setups.items():
                times[label] += [timings(url, model) for _ in range(args.requests)]
        report(times, args)
    finally:
        for server in servers.values():
            server.stop()
        upstream.stop()


def report(times: dict[str, list[tuple[float, float, float]]], args: argparse.Namespace) -> None:
    print(f"{args.requests} requests x {args.rounds} rounds per setup, one at a time; upstream latency "
          f"{args.latency_ms:g} ms, then a word every {args.chunk_ms:g} ms (a non-streamed answer takes as long); "
          f"{args.targets} targets with knowledge")
    print(f"{'setup':<26} {'first token p50':>16} {'p90':>9} {'first sentence p50':>19} {'end p50':>9} "
          f"{'first token / direct':>21}")
    direct = statistics.median(first for first, _, _ in times["direct to upstream"])
    for label, rows in times.items():
        firsts = sorted(first for first, _, _ in rows)
        first = statistics.median(firsts)
        sentence = statistics.median(s for _, s, _ in rows)
        end = statistics.median(e for _, _, e in rows)
        print(f"{label:<26} {first * 1000:>13.1f} ms {firsts[int(0.9 * len(firsts))] * 1000:>6.1f} ms "
              f"{sentence * 1000:>16.1f} ms {end * 1000:>6.1f} ms {first / direct:>20.2f}x")


if __name__ == "__main__":
    main()
