"""Snippets: a short passage of a result with the query's words marked.

The snippet is HTML-escaped text in which matched words are wrapped in ``<mark>``,
so a page can insert it as HTML safely and a terminal can turn the marks into
bold. Matching uses the keyword analyser, so ``sport`` marks "sports" and
``Wroclaw`` marks "Wrocław".
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from whoosh.analysis import Analyzer
from whoosh.highlight import ContextFragmenter, Formatter, get_text, highlight

SNIPPET_CHARS = 240


class _Mark(Formatter):
    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text, quote=False)

    def format_token(self, text: str, token, replace: bool = False) -> str:
        return f"<mark>{self._text(get_text(text, token, replace))}</mark>"


def _shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return f"{cut} …"


def snippet(texts: Iterable[str], terms: frozenset[str], ana: Analyzer, limit: int = SNIPPET_CHARS) -> str:
    """The best marked passage from the first text that contains a query word, else the start of the first text."""
    texts = [" ".join(t.split()) for t in texts if t and t.strip()]
    if not texts:
        return ""
    if terms:
        fragmenter = ContextFragmenter(maxchars=limit, surround=60)
        for text in texts:
            marked = highlight(text, terms, ana, fragmenter, _Mark(), top=1)
            if marked:
                return marked.strip()
    return html.escape(_shorten(texts[0], limit), quote=False)


def plain(marked: str) -> str:
    """A snippet without marks, unescaped (for terminals and plain-text consumers)."""
    return html.unescape(marked.replace("<mark>", "").replace("</mark>", ""))
