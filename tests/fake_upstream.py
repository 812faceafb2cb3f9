"""A tiny real OpenAI-compatible chat server with canned answers, for gateway tests and the load benchmark.

Run: python tests/fake_upstream.py --port 9000 [--latency-ms 50]. The governed model's answer is chosen by the
first rule whose key occurs in the last user message (else the default answer); the agents, told apart by the JSON
they ask for, get well-formed, harmless JSON (or, per agent, the reply set in "agents"). POST /control changes the
rules, the default, the agents' replies, the latency, the delay between streamed words (chunk_ms; a request with
"stream": true is answered a word at a time) or makes every call fail with an HTTP status; GET
/control/requests returns the request bodies received.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

ROLE_BY_FIELD = {"leaked": "confirm", "text": "smooth", "ratings": "critic", "answer": "compose",
                 "response": "paper_erase"}
DEFAULT_ANSWER = "The sky looks blue because air scatters short wavelengths of sunlight more than long ones."


def _after(marker: str, text: str) -> str:
    return text.split(marker, 1)[1].strip() if marker in text else text


def agent_role(body: dict) -> str:
    """Which agent sent the request, read off the JSON it asks for (the governed model's call asks for none)."""
    response_format = body.get("response_format") or {}
    schema = response_format.get("json_schema", {}).get("schema") or response_format.get("schema")
    return ROLE_BY_FIELD[schema["required"][0]] if schema else "vanilla"


def agent_reply(kind: str, prompt: str) -> dict:
    """Harmless, schema-conforming replies for the agents' prompts."""
    if kind == "confirm":
        return {"leaked": []}
    if kind == "smooth":
        return {"text": _after("TEXT:\n", prompt).replace("[REDACTED]", "someone")}
    if kind == "critic":
        return {"ratings": [5] * len(re.findall(r"^ANSWER \d+:", prompt, re.MULTILINE))}
    if kind == "compose":
        return {"answer": re.split(r"\n\nANSWER \d+:\n", _after("ANSWER 1:\n", prompt))[0].strip()}
    return {"response": _after("RESPONSE:\n", prompt)}


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped, so a reply may hold a lone surrogate ("\\ud800") as an upstream's
    may."""

    def render(self, content) -> bytes:
        return json.dumps(content).encode("ascii")


class FakeUpstream:
    """State and routes of the fake server."""

    def __init__(self, latency_ms: float = 0.0) -> None:
        # vary: each default answer ends with its own number, so no cache of the gateway serves the text it screens
        self.state = {"rules": [], "default": DEFAULT_ANSWER, "fail": 0, "latency_ms": latency_ms, "vary": False}
        self.requests: list[dict] = []
        self.answered = 0

    async def chat(self, request: Request) -> JSONResponse:
        body = await request.json()
        if len(self.requests) < 1000:
            self.requests.append(body)
        if self.state["latency_ms"]:
            await asyncio.sleep(self.state["latency_ms"] / 1000)
        if self.state["fail"]:
            return JSONResponse({"error": {"message": "upstream exploded", "type": "server_error"}},
                                status_code=self.state["fail"])
        messages = body["messages"]
        kind = agent_role(body)
        if kind == "vanilla":
            question = messages[-1]["content"].casefold()
            text = next((reply for key, reply in self.state["rules"] if key.casefold() in question), None)
            if text is None:
                self.answered += 1
                text = self.state["default"] + (f" That is answer {self.answered}." if self.state["vary"] else "")
        else:
            text = json.dumps(self.state.get("agents", {}).get(kind) or agent_reply(kind, messages[-1]["content"]))
        if body.get("stream"):
            return StreamingResponse(self._chunks(text, body["model"]), media_type="text/event-stream")
        if self.state.get("chunk_ms") and kind == "vanilla":  # written as slowly as it would be streamed
            await asyncio.sleep(self.state["chunk_ms"] * len(text.split()) / 1000)
        return AsciiJSONResponse({
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12},
        })

    async def _chunks(self, text: str, model: str):
        """The reply as server-sent events, a word at a time, chunk_ms apart (state "chunk_ms")."""
        for piece in re.findall(r"\S+\s*", text):
            if self.state.get("chunk_ms"):
                await asyncio.sleep(self.state["chunk_ms"] / 1000)
            chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model,
                     "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            yield f"data: {json.dumps(chunk)}\n\n"
        yield "data: [DONE]\n\n"

    async def models(self, request: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [{"id": "fake-upstream-model", "object": "model"}]})

    async def control(self, request: Request) -> JSONResponse:
        if request.method == "POST":
            self.state.update(await request.json())
            self.requests.clear()
        return JSONResponse({"state": self.state, "requests": self.requests})

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/v1/chat/completions", self.chat, methods=["POST"]),
            Route("/v1/models", self.models),
            Route("/control", self.control, methods=["GET", "POST"]),
        ])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    uvicorn.run(FakeUpstream(args.latency_ms).app(), host="127.0.0.1", port=args.port, log_level="warning",
                backlog=1024)


if __name__ == "__main__":
    main()
