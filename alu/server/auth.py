"""Bearer keys: end users may chat and list models; the admin API needs the admin key."""

from __future__ import annotations

import hmac

from fastapi import Request

from .errors import ApiError
from .gateway import Gateway


def gateway_of(request: Request) -> Gateway:
    return request.app.state.gateway


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _matches(token: str | None, keys: list[str]) -> bool:
    return token is not None and any(hmac.compare_digest(token.encode(), key.encode()) for key in keys)


async def user_key(request: Request) -> None:
    """End users may chat and list models; with no user key configured the chat API is open. (async: no thread
    hop for a check that never blocks)"""
    settings = gateway_of(request).settings
    if not settings.user_keys:
        return
    if not _matches(_bearer(request), [*settings.user_keys, *([settings.admin_key] if settings.admin_key else [])]):
        raise ApiError(401, "missing or invalid API key", "authentication_error", "invalid_api_key")


async def admin_key(request: Request) -> None:
    """The admin API needs the admin key; a user key is refused."""
    settings = gateway_of(request).settings
    if not settings.admin_key:
        raise ApiError(403, "the admin API is disabled (no admin key configured)", "permission_error")
    token = _bearer(request)
    if _matches(token, [settings.admin_key]):
        return
    if _matches(token, list(settings.user_keys)):
        raise ApiError(403, "this key may not use the admin API", "permission_error", "insufficient_permissions")
    raise ApiError(401, "missing or invalid admin key", "authentication_error", "invalid_api_key")
