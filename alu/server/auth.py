"""Bearer keys, checked before anything reads the request: end users may chat and list models; the admin API needs
the admin key."""

from __future__ import annotations

import base64
import hmac

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import ApiError, error_response
from .gateway import Gateway
from .settings import ServerSettings

ADMIN_PREFIX = "/v1/unlearning/"
ADMIN_PATHS = ("/v1/unlearning", "/metrics", "/admin")  # the operator's own: the admin key
PAGE_PREFIX = "/admin"  # the admin page: a browser also sends the key as the password of HTTP Basic auth
USER_PREFIX = "/v1/"


def gateway_of(request: Request) -> Gateway:
    return request.app.state.gateway


def _bearer(headers: dict[bytes, bytes]) -> str | None:
    """The key of a Bearer header, or the password of a Basic one (what a browser sends for the admin page)."""
    scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")[2] or None
        except (ValueError, UnicodeDecodeError):
            return None
    return token.strip() or None if scheme.lower() == "bearer" else None


def _matches(token: str | None, keys: list[str]) -> bool:
    return token is not None and any(hmac.compare_digest(token.encode(), key.encode()) for key in keys)


def check_user(settings: ServerSettings, token: str | None) -> None:
    """End users may chat and list models; with no user key configured the chat API is open."""
    if not settings.user_keys:
        return
    if not _matches(token, [*settings.user_keys, *([settings.admin_key] if settings.admin_key else [])]):
        raise ApiError(401, "missing or invalid API key", "authentication_error", "invalid_api_key")


def check_admin(settings: ServerSettings, token: str | None) -> None:
    """The admin API needs the admin key; a user key is refused."""
    if not settings.admin_key:
        raise ApiError(403, "the admin API is disabled (no admin key configured)", "permission_error")
    if _matches(token, [settings.admin_key]):
        return
    if _matches(token, list(settings.user_keys)):
        raise ApiError(403, "this key may not use the admin API", "permission_error", "insufficient_permissions")
    raise ApiError(401, "missing or invalid admin key", "authentication_error", "invalid_api_key")


class KeyCheck:
    """ASGI middleware: the key of every /v1/ request is checked before its body is read or parsed."""

    def __init__(self, app: ASGIApp, settings: ServerSettings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        page = path == PAGE_PREFIX or path.startswith(PAGE_PREFIX + "/")
        check = check_admin if path.startswith(ADMIN_PREFIX) or path in ADMIN_PATHS or page else (
            check_user if path.startswith(USER_PREFIX) else None)
        if check is not None:
            try:
                check(self.settings, _bearer(dict(scope["headers"])))
            except ApiError as exc:
                challenge = {"www-authenticate": 'Basic realm="alu admin"'} if page and exc.status == 401 else None
                return await error_response(exc, headers=challenge)(scope, receive, send)
        await self.app(scope, receive, send)
