"""Request size limits enforced before a route reads the body."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from .errors import ApiError, error_response


class BodyLimit:
    """ASGI middleware: a request body over the limit (declared or streamed) gets a 413 in the OpenAI format."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response = error_response(ApiError(413, "the request body is too large", code="request_too_large"))
            return await response(scope, receive, send)
        received = 0

        async def limited() -> AsgiMessage:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(413)  # read inside a route: answered in the OpenAI format by the error handlers
            return message

        await self.app(scope, limited, send)
