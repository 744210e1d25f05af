"""Keyword search: a Whoosh BM25F index behind one small interface (:class:`KeywordEngine`).

Why it looks like this:

* **Lenient parsing.** Officials type "support for refugees (Ukraine)", stray quotes,
  ``AND``/``NOT`` or ``theme:youth``. Whoosh's own parser turns some of these into
  errors or silently empty queries, so we never hand it user syntax: balanced
  ``"quoted phrases"`` are kept as phrases, everything else is read as plain words
  and operators are ignored.
* **One analyser for index and query**: Unicode words, accents folded with
  :func:`hub.vocab.fold` (``Wroclaw`` finds ``Wrocław``), stop words dropped, Porter
  stemming (``sports`` finds ``sport``).
* **SKOS synonyms.** The vocabularies' preferred and alternative labels form
  synonym groups; a query mentioning one label also searches the others, with a
  lower weight ("protection of places of worship" → "soft-target protection").
* **Common terms** (in more than ``common_ratio`` of documents, e.g. "city") add
  to the score but do not by themselves make a document match, so the result set
  and its facet counts stay meaningful for long, conversational queries.

Anything else that ranks text by keywords can replace Whoosh by implementing
:class:`KeywordEngine` and the two functions :func:`build` / :func:`open_engine`.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from whoosh import index as windex
from whoosh.analysis import Analyzer, Filter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis import STOP_WORDS
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.query import AndMaybe, Or, Phrase, Query, Term
from whoosh.scoring import BM25F

from hub.vocab import fold

FIELDS = ("title", "summary", "body", "place", "concepts", "extra")
# Words a city official adds to a question that say nothing about the practice sought.
# "us" is kept out of the list on purpose: it is also the United States.
STOPLIST = frozenset(STOP_WORDS - {"us"}) | {
    "how", "what", "which", "who", "do", "does", "did", "i", "me", "my", "our", "ours", "any", "some",
    "about", "into", "been", "has", "had", "was", "were", "they", "them", "their", "its", "there", "so",
    "e", "g", "eg", "ie", "etc", "example", "examples", "looking", "want", "ideas",
}
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "＂": '"'})
# ``title:youth`` is read as ``youth``: field syntax of other search engines, not words to look for
_FIELD_PREFIX = re.compile(r"\b(?:title|summary|body|text|city|country|region|place|theme|topic|type|level|stakeholder|challenge|id|tag|author):(?=\S)", re.I)


# letters that Unicode does not decompose into a base letter + accent, so fold() keeps them
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th", "ð": "d", "ı": "i", "ħ": "h", "ŧ": "t"})


@lru_cache(maxsize=200_000)
def _fold(word: str) -> str:
    return fold(word).translate(_LETTERS)


class FoldFilter(Filter):
    """Lower-case and strip accents with the hub's folding rule, plus the letters it keeps (Utøya → utoya)."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = _fold(t.text)  # cached: the same few thousand words recur in every text and snippet
            yield t


def analyzer() -> Analyzer:
    """The analyser of every text field and of every query: words → folded → no stop words → stems."""
    return RegexTokenizer(r"\w+(?:\.?\w+)*") | FoldFilter() | StopFilter(stoplist=STOPLIST, minsize=2) | StemFilter()


def analyse(text: str, ana: Analyzer | None = None) -> list[str]:
    return [t.text for t in (ana or analyzer())(text)]


@dataclass(frozen=True)
class KeywordParams:
    """Field weights and query shaping; tuned on bench/eval/search_queries.json."""

    boosts: dict[str, float] = field(default_factory=lambda: {
        "title": 2.0, "summary": 1.5, "body": 1.0, "place": 2.5, "concepts": 2.0, "extra": 0.8})
    phrase_boost: float = 2.0  # a "quoted phrase" found as a phrase
    bigram_boost: float = 0.5  # two query words found next to each other ...
    bigram_fields: tuple[str, ...] = ("title",)  # ... in these fields (phrase matching is costly; body bigrams did not help)
    synonym_boost: float = 0.5  # a SKOS synonym of a label in the query
    common_ratio: float = 0.4  # terms in more than this share of documents do not decide matching


