"""Snippets: a short passage of a result with the query's words marked.

The snippet is HTML-escaped text in which matched words are wrapped in ``<mark>``,
so a page can insert it as HTML safely and a terminal can turn the marks into
bold. Words are compared after the keyword analyser (accents folded, stemmed), so
``sport`` marks "sports" and ``Wroclaw`` marks "Wrocław".

Why not Whoosh's highlighter: it re-tokenises every text through the full analysis
chain and builds token objects, about 5 ms for a page of 20 results; this reads the
words with one regular expression and a cached per-word analysis, and keeps the
words of recent texts, well under 1 ms.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache

from hub.search.keyword import analyse, analyzer

SNIPPET_CHARS = 240
_WORD = re.compile(r"\w+(?:\.?\w+)*")  # the keyword analyser's tokenizer
_ANALYZER = analyzer()


@lru_cache(maxsize=200_000)
def _term(word: str) -> str | None:
    """The index term of one word (None for a stop word)."""
    terms = analyse(word, _ANALYZER)
    return terms[0] if terms else None


def _window(matches: list[tuple[int, int, str]], limit: int) -> tuple[int, int]:
    """Start and end of the ``limit``-character stretch holding the most distinct matched terms (earliest wins)."""
    best = (0, -1, 0)  # distinct terms, -start, start index
    for i, (start, _, _) in enumerate(matches):
        terms = {t for s, e, t in matches[i:] if e - start <= limit}
        if (len(terms), -start) > best[:2]:
            best = (len(terms), -start, i)
    return matches[best[2]][0], matches[best[2]][0] + limit


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[tuple[int, int, str | None], ...]:
    """Every word of a text with its span and index term; the same summaries and bodies recur across queries."""
    return tuple((m.start(), m.end(), _term(m.group())) for m in _WORD.finditer(text))


def _mark(text: str, terms: frozenset[str], limit: int) -> str | None:
    matches = [tok for tok in _tokens(text) if tok[2] in terms]
    if not matches:
        return None
    first, _ = _window(matches, limit)
    start = max(0, first - 60)  # some context before the first match
    if start:
        start = text.find(" ", start, first) + 1 or first
    end = min(len(text), start + limit)
    if end < len(text) and text.rfind(" ", start, end) > first:  # end on a word boundary
        end = text.rfind(" ", start, end)
    out, pos = [], start
    for s, e, _ in matches:
        if s < start or e > end:
            continue
        out += [html.escape(text[pos:s], quote=False), f"<mark>{html.escape(text[s:e], quote=False)}</mark>"]
        pos = e
    out.append(html.escape(text[pos:end], quote=False))
    return ("… " if start else "") + "".join(out) + (" …" if end < len(text) else "")


def _shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return f"{cut} …"


def snippet(texts: Iterable[str], terms: frozenset[str], limit: int = SNIPPET_CHARS) -> str:
    """The best marked passage from the first text that contains a query word, else the start of the first text."""
    texts = [" ".join(t.split()) for t in texts if t and t.strip()]
    if not texts:
        return ""
    if terms:
        for text in texts:
            marked = _mark(text, terms, limit)
            if marked:
                return marked
    return html.escape(_shorten(texts[0], limit), quote=False)
