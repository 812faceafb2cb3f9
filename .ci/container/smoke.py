"""Inside the image: start the gateway as the image's CMD does (plus an admin key, and --db when given), then check
that it is ready, takes a target through the admin API, answers a question about it without naming it, answers an
unrelated one with its answer, and serves /metrics. Standard library only: the image has nothing else the check needs.

    python smoke.py [DB_URL]
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

PORT, ADMIN = 18080, "smoke-admin-key"
BASE = f"http://127.0.0.1:{PORT}"


def call(path: str, body: dict | None = None, key: str | None = None) -> tuple[int, str]:
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {key}"} if key else {})}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def ask(question: str, model: str) -> str:
    status, body = call("/v1/chat/completions", {"model": model, "messages": [{"role": "user", "content": question}],
                                                 "max_tokens": 48})
    assert status == 200, (status, body)
    return json.loads(body)["choices"][0]["message"]["content"]


def main() -> int:
    command = ["alu", "serve", "--host", "127.0.0.1", "--port", str(PORT), "--admin-key", ADMIN]
    server = subprocess.Popen(command + (["--db", sys.argv[1]] if len(sys.argv) > 1 else []))
    try:
        for _ in range(240):
            try:
                if call("/ready")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            raise SystemExit("the gateway did not get ready in 120 s")
        status, body = call("/v1/unlearning/targets", {"name": "J. K. Rowling", "aliases": ["Joanne Rowling"],
                                                       "reason": "container smoke test"}, ADMIN)
        assert status in (200, 201), (status, body)
        model = json.loads(call("/v1/models")[1])["data"][0]["id"]
        forgotten, kept = ask("Who wrote the Harry Potter books?", model), ask("What is the capital of France?", model)
        print(f"forgotten: {forgotten!r}\nkept: {kept!r}")
        assert "rowling" not in forgotten.lower(), forgotten
        assert "paris" in kept.lower(), kept
        status, metrics = call("/metrics", key=ADMIN)
        assert status == 200 and "alu_requests_total" in metrics, (status, metrics[:300])
        print("smoke test passed")
        return 0
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    raise SystemExit(main())