@dataclass
class KeywordResult:
    """Every matching document (index into the corpus) with its score, best first."""

    hits: list[tuple[int, float]]
    terms: frozenset[str]  # analysed terms, for highlighting snippets
    notice: str | None = None  # why the query could not be used as typed


class KeywordEngine(Protocol):
    """What the rest of search needs from a keyword engine."""

    def search(self, text: str) -> KeywordResult: ...

    def terms(self, text: str) -> frozenset[str]: ...


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...]  # analysed tokens of the whole query, in order
    phrases: tuple[tuple[str, ...], ...]  # analysed tokens of each balanced "quoted phrase"


def parse(text: str, ana: Analyzer | None = None) -> ParsedQuery:
    """Read any string as words and quoted phrases; never raises, ignores operators and ``field:`` syntax."""
    ana = ana or analyzer()
    text = _FIELD_PREFIX.sub(" ", unicodedata.normalize("NFKC", text).translate(_QUOTES))
    parts = text.split('"')
    unbalanced = len(parts) % 2 == 0  # an odd number of quotes: the last one opens nothing
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    for i, part in enumerate(parts):
        toks = analyse(part, ana)
        words.extend(toks)
        quoted = i % 2 == 1 and not (unbalanced and i == len(parts) - 1)
        if quoted and len(toks) > 1:
            phrases.append(tuple(toks))
    return ParsedQuery(tuple(words), tuple(phrases))


class Synonyms:
    """SKOS label groups (preferred label first) as analysed token sequences.

    A preferred label in the query adds its alternative labels; an alternative label
    adds the preferred one only, not its siblings (alternatives may be kinds of the
    concept rather than synonyms of each other: "anchor team", "situation table")."""

    def __init__(self, groups: Iterable[Sequence[str]], ana: Analyzer):
        self.groups: list[list[tuple[str, ...]]] = []
        self._first: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for labels in groups:
            pref, *alts = (tuple(analyse(label, ana)) for label in labels)
            seqs = list(dict.fromkeys([pref, *(a for a in alts if a)]))
            if not pref or len(seqs) < 2:
                continue
            gi = len(self.groups)
            self.groups.append(seqs)
            for s in seqs:
                self._first.setdefault(s[0], []).append((s, gi))

    def expand(self, words: Sequence[str]) -> list[tuple[str, ...]]:
        """The labels (token sequences) synonymous with a label present in ``words``, not already in them."""
        found: set[int] = set()
        present: set[tuple[str, ...]] = set()
        for i, w in enumerate(words):
            for seq, gi in self._first.get(w, ()):
                if tuple(words[i:i + len(seq)]) == seq:
                    found.add(gi)
                    present.add(seq)
        out: list[tuple[str, ...]] = []
        for gi in sorted(found):
            pref, *alts = self.groups[gi]
            for s in alts if pref in present else [pref]:
                if s not in present and s not in out:
                    out.append(s)
        return out


def schema() -> Schema:
    ana = analyzer()
    text = {name: TEXT(analyzer=ana, phrase=True) for name in FIELDS}
    return Schema(n=NUMERIC(stored=True, numtype=int, bits=32), id=ID(stored=True, unique=True), **text)


def build(directory: Path, docs: Sequence[dict[str, str]], synonyms: Sequence[Sequence[str]]) -> None:
    """Write a fresh index: one Whoosh document per record, in corpus order (``n`` = position)."""
    directory.mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(directory), schema())
    writer = ix.writer(limitmb=256)
    for n, doc in enumerate(docs):
        writer.add_document(n=n, id=doc["id"], **{f: doc.get(f) or "" for f in FIELDS})
    writer.commit(optimize=True)
    (directory / "synonyms.json").write_text(json.dumps([list(g) for g in synonyms], ensure_ascii=False), encoding="utf-8")


