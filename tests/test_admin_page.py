"""The admin page of a real `alu serve` process, in a real headless browser (Debian's chromium driven by
playwright): add and remove a target through the page and see the next chat request apply it; hostile target names
and queries render as inert text. Each page's screenshot goes to $ALU_SCREENSHOTS (docs/admin/ holds the committed
ones: ALU_SCREENSHOTS=docs/admin python -m pytest tests/test_admin_page.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from conftest import require
from server_helpers import ADMIN_KEY, USER_KEY, control, start_gateway

from alu.prompts import default_prompts

pytestmark = pytest.mark.server

MODEL = "gpt-test"
HOSTILE = '<img src=x onerror="window.__xss=1">Mallory</td><script>window.__xss=2</script>'
HOSTILE_QUERY = '"><svg onload="window.__xss=3"> who is Mallory?'


@pytest.fixture(scope="module")
def browser():
    executable = os.environ.get("ALU_TEST_BROWSER") or shutil.which("chromium")
    require(bool(executable), "a chromium browser ($ALU_TEST_BROWSER; install one with: source .ci/browser.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def gateway(upstream, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("admin-page")
    process = start_gateway(tmp, "--db", str(tmp / "alu.db"), "--base-url", upstream.url + "/v1",
                            "--model-map", f"{MODEL}=fake-upstream-model",
                            env={"ALU_ADMIN_KEY": ADMIN_KEY, "ALU_USER_KEYS": USER_KEY})
    yield process
    process.stop()


@pytest.fixture
def page(browser, gateway):
    context = browser.new_context(http_credentials={"username": "admin", "password": ADMIN_KEY},
                                  viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    opened.dialogs = dialogs
    yield opened
    context.close()


def chat(gateway, question: str) -> str:
    response = httpx.post(gateway.url + "/v1/chat/completions", headers={"Authorization": f"Bearer {USER_KEY}"},
                          json={"model": MODEL, "messages": [{"role": "user", "content": question}]}, timeout=60)
    return response.json()["choices"][0]["message"]["content"]


def screenshot(page, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("ALU_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000


def test_a_target_added_and_removed_in_the_page_applies_to_the_next_chat_request(page, gateway, upstream, tmp_path):
    control(upstream, rules=[["zora", "Zora Quill wrote The Glass Orchard."]], fail=0, default="Hello.")
    assert chat(gateway, "Who is Zora Quill?") == "Zora Quill wrote The Glass Orchard."
    page.goto(gateway.url + "/admin")
    assert page.title() == "alu admin: Forget targets"
    form = page.locator("form#add")
    form.locator("input[name=name]").fill("Zora Quill")
    form.locator("textarea[name=aliases]").fill("Z. Quill")
    form.locator("input[name=description]").fill("a novelist who wrote The Glass Orchard")
    form.locator("textarea[name=knowledge]").fill("Zora Quill wrote The Glass Orchard in 2003.")
    form.locator("input[name=reason]").fill("erasure request #7")
    form.locator("button[type=submit]").click()
    assert "Target added" in page.locator(".notice").inner_text()
    assert page.locator("tr[data-id='zora quill'] td.name").inner_text() == "Zora Quill"
    screenshot(page, "targets", tmp_path)
    assert chat(gateway, "Who is Zora Quill?") == default_prompts().refusal  # the next request applies it
    row = page.locator("tr[data-id='zora quill']")
    row.locator("input[name=reason]").fill("request withdrawn")
    row.locator("button").click()
    assert page.locator("tr[data-id='zora quill']").count() == 0
    assert chat(gateway, "Who is Zora Quill?") == "Zora Quill wrote The Glass Orchard."
    page.goto(gateway.url + "/admin/history")
    history = page.locator("table#history").inner_text()
    assert "request withdrawn" in history and "erasure request #7" in history and "admin-page" in history
    screenshot(page, "history", tmp_path)
    page.goto(gateway.url + "/admin/decisions")
    assert page.locator("table#decisions tbody tr").count() >= 3
    screenshot(page, "decisions", tmp_path)
    page.locator("table#decisions tbody tr a").first.click()
    assert page.locator("table#steps").count() == 1
    screenshot(page, "decision", tmp_path)
    assert not page.dialogs


def test_hostile_target_names_and_queries_render_inert(page, gateway, upstream):
    control(upstream, rules=[], fail=0, default="Hello.")
    page.goto(gateway.url + "/admin/targets")
    form = page.locator("form#add")
    form.locator("input[name=name]").fill(HOSTILE)
    form.locator("input[name=description]").fill(HOSTILE_QUERY)
    form.locator("button[type=submit]").click()
    chat(gateway, HOSTILE_QUERY)
    for path in ("/admin/targets", "/admin/targets?q=" + quote(HOSTILE_QUERY), "/admin/history", "/admin/decisions"):
        page.goto(gateway.url + path)
        assert page.evaluate("window.__xss") is None, path
        assert page.locator("main img, main script, main svg").count() == 0, path
    page.goto(gateway.url + "/admin/targets")
    assert HOSTILE in page.locator("table#targets").inner_text()  # shown as the text it is
    assert not page.dialogs
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    listed = httpx.get(gateway.url + "/v1/unlearning/targets", headers=admin).json()["data"]
    hostile_id = next(t["id"] for t in listed if t["name"] == HOSTILE)
    assert httpx.delete(gateway.url + "/v1/unlearning/targets/" + quote(hostile_id, safe=""),
                        headers=admin).status_code == 200


def test_the_page_needs_the_admin_key_and_refuses_a_forged_form(browser, gateway):
    assert httpx.get(gateway.url + "/admin/targets").status_code == 401
    assert httpx.get(gateway.url + "/admin/targets").headers["www-authenticate"].startswith("Basic")
    assert httpx.get(gateway.url + "/admin/targets", auth=("admin", USER_KEY)).status_code == 403
    forged = httpx.post(gateway.url + "/admin/targets", auth=("admin", ADMIN_KEY),
                        data={"name": "Anyone", "csrf": "guessed"})
    assert forged.status_code == 400 and "out of date" in forged.text
    listed = httpx.get(gateway.url + "/v1/unlearning/targets", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert "Anyone" not in listed.text


def test_the_targets_page_shows_the_registry_a_page_at_a_time(upstream, tmp_path):
    process = start_gateway(tmp_path, "--db", str(tmp_path / "alu.db"), "--base-url", upstream.url + "/v1",
                            "--model-map", f"{MODEL}=fake-upstream-model", env={"ALU_ADMIN_KEY": ADMIN_KEY})
    try:
        with httpx.Client(base_url=process.url, timeout=30) as http:
            for i in range(120):
                added = http.post("/v1/unlearning/targets", headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                                  json={"name": f"Paged Person{i:03d}", "aliases": [f"Alias{i:03d}"]})
                assert added.status_code == 201
            first = http.get("/admin/targets", auth=("admin", ADMIN_KEY)).text
            assert first.count('<tr data-id=') == 50 and "1–50 of 120 (page 1 of 3)" in first
            assert "Paged Person000" in first and "Paged Person050" not in first and 'rel="prev"' not in first
            last = http.get("/admin/targets", params={"page": 3}, auth=("admin", ADMIN_KEY)).text
            assert last.count('<tr data-id=') == 20 and "Paged Person119" in last and 'rel="next"' not in last
            beyond = http.get("/admin/targets", params={"page": 99}, auth=("admin", ADMIN_KEY)).text
            assert "page 3 of 3" in beyond
            found = http.get("/admin/targets", params={"q": "alias11"}, auth=("admin", ADMIN_KEY)).text
            assert found.count('<tr data-id=') == 10 and 'class="pages"' not in found  # Alias110 .. Alias119
    finally:
        process.stop()
