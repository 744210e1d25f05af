"""The interactive API documentation at /docs: Swagger UI from this server's own files (hub/api/docs_assets/, package
data), no CDN and no inline code, so it works offline and under the hub's Content-Security-Policy. Checked over HTTP
against the real server, and in headless Debian Chromium: every operation is listed and one runs from the page."""

from __future__ import annotations

import importlib.util
import json
import tomllib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from hub.api.docs import ASSETS
from hub.config import REPO_DIR, Settings

from sparql_server import build_mini_graph, serve

TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app on uvicorn over the mini corpus (graph stages only: /docs needs no search index)."""
    with serve(build_mini_graph(tmp_path_factory.mktemp("docs"))) as url:
        yield url


class Refs(HTMLParser):
    """The src of every script and the href of every link element: what the page makes the browser load."""

    def __init__(self, html: str):
        super().__init__()
        self.refs: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.refs.append(attrs.get("src") or "<inline>")
        elif tag == "link":
            self.refs.append(attrs.get("href") or "")


def test_the_page_loads_only_files_this_server_serves(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as c:
        page = c.get("/docs")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        refs = Refs(page.text).refs
        assert sorted(refs) == [
            "/docs/assets/docs.js",
            "/docs/assets/swagger-ui/favicon-32x32.png",
            "/docs/assets/swagger-ui/swagger-ui-bundle.js",
            "/docs/assets/swagger-ui/swagger-ui.css",
        ]
        assert "//" not in page.text  # no absolute or protocol-relative address anywhere in the page
        for ref in refs:
            r = c.get(ref)
            assert r.status_code == 200 and r.headers["content-type"].startswith(TYPES[Path(ref).suffix]), (
                ref,
                r.status_code,
            )
            assert r.content == (ASSETS / ref.removeprefix("/docs/assets/")).read_bytes()
        assert b"SwaggerUIBundle" in c.get("/docs/assets/swagger-ui/swagger-ui-bundle.js").content
        config = json.loads(page.text.split('data-config="', 1)[1].split('"', 1)[0].replace("&#34;", '"'))
        assert (
            config["url"] == "/openapi.json"
            and c.get(config["url"]).json()["info"]["title"] == "Strong Cities practice hub"
        )
        assert config["validatorUrl"] is None  # Swagger UI would send the schema's address to validator.swagger.io
        licence = c.get(
            "/docs/assets/swagger-ui/LICENSE"
        ).text  # Apache-2.0 asks for the licence and NOTICE to travel along
        assert (
            "Apache License" in licence
            and "Version 2.0" in licence
            and "SmartBear" in c.get("/docs/assets/swagger-ui/NOTICE").text
        )
        for escape in (
            "/docs/assets/../docs.py",
            "/docs/assets/%2e%2e/docs.py",
            "/docs/assets/swagger-ui/../../app.py",
        ):
            assert c.get(escape).status_code == 404 and "def install" not in c.get(escape).text


def test_redoc_leads_to_docs_and_fastapis_cdn_pages_are_gone(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as c:
        r = c.get("/redoc")
        assert r.status_code == 301 and r.headers["location"] == "/docs"
        assert "cdn.jsdelivr.net" not in c.get("/docs").text
        assert c.get("/docs/oauth2-redirect").status_code == 404  # FastAPI's page with an inline script is not served
        assert not any(p.startswith(("/docs", "/redoc")) for p in c.get("/openapi.json").json()["paths"])


def test_the_docs_answer_while_there_is_no_build(tmp_path: Path) -> None:
    """The API description does not come from the build: /docs helps while `hub build` has not run yet."""
    cfg = Settings(data_dir=tmp_path / "data", build_dir=tmp_path / "build", cache_dir=tmp_path / "cache")
    with serve(cfg) as url, httpx.Client(base_url=url, timeout=30) as c:
        assert c.get("/healthz").status_code == 503
        assert (
            c.get("/docs").status_code == 200
            and c.get("/docs/assets/swagger-ui/swagger-ui-bundle.js").status_code == 200
        )
        assert c.get("/openapi.json").status_code == 200


def test_the_vendored_files_are_the_pinned_release_and_ship_in_the_package() -> None:
    spec = importlib.util.spec_from_file_location("vendor_swagger_ui", REPO_DIR / "scripts" / "vendor_swagger_ui.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)  # type: ignore[union-attr]
    assert script.OUT == ASSETS / "swagger-ui"
    assert sorted(p.name for p in script.OUT.iterdir()) == sorted(script.FILES)
    meta = json.loads((script.OUT / "package.json").read_text(encoding="utf-8"))
    assert (meta["name"], meta["version"], meta["license"]) == ("swagger-ui-dist", script.VERSION, "Apache-2.0")
    # setuptools copies package data by glob, one folder level per pattern: every file /docs needs must be matched
    patterns = tomllib.loads((REPO_DIR / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["hub"]
    package = REPO_DIR / "hub"
    shipped = {p for pattern in patterns for p in package.glob(pattern) if p.is_file()}
    needed = {p for p in ASSETS.rglob("*") if p.is_file()} | {package / "api" / "templates" / "docs.html"}
    assert needed - shipped == set()


# ---------------------------------------------------------------- in a real browser


@pytest.mark.browser
def test_swagger_ui_lists_every_operation_and_runs_one_under_the_policy(browser, base: str) -> None:
    schema = httpx.get(f"{base}/openapi.json").json()
    operations = sum(
        1 for item in schema["paths"].values() for method in item if method in ("get", "post", "put", "delete", "patch")
    )
    ctx = browser.new_context()
    pg = ctx.new_page()
    problems: list[str] = []
    elsewhere: list[str] = []
    pg.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" or "Content Security Policy" in m.text else None,
    )
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.on("request", lambda r: None if r.url.startswith((base + "/", "data:")) else elsewhere.append(r.url))
    pg.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error('Content Security Policy: ' + "
        "e.violatedDirective + ' ' + e.blockedURI))"
    )
    try:
        pg.goto(f"{base}/docs")
        pg.wait_for_selector(".opblock", timeout=30_000)
        assert operations > 10 and pg.locator(".opblock").count() == operations
        assert pg.locator(".info .title").first.text_content().startswith("Strong Cities practice hub")
        op = pg.locator("#operations-meta-healthz_healthz_get")  # tag "meta", operationId healthz_healthz_get
        op.locator(".opblock-summary").click()
        op.get_by_role("button", name="Try it out").click()
        op.get_by_role("button", name="Execute").click()
        status = op.locator(".live-responses-table .response .response-col_status")
        status.wait_for(timeout=30_000)
        assert status.text_content().strip() == "200"
        assert (
            '"status": "ok"' in op.locator(".live-responses-table .response .response-col_description").text_content()
        )
        pg.wait_for_load_state("networkidle")
    finally:
        ctx.close()
    assert problems == [] and elsewhere == [], (problems, elsewhere)