class WhooshEngine:
    """A read-only Whoosh index; searches are serialised because a Whoosh searcher is not thread-safe."""

    def __init__(self, directory: Path, params: KeywordParams | None = None):
        from whoosh.filedb.filestore import FileStorage, copy_to_ram

        self.params = params or KeywordParams()
        storage = copy_to_ram(FileStorage(str(directory)))  # small: serving reads no files after start
        self._ix = storage.open_index()
        self._searcher = self._ix.searcher(weighting=BM25F())
        self._lock = threading.Lock()
        self._ana = analyzer()
        self.n_docs = self._searcher.doc_count()
        self._position = [0] * self._searcher.reader().doc_count_all()
        for docnum, stored in self._searcher.reader().iter_docs():
            self._position[docnum] = stored["n"]
        groups = json.loads((directory / "synonyms.json").read_text(encoding="utf-8"))
        self.synonyms = Synonyms(groups, self._ana)

    def terms(self, text: str) -> frozenset[str]:
        q = parse(text, self._ana)
        return frozenset(q.words) | {t for s in self.synonyms.expand(q.words) for t in s}

    def _clause(self, seq: tuple[str, ...], weight: float, fields: Iterable[str] | None = None) -> Query | None:
        """``seq`` (a word or a phrase) in each field where all its words occur; None when no field has them."""
        boosts = self.params.boosts
        fields = [f for f in (fields or boosts) if all(self._searcher.doc_frequency(f, w) for w in seq)]
        if not fields:
            return None
        if len(seq) == 1:
            return Or([Term(f, seq[0], boost=boosts[f] * weight) for f in fields])
        return Or([Phrase(f, list(seq), boost=boosts[f] * weight) for f in fields])

    def query(self, parsed: ParsedQuery) -> Query | None:
        """The Whoosh query for a parsed user query, or None when it has no searchable word."""
        p = self.params
        words = list(dict.fromkeys(parsed.words))
        if not words:
            return None
        rare: list[Query] = []
        common: list[Query] = []
        for w in words:
            df = max(self._searcher.doc_frequency(f, w) for f in ("title", "summary", "body", "concepts"))
            (common if df > p.common_ratio * self.n_docs else rare).append(self._clause((w,), 1.0))
        extra = [self._clause(ph, p.phrase_boost) for ph in parsed.phrases]
        extra += [self._clause(s, p.synonym_boost) for s in self.synonyms.expand(parsed.words)]
        if p.bigram_boost:
            pairs = dict.fromkeys(zip(parsed.words, parsed.words[1:]))
            extra += [self._clause(pair, p.bigram_boost, p.bigram_fields) for pair in pairs if pair[0] != pair[1]]
        rare, common, extra = ([q for q in qs if q is not None] for qs in (rare, common, extra))
        if not (rare or common or extra):
            return Or([])  # words that occur nowhere: a valid query with no match
        if rare:
            core = Or(rare + extra)
            return AndMaybe(core, Or(common)) if common else core
        return Or(common + extra)

    def search(self, text: str) -> KeywordResult:
        parsed = parse(text, self._ana)
        q = self.query(parsed)
        terms = frozenset(parsed.words) | {t for s in self.synonyms.expand(parsed.words) for t in s}
        if q is None:
            notice = "the query has no searchable words (only stop words or punctuation)" if text.strip() else None
            return KeywordResult([], terms, notice)
        with self._lock:
            results = self._searcher.search(q, limit=None)
            hits = [(self._position[docnum], float(score)) for score, docnum in results.top_n]
        return KeywordResult(hits, terms)


def open_engine(directory: Path, params: KeywordParams | None = None) -> KeywordEngine:
    return WhooshEngine(directory, params)

