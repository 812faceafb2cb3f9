"""The OpenAI wire format: request bodies, completion bodies and server-sent events."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from ..models import Message
from ..pipeline import Result
from ..targets import KINDS
from ..trace import Trace

MAX_TOKENS_LIMIT = 32_768
MAX_KNOWLEDGE_TEXTS = 10_000  # knowledge texts in one admin API request (a larger set: `alu targets import`)


class TextPart(BaseModel):
    type: Literal["text"]
    text: StrictStr


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant"]
    content: StrictStr | list[TextPart]
    name: StrictStr | None = None

    def as_message(self) -> Message:
        text = self.content if isinstance(self.content, str) else "".join(p.text for p in self.content)
        return {"role": "system" if self.role == "developer" else self.role, "content": text}


class StreamOptions(BaseModel):
    include_usage: StrictBool = False


class ChatRequest(BaseModel):
    """The OpenAI chat request, strictly typed (`"stream": "yes"` is an error); other OpenAI fields are accepted and
    ignored."""

    model_config = ConfigDict(extra="allow")

    model: StrictStr = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    temperature: StrictFloat | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: StrictInt | None = Field(default=None, ge=1, le=MAX_TOKENS_LIMIT)
    max_completion_tokens: StrictInt | None = Field(default=None, ge=1, le=MAX_TOKENS_LIMIT)
    seed: StrictInt | None = Field(default=None, ge=0, le=2**31 - 1)
    n: StrictInt = Field(default=1, ge=1, le=1)


class TargetIn(BaseModel):
    name: str = Field(min_length=1, max_length=500)
    aliases: list[str] = Field(default_factory=list, max_length=100)
    kind: Literal[KINDS] = "person"  # type: ignore[valid-type]
    description: str = Field(default="", max_length=5000)
    knowledge: list[StrictStr] = Field(default_factory=list, max_length=MAX_KNOWLEDGE_TEXTS)
    reason: str = Field(default="", max_length=2000)
    requester: str = Field(default="", max_length=500)


def _usage(result: Result) -> dict[str, int]:
    prompt = sum(s.prompt_tokens for s in result.trace.steps)
    completion = sum(s.completion_tokens for s in result.trace.steps)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion_body(request: ChatRequest, result: Result, created: int) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{result.trace.id}",
        "object": "chat.completion",
        "created": created,
        "model": request.model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": result.text}, "finish_reason": "stop",
                     "logprobs": None}],
        "usage": _usage(result),
        "alu_decision_id": result.trace.id,
    }


def _pieces(text: str, size: int = 24) -> Iterator[str]:
    """The answer in small pieces at word boundaries."""
    piece = ""
    for word in re.findall(r"\S+\s*|\s+", text):
        piece += word
        if len(piece) >= size:
            yield piece
            piece = ""
    if piece:
        yield piece


def stream_events(request: ChatRequest, result: Result, created: int) -> Iterator[str]:
    """Server-sent events of an answer that has already passed the whole pipeline."""
    yield _chunk(request, result.trace.id, created, {"role": "assistant", "content": ""})
    for piece in _pieces(result.text):
        yield _chunk(request, result.trace.id, created, {"content": piece})
    yield from _ending(request, result, created)


CLIENT_CLOSED = 499  # the status a decision is logged with when the client leaves mid-stream (nginx's convention)


async def sentence_events(request: ChatRequest, trace: Trace, pieces: AsyncIterator[str | Result],
                          created: int, on_result: Callable[[Result, int], None]) -> AsyncIterator[str]:
    """Server-sent events of an answer released as it is screened (Unlearner.stream_async): each piece as it
    comes, then the ending; on_result gets the request's Result and status. A client that leaves before the end
    still gets its decision logged, with what was sent and status CLIENT_CLOSED."""
    sent: list[str] = []
    done = False
    try:
        yield _chunk(request, trace.id, created, {"role": "assistant", "content": ""})
        async for piece in pieces:
            if isinstance(piece, Result):
                done = True
                on_result(piece, 200)
                for event in _ending(request, piece, created):
                    yield event
            elif piece:
                sent.append(piece)
                yield _chunk(request, trace.id, created, {"content": piece})
    except BaseException as exc:
        if not done:
            left = isinstance(exc, (GeneratorExit, asyncio.CancelledError))
            # logged first: a cancelled scope fails every await
            on_result(_cut_short(trace, "".join(sent), exc, left), CLIENT_CLOSED if left else 500)
            await pieces.aclose()  # stops the governed model's stream
        raise


def _cut_short(trace: Trace, sent: str, exc: BaseException, left: bool) -> Result:
    """The Result of a stream that ended early (the client left, or a fault): what was sent before it ended."""
    trace.path = trace.path or "incomplete"
    trace.error = "the client disconnected before the end of the answer" if left else \
        f"{exc.__class__.__name__}: {exc}"
    trace.total_s = time.monotonic() - trace.started
    return Result(sent, False, trace)


def _chunk(request: ChatRequest, decision_id: str, created: int, delta: dict[str, Any],
           finish: str | None = None) -> str:
    body = {"id": f"chatcmpl-{decision_id}", "object": "chat.completion.chunk", "created": created,
            "model": request.model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                                                 "logprobs": None}],
            "alu_decision_id": decision_id}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def _ending(request: ChatRequest, result: Result, created: int) -> Iterator[str]:
    """The stop chunk, the usage chunk when asked for, and [DONE]."""
    yield _chunk(request, result.trace.id, created, {}, "stop")
    if request.stream_options and request.stream_options.include_usage:
        body = {"id": f"chatcmpl-{result.trace.id}", "object": "chat.completion.chunk", "created": created,
                "model": request.model, "choices": [], "usage": _usage(result), "alu_decision_id": result.trace.id}
        yield f"data: {json.dumps(body)}\n\n"
    yield "data: [DONE]\n\n"
