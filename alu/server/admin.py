"""The admin page (GET /admin, behind the admin key): the targets (search, add, remove with a reason), the change
history and recent decisions with their traces. Plain server-rendered HTML from the templates beside this module:
no script, no build step, nothing from a CDN. Everything shown is escaped (Jinja2 autoescaping), the pages forbid
scripts and framing (Content-Security-Policy), and every form carries a token derived from the admin key, so
another site cannot post one in the operator's name."""

from __future__ import annotations

import hashlib
import hmac
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from ..errors import ConfigError
from ..targets import KINDS, Target
from .auth import gateway_of
from .gateway import Gateway

router = APIRouter(prefix="/admin", include_in_schema=False)
RECENT_DECISIONS = 100
TARGETS_PER_PAGE = 50
MAX_FORM_BYTES = 200_000
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
PLAIN_STEP_FIELDS = ("agent", "latency_ms", "llm_calls", "prompt_tokens", "completion_tokens")
NOTICES = {"added": "Target added: it applies from the next request on.", "removed": "Target removed."}
NAV = {"targets": "targets", "history": "history", "decisions": "decisions", "decision": "decisions"}
TITLES = {"targets": "Forget targets", "history": "Change history", "decisions": "Recent decisions",
          "decision": "Decision"}


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("alu.server", "templates"), autoescape=select_autoescape(["html"]))


def form_token(admin_key: str) -> str:
    """The token every admin form carries: only a page served with the admin key can know it."""
    return hmac.new(admin_key.encode(), b"alu admin form", hashlib.sha256).hexdigest()


def _page(gateway: Gateway, name: str, status: int = 200, **fields: Any) -> HTMLResponse:
    html = _templates().get_template(f"{name}.html").render(
        page=NAV[name], title=TITLES[name], size=_registry_size(gateway),
        version=gateway.store.version(), csrf=form_token(gateway.settings.admin_key or ""), **fields)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def _registry_size(gateway: Gateway) -> int:
    """The number of targets, with the registry's latest changes applied (one cheap query when there are none)."""
    gateway.unlearner.sync()
    return len(gateway.unlearner.index)


def _targets(gateway: Gateway, query: str, page: int, status: int = 200, **fields: Any) -> HTMLResponse:
    """One page of the targets, by name, that match the query (in name, id, description or an alias). The
    targets come from the synced index, so a page costs TARGETS_PER_PAGE reads whatever the registry's size."""
    gateway.unlearner.sync()
    needle = query.casefold()
    matching = sorted((t for t in gateway.unlearner.targets if not needle or any(
        needle in text.casefold() for text in (t.name, t.id, t.description, *t.aliases))),
        key=lambda t: (t.name.casefold(), t.id))
    pages = max(1, -(-len(matching) // TARGETS_PER_PAGE))
    page = min(max(page, 1), pages)
    first = (page - 1) * TARGETS_PER_PAGE
    shown = [gateway.store.get(t.id) for t in matching[first:first + TARGETS_PER_PAGE]]
    return _page(gateway, "targets", status, records=[r for r in shown if r is not None and r.active], query=query,
                 kinds=KINDS, number=page, pages=pages, matching=len(matching), first=first + 1, **fields)


def _targets_failed(gateway: Gateway, error: str) -> HTMLResponse:
    """The targets page again, with why a form was not taken."""
    return _targets(gateway, "", 1, 400, error=error)


async def _form(request: Request, gateway: Gateway) -> dict[str, str]:
    """The posted form's fields (the last value of each); ConfigError without the admin form token."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise ConfigError("the form is too large")
    fields = {key: values[-1] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
    if not hmac.compare_digest(fields.get("csrf", ""), form_token(gateway.settings.admin_key or "")):
        raise ConfigError("the form is out of date: reload the page and try again")
    return fields


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def _back(done: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/targets?done={done}", status_code=303)


@router.get("", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/admin/targets", status_code=303)


@router.get("/style.css")
def style() -> Response:
    css = resources.files("alu.server").joinpath("templates/style.css").read_text(encoding="utf-8")
    return Response(css, media_type="text/css", headers={"cache-control": "max-age=3600"})


@router.get("/targets")
def targets_page(request: Request, q: str = "", page: int = 1, done: str = "") -> HTMLResponse:
    return _targets(gateway_of(request), q, page, notice=NOTICES.get(done))


@router.post("/targets")
async def add_target(request: Request) -> Response:
    gateway = gateway_of(request)
    try:
        fields = await _form(request, gateway)
        target = Target(name=fields.get("name", "").strip(), aliases=_lines(fields.get("aliases", "")),
                        kind=fields.get("kind", "person"), description=fields.get("description", "").strip(),
                        knowledge=_lines(fields.get("knowledge", "")))
        gateway.store.add(target, reason=fields.get("reason", ""), requester=fields.get("requester", ""),
                          actor="admin-page")
    except ConfigError as exc:
        return _targets_failed(gateway, str(exc))
    return _back("added")


@router.post("/targets/remove")
async def remove_target(request: Request) -> Response:
    gateway = gateway_of(request)
    try:
        fields = await _form(request, gateway)
        gateway.store.remove(fields.get("id", ""), reason=fields.get("reason", ""), actor="admin-page")
    except ConfigError as exc:
        return _targets_failed(gateway, str(exc))
    return _back("removed")


@router.get("/history")
def history_page(request: Request) -> HTMLResponse:
    gateway = gateway_of(request)
    return _page(gateway, "history", changes=list(reversed(gateway.store.history())))


@router.get("/decisions")
def decisions_page(request: Request) -> HTMLResponse:
    gateway = gateway_of(request)
    gateway.decisions.flush()
    return _page(gateway, "decisions", decisions=gateway.store.recent_decisions(RECENT_DECISIONS))


@router.get("/decisions/{decision_id}")
def decision_page(request: Request, decision_id: str) -> HTMLResponse:
    gateway = gateway_of(request)
    gateway.decisions.flush()
    record = gateway.store.get_decision(decision_id)
    if record is None:
        return _page(gateway, "decisions", 404, decisions=[], error="No such decision.")
    return _page(gateway, "decision", id=decision_id, record=record, plain=PLAIN_STEP_FIELDS)
