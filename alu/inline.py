"""Steps that never wait run on the caller's event loop; a step that would wait moves to a worker thread.

Most requests screen in well under a millisecond of CPU (in-memory indexes, the static gate, the fast path): less
than handing the step to a worker thread and back costs a busy server (benchmarks/results/gateway_load.txt). Code
that would block calls `blocking()` first (an encode by the transformer, a model call, the NER pipeline, a query
over the network, a long text) and takes its locks with `holding()`: inside `inline()` both raise MustWait instead
of waiting, and the caller runs the step again in a worker thread, from the start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

_INLINE: ContextVar[bool] = ContextVar("alu_inline", default=False)


class Lock(Protocol):
    """threading.Lock or RLock."""

    def acquire(self, blocking: bool = True) -> bool: ...

    def release(self) -> None: ...


class MustWait(BaseException):
    """Raised inside inline() where a step would wait. A BaseException: the pipeline's fail-closed handlers
    (`except Exception`) let it pass to the caller of inline(), which runs the step in a worker thread."""


@contextmanager
def inline() -> Iterator[None]:
    """Within this block (and only in this thread or task), code that would wait raises MustWait."""
    token = _INLINE.set(True)
    try:
        yield
    finally:
        _INLINE.reset(token)


def blocking() -> None:
    """Called before work that may take long or wait on something else: inside inline(), MustWait."""
    if _INLINE.get():
        raise MustWait


@contextmanager
def holding(lock: Lock) -> Iterator[None]:
    """`with lock`, except that inside inline() a lock another thread holds raises MustWait instead of waiting."""
    if not lock.acquire(blocking=not _INLINE.get()):
        raise MustWait
    try:
        yield
    finally:
        lock.release()
