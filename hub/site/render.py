"""Jinja2 rendering for the site: one environment, autoescaped and strict, whose errors name the template and line.

Curated text reaches every page, so autoescaping is on for every template and
Markdown is rendered with raw HTML disabled. Undefined variables raise
(``StrictUndefined``): a typo in a template fails the build instead of silently
printing nothing, and :func:`render` turns any failure inside a template into a
:class:`SiteError` that starts with ``path/to/template.html:LINE``.
"""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateSyntaxError
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False})  # raw HTML in a curator's text is shown, never executed
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


class SiteError(RuntimeError):
    """A page could not be built; the message starts with ``template:line`` when a template is at fault."""


def markdown(text: str | None, shift: int = 2) -> Markup:
    """Markdown to HTML, headings pushed down ``shift`` levels so a body never adds a second <h1>."""
    tokens = _md.parse(text or "")
    for t in tokens:
        if t.type in ("heading_open", "heading_close"):
            t.tag = f"h{min(int(t.tag[1]) + shift, 6)}"
    return Markup(_md.renderer.render(tokens, _md.options, {}))


def a_or_an(noun: str) -> str:
    """The noun with its indefinite article, by its first letter ("a theme", "an evidence level"): the browse pages'
    sentences name any facet of the registry."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def json_script(data: Any) -> Markup:
    """JSON safe to put inside <script>: '<', '>' and '&' are escaped so '</script>' in a value cannot end the
    element."""
    return Markup(json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES))


def environment(templates: Path, globals_: dict[str, Any] | None = None) -> Environment:
    """The environment for a templates folder, kept per process so templates compile once
    (Jinja recompiles a template whose file changed); each build sets its own globals."""
    env = _environments.get(templates)
    if env is None:
        env = _environments[templates] = _new_environment(templates)
    env.globals.update(globals_ or {})
    return env


_environments: dict[Path, Environment] = {}


def _new_environment(templates: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = markdown
    env.filters["json_script"] = json_script
    env.filters["a_or_an"] = a_or_an
    return env


def _where(filename: str | None, line: int | None) -> str:
    path = filename or "?"
    if filename and os.path.isabs(filename):
        rel = os.path.relpath(filename)
        path = rel if not rel.startswith("..") else filename
    return f"{path}:{line or 0}"


def render(env: Environment, name: str, context: dict[str, Any]) -> str:
    """Render one template; any failure inside a template becomes a SiteError naming its file and line."""
    try:
        return env.get_template(name).render(context)
    except TemplateSyntaxError as exc:
        raise SiteError(
            f"{_where(exc.filename or exc.name, exc.lineno)}: template syntax error: {exc.message}"
        ) from None
    except Exception as exc:
        roots = [os.path.abspath(p) for p in env.loader.searchpath]  # type: ignore[union-attr]
        frames = [
            f
            for f in traceback.extract_tb(exc.__traceback__)
            if any(os.path.abspath(f.filename).startswith(r + os.sep) for r in roots)
        ]
        if not frames:
            raise
        raise SiteError(
            f"{_where(frames[-1].filename, frames[-1].lineno)}: {type(exc).__name__}: {exc} (rendering {name})"
        ) from None
