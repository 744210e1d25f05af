"""The documentation keeps up with the code (the idea of Datasette's test_docs).

Every command and option of the Typer app, every route of the API and every ``HUB_*`` setting must be
named in README.md or docs/*.md; every relative link there must lead to a file (and heading) that exists;
the README stays short and starts with the two commands a newcomer runs; and docs/performance.md is what
scripts/performance_page.py makes of bench/results/ today.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import click
import pytest
import typer.main
from starlette.routing import BaseRoute, Mount

from hub.api.app import create_app
from hub.cli import app as cli_app

REPO = Path(__file__).resolve().parent.parent
DOC_FILES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SETUP_AND_RUN = "./scripts/setup.sh && .venv/bin/hub build && .venv/bin/hub serve"
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _docs_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in DOC_FILES)


def _commands(group: click.Command, prefix: str = "hub") -> list[tuple[str, click.Command]]:
    """Every command under the app, subcommands of groups included, as ('hub name sub', command)."""
    found = []
    for name, cmd in getattr(group, "commands", {}).items():
        found.append((f"{prefix} {name}", cmd))
        found += _commands(cmd, f"{prefix} {name}")
    return found


def _routes(routes: list[BaseRoute], prefix: str = "") -> list[str]:
    """Every path the app answers, through included routers, without the static mounts."""
    paths = []
    for route in routes:
        if isinstance(route, Mount):
            continue
        included = getattr(route, "original_router", None)  # FastAPI >= 0.165 keeps include_router lazily
        if included is not None:
            paths += _routes(included.routes, prefix + route.include_context.prefix)
        elif getattr(route, "path", None):
            paths.append(prefix + route.path)
    return sorted(set(paths))


def _path_pattern(path: str) -> re.Pattern[str]:
    """A route path as the docs may write it: `{record_id}`, `{id}` or a real id such as `nansana`."""
    parts = re.split(r"\{[^}]+\}", path)
    body = r"(?:\{[^}/]+\}|[\w.%-]+)".join(re.escape(p) for p in parts)
    return re.compile(body + r"(?![\w{-])" + ("" if path.endswith("/") else r"(?!/\w)"))


CLI_COMMANDS = _commands(typer.main.get_command(cli_app))
API_PATHS = _routes(create_app().routes)
SETTINGS = sorted(set(re.findall(r"HUB_[A-Z][A-Z_]*", (REPO / "hub" / "config.py").read_text(encoding="utf-8"))))


def test_the_lists_are_not_empty():
    """A change in Typer or FastAPI that hid the commands or routes would otherwise pass every test below."""
    assert len(CLI_COMMANDS) >= 10 and len(API_PATHS) >= 15 and len(SETTINGS) >= 15


@pytest.mark.parametrize("name", [n for n, _ in CLI_COMMANDS])
def test_every_command_is_documented(name: str):
    assert re.search(re.escape(name) + r"(?![\w-])", _docs_text()), f"`{name}` is not in README.md or docs/*.md"


@pytest.mark.parametrize(
    "name,option",
    [
        (n, o)
        for n, c in CLI_COMMANDS
        for p in c.params
        for o in [*p.opts, *getattr(p, "secondary_opts", [])]
        if o.startswith("--")
    ],
)
def test_every_option_is_documented(name: str, option: str):
    assert re.search(re.escape(option) + r"(?![\w-])", _docs_text()), f"`{name} {option}` is not documented"


@pytest.mark.parametrize("path", API_PATHS)
def test_every_route_is_documented(path: str):
    assert _path_pattern(path).search(_docs_text()), f"route {path} is not in README.md or docs/*.md"


@pytest.mark.parametrize("setting", SETTINGS)
def test_every_setting_is_documented(setting: str):
    assert re.search(setting + r"(?![A-Z_])", _docs_text()), f"{setting} is not in README.md or docs/*.md"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", text))


def _anchors(doc: Path) -> set[str]:
    text = FENCE.sub("", doc.read_text(encoding="utf-8"))
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+)$", text, re.M)}


@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda p: p.name)
def test_relative_links_lead_somewhere(doc: Path):
    text = FENCE.sub("", doc.read_text(encoding="utf-8"))
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        dest = (doc.parent / file).resolve() if file else doc
        if not dest.exists():
            broken.append(target)
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(target)
    assert not broken, f"{doc.name}: links to nothing: {broken}"


def test_readme_is_short_and_starts_with_the_two_commands():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    blocks = [b.strip() for b in FENCE.findall(text)]
    assert blocks[:2] == [SETUP_AND_RUN, "./scripts/test.sh"]


def test_performance_page_is_generated_from_the_results():
    """docs/performance.md is the script's output for bench/results/ as committed: re-run it after a benchmark."""
    spec = importlib.util.spec_from_file_location("performance_page", REPO / "scripts" / "performance_page.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = module.render(REPO / "bench" / "results")
    assert (REPO / "docs" / "performance.md").read_text(encoding="utf-8") == page
    for result in (REPO / "bench" / "results").glob("*.json"):
        assert f"`bench/results/{result.name}`" in page


def test_performance_page_says_what_a_result_does_not_record(tmp_path: Path):
    """A result file without machine, commit or date is shown as such, never with a guessed machine."""
    spec = importlib.util.spec_from_file_location("performance_page", REPO / "scripts" / "performance_page.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "new-bench.json").write_text('{"p50_ms": 12.5, "runs": 3}', encoding="utf-8")
    (tmp_path / "search.json").write_text(
        '{"machine": {"cores": 2, "cpu": "Some CPU"}, "commit": "abc1234", "date": "2026-01-02", "scales": {}}',
        encoding="utf-8",
    )
    page = module.render(tmp_path)
    assert "| `bench/results/new-bench.json` | new-bench | not recorded | not recorded | not recorded |" in page
    assert "| p50_ms | 12.5 |" in page
    assert "Machine: 2 cores, Some CPU. Commit: abc1234. Date: 2026-01-02." in page
