"""Start real processes on loopback for the gateway tests: the fake upstream and `alu serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ADMIN_KEY = "admin-secret-key"
USER_KEY = "user-key-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    """A child process serving HTTP on a loopback port."""

    proc: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start(args: list[str], log: Path, port: int, ready_path: str, timeout_s: float = 180.0,
          env: dict[str, str] | None = None, root: Path = ROOT) -> Process:
    """Start args and wait until GET ready_path answers 200; fail with the process output otherwise. root: the alu
    checkout whose code the process runs (first on its path, and its working directory)."""
    full_env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
                "ALU_THREADS": os.environ.get("ALU_THREADS", "2"), **(env or {})}
    with log.open("w") as handle:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(args, stdout=handle, stderr=subprocess.STDOUT, env=full_env, cwd=root)
    process = Process(proc, port, log)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{args[:4]} exited with {proc.returncode}:\n{process.output()}")
        try:
            if httpx.get(process.url + ready_path, timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.stop()
    raise RuntimeError(f"{args[:4]} did not become ready in {timeout_s:.0f}s:\n{process.output()}")


def start_fake_upstream(tmp: Path, latency_ms: float = 0.0) -> Process:
    port = free_port()
    args = [sys.executable, str(ROOT / "tests" / "fake_upstream.py"), "--port", str(port),
            "--latency-ms", str(latency_ms)]
    return start(args, tmp / f"upstream-{port}.log", port, "/v1/models", timeout_s=60)


def start_gateway(tmp: Path, *options: str, env: dict[str, str] | None = None, root: Path = ROOT) -> Process:
    """`alu serve` with the given options on a free port (the code of the alu checkout at root)."""
    port = free_port()
    args = [sys.executable, "-m", "alu", "serve", "--port", str(port), *options]
    return start(args, tmp / f"alu-{port}.log", port, "/ready", env=env, root=root)


def control(upstream: Process, **state) -> dict:
    """Change the fake upstream's rules, default answer, latency or failure status."""
    return httpx.post(upstream.url + "/control", json=state, timeout=5).json()


def upstream_requests(upstream: Process) -> list[dict]:
    return httpx.get(upstream.url + "/control", timeout=5).json()["requests"]
