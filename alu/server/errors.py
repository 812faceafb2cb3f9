"""Errors in the OpenAI format: one body shape for every failure, and no input (nor any target) echoed back."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..errors import ConfigError, StoreError

log = logging.getLogger("alu.server")

ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 413: "invalid_request_error", 429: "rate_limit_error"}


class ApiError(Exception):
    """An error answered in the OpenAI format."""

    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type_, code, param


def error_response(error: ApiError, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"message": error.message, "type": error.type, "param": error.param, "code": error.code}}
    return JSONResponse(body, status_code=error.status, headers=headers)


def not_found(what: str) -> ApiError:
    return ApiError(404, f"no such {what}", "not_found_error", f"{what}_not_found")


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    messages = {404: "no such route", 405: "method not allowed", 413: "the request body is too large"}
    message = messages.get(exc.status_code, "invalid request")
    code = "request_too_large" if exc.status_code == 413 else None
    return error_response(ApiError(exc.status_code, message, ERROR_TYPES.get(exc.status_code, "server_error"), code),
                          headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's own validation errors in the OpenAI format; the input is never echoed."""
    first = exc.errors()[0]
    if first.get("type") == "json_invalid":
        return error_response(ApiError(400, "the request body is not valid JSON", code="invalid_json"))
    path = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    message = f"{path}: {first.get('msg', 'invalid value')}" if path else str(first.get("msg", "invalid request"))
    return error_response(ApiError(400, message, param=path or None))


async def _config_error(request: Request, exc: ConfigError) -> JSONResponse:
    """Bad input found by the library; its messages are written for end users and name no target."""
    return error_response(ApiError(400, str(exc)))


async def _store_error(request: Request, exc: StoreError) -> JSONResponse:
    log.error("registry: %s", exc)
    return error_response(ApiError(503, "the registry is not reachable", "server_error", "registry_unavailable"))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error")
    return error_response(ApiError(500, "internal error", "server_error"))


def install_error_handlers(app: FastAPI) -> None:
    """Every error the app can raise answered in the OpenAI format."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ConfigError, _config_error)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(Exception, _unexpected_error)
