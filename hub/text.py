"""Plain text shared by search and peers: accent folding, body chunks, and city names masked.

A lower layer than both :mod:`hub.search` and :mod:`hub.peers` (and :mod:`hub.vocab`): the search index and
the peer vectors cut a record's body into the same chunks and mask the same city names, so one
embedding of each chunk serves both (see :mod:`hub.search.semantic` for why names are masked), and
every comparison of words or labels folds accents the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

CHUNK_WORDS = 110  # about one paragraph; well inside the model's 256-token window
_MARKDOWN = re.compile(r"[#*_`>|]+|\[([^\]]*)\]\([^)]*\)")
MASK = "the city"
# letters NFKD does not split into a base letter and an accent
LETTERS = str.maketrans(
    {"ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th", "ð": "d", "ı": "i", "ħ": "h", "ŧ": "t"}
)


def fold(text: str) -> str:
    """Lower-case and strip accents: 'Wrocław' and 'wroclaw' compare equal (labels, filters, keyword terms)."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(LETTERS)


def plain_text(text: str) -> str:
    """Markdown as plain words: links keep their text, marks are dropped, whitespace is collapsed."""
    return " ".join(_MARKDOWN.sub(lambda m: m.group(1) or " ", text).split())


def chunks(body: str, size: int = CHUNK_WORDS) -> list[str]:
    """Paragraphs packed into pieces of at most ``size`` words; a longer paragraph is cut by sentences."""
    pieces: list[str] = []
    for para in re.split(r"\n\s*\n", body):
        words = plain_text(para).split()
        if not words:
            continue
        if len(words) <= size:
            pieces.append(" ".join(words))
            continue
        sentence: list[str] = []
        for sent in re.split(r"(?<=[.!?])\s+", " ".join(words)):
            if sentence and len(sentence) + len(sent.split()) > size:
                pieces.append(" ".join(sentence))
                sentence = []
            sentence.extend(sent.split())
        if sentence:
            pieces.append(" ".join(sentence))
    packed: list[str] = []  # join short neighbours so no piece is a lone sentence
    for piece in pieces:
        if packed and len(packed[-1].split()) + len(piece.split()) <= size:
            packed[-1] = f"{packed[-1]} {piece}"
        else:
            packed.append(piece)
    return packed


def name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex for every name; the longest name wins ('Isiolo County' over 'Isiolo').

    The names are written as a trie (``(?:isiolo(?: county)?|nan(?:sana)?)``), not as one alternative each:
    the regex engine then follows one branch per character instead of trying every name at
    every position, so masking costs the same with 2,500 names as with 50 (it grew with
    texts × names: most of a 50,000-practice build's search stage)."""
    trie: dict[str, dict] = {}
    for name in {
        n.strip().lower() for n in names if n and len(n.strip()) > 2
    }:  # one case: the trie keeps longest-first
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}  # a name ends here
    return re.compile(r"\b" + _trie_regex(trie) + r"\b", re.IGNORECASE) if trie else None


def _trie_regex(node: dict[str, dict]) -> str:
    """The regex of one trie node: one branch per next character, and where a name may end there the rest
    is optional — greedy, so the longest name that matches wins, as longest-first alternatives would."""
    branches = [re.escape(ch) + _trie_regex(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    if len(branches) == 1 and "" not in node:
        return branches[0]  # a run of single letters needs no group: 'abc', not 'a(?:b(?:c))'
    return "(?:" + "|".join(branches) + ")" + ("?" if "" in node else "")


def city_names(catalog: Iterable[dict]) -> re.Pattern[str] | None:
    """Every hub city's name and aliases, as masked in the texts :func:`units` embeds."""
    cities = [e for e in catalog if e["type"] == "city"]
    return name_pattern([c["title"] for c in cities] + [a for c in cities for a in c.get("aliases") or []])


def mask(text: str, pattern: re.Pattern[str] | None) -> str:
    return _masked(text, pattern) if pattern else text


@lru_cache(maxsize=200_000)
def _masked(text: str, pattern: re.Pattern[str]) -> str:
    """Remembered: a rebuild masks every chunk of every record again, and only an edited one has changed."""
    return pattern.sub(MASK, text)
