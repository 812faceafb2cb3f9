"""What hostile sizes cost the gateway: CPU per request of `alu serve` for a huge upstream reply, a huge history and
thousands of messages, side by side with an ordinary request, and the screening time per character of texts from
10 KB to 1 MB (linear: the ratios stay flat).

A fake upstream serves the replies; alu runs with its default limits (--max-answer-chars, --max-conversation-chars,
--max-messages, --max-body-bytes) and embeddings on, governing 100 targets. CPU time is read from /proc/<pid>/stat
of the alu process before and after each case's requests.

    python benchmarks/hostile_input.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_load import cpu_seconds  # noqa: E402
from server_helpers import ADMIN_KEY, control, start_fake_upstream, start_gateway  # noqa: E402

from alu.screening.mentions import MentionIndex  # noqa: E402
from alu.targets import Target  # noqa: E402

SENTENCE = "The committee met on Tuesday and agreed on the budget for the coming year. "
MENTION = "The report was written by J. K. Rowling. "


def targets() -> list[Target]:
    return [Target("J. K. Rowling", aliases=("Robert Galbraith",))] + [
        Target(f"Person{i} Surname{i}", description=f"a fictitious author number {i}") for i in range(99)]


def cases() -> dict[str, tuple[str, dict]]:
    """Name -> (the upstream's answer, the request body)."""
    ask = {"model": "bench", "messages": [{"role": "user", "content": "What did the committee decide?"}]}
    filler = SENTENCE * (1_000_000 // len(SENTENCE))
    history = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"({i}) " + SENTENCE * 60}
               for i in range(200)]
    return {
        "ordinary request, short reply": (SENTENCE * 3, ask),
        "reply of 30 KB, one mention": (MENTION + SENTENCE * (30_000 // len(SENTENCE)), ask),
        "reply of 1 MB, one mention": (MENTION + filler, ask),
        "history of 0.9 MB": (SENTENCE, {**ask, "messages": [*history, *ask["messages"]]}),
        "history of 90 KB, turns seen before": (SENTENCE, {**ask, "messages": [*history[:20], *ask["messages"]]}),
        "10,000 short messages": (SENTENCE, {**ask, "messages": [{"role": "user", "content": "hi"}] * 10_000}),
    }


def _numbered(body: dict, i: int) -> dict:
    last = body["messages"][-1]
    return {**body, "messages": [*body["messages"][:-1], {**last, "content": f"{last['content']} (request {i})"}]}


def serve_cases(repeat: int) -> list[tuple[str, int, float, float]]:
    tmp = Path(tempfile.mkdtemp(prefix="alu-hostile-"))
    upstream = start_fake_upstream(tmp)
    gateway = start_gateway(tmp, "--db", str(tmp / "alu.db"), "--base-url", upstream.url + "/v1",
                            "--model-map", "bench=fake-upstream-model", env={"ALU_ADMIN_KEY": ADMIN_KEY})
    rows = []
    try:
        with httpx.Client(base_url=gateway.url, timeout=600) as http:
            for target in targets():
                body = {"name": target.name, "aliases": list(target.aliases), "description": target.description}
                http.post("/v1/unlearning/targets", headers={"Authorization": f"Bearer {ADMIN_KEY}"}, json=body)
            for name, (answer, body) in cases().items():
                # each request gets its own question and answer: no cache serves a text read before
                control(upstream, rules=[[f"(request {i})", f"(request {i}) {answer}"] for i in range(repeat + 1)],
                        fail=0)
                payloads = [json.dumps(_numbered(body, i)).encode() for i in range(repeat + 1)]
                http.post("/v1/chat/completions", content=payloads[0], headers={"content-type": "application/json"})
                cpu, wall, status = cpu_seconds(gateway.proc.pid), time.perf_counter(), 0
                for payload in payloads[1:]:
                    status = http.post("/v1/chat/completions", content=payload,
                                       headers={"content-type": "application/json"}).status_code
                rows.append((name, status, (cpu_seconds(gateway.proc.pid) - cpu) / repeat,
                             (time.perf_counter() - wall) / repeat))
    finally:
        gateway.stop()
        upstream.stop()
    return rows


def screening_rates() -> list[tuple[int, float]]:
    """Seconds per MB of MentionIndex.find, the limits bypassed, for texts of growing size."""
    index = MentionIndex(targets())
    rows = []
    for size in (10_000, 100_000, 1_000_000):
        text = MENTION + SENTENCE * (size // len(SENTENCE))
        started = time.process_time()
        index.find(text)
        rows.append((len(text), (time.process_time() - started) / len(text) * 1e6))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = serve_cases(args.repeat)
    base = rows[0][2]
    print("alu serve, default limits, 100 targets, embeddings on; CPU = alu process CPU per request")
    print(f"{'case':38} {'status':>6} {'CPU ms':>9} {'x ordinary':>11} {'wall ms':>9}")
    for name, status, cpu, wall in rows:
        print(f"{name:38} {status:>6} {cpu * 1000:9.1f} {cpu / base:11.1f} {wall * 1000:9.1f}")
    print("\nscreening (MentionIndex.find, no limits), CPU seconds per MB of text")
    rates = screening_rates()
    for size, rate in rates:
        print(f"{size:>9} chars  {rate:6.2f} s/MB  x {rate / rates[0][1]:.2f} of the 10 KB rate")


if __name__ == "__main__":
    main()
