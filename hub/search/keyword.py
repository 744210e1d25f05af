"""Keyword search: a Whoosh index ranked by BM25F, behind one small interface (:class:`KeywordEngine`).

Why it looks like this:

* **Lenient parsing.** Officials type "support for refugees (Ukraine)", stray quotes,
  ``AND``/``NOT`` or ``theme:youth``. Whoosh's own parser turns some of these into
  errors or silently empty queries, so we never hand it user syntax: balanced
  ``"quoted phrases"`` are kept as phrases, everything else is read as plain words
  and operators are ignored.
* **One analyser for index and query**: Unicode words, accents folded with
  :func:`hub.vocab.fold` (``Wroclaw`` finds ``Wrocław``), American ``-ize``/``-yze``
  spellings read as British ``-ise``/``-yse`` with their inflections (``polarization``
  finds ``polarisation``: Porter strips ``-ization`` but not ``-isation``, so the two
  never met), stop words dropped, Porter stemming (``sports`` finds ``sport``).
* **All words must match** (each by itself, a stem of it or a SKOS synonym of a label
  it is part of); records with only some of them are a fallback the caller asks for
  (``match="any"``) and says so, so counts and facets describe records that match.
* **Did you mean**: words no record contains are corrected from the index's own
  vocabulary (:mod:`hub.search.suggest`).
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
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

import numpy as np
from whoosh import index as windex
from whoosh.analysis import STOP_WORDS, Analyzer, Filter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.lang.porter import stem as english_stem
from whoosh.query import And, AndMaybe, Or, Phrase, Query, Term
from whoosh.scoring import BM25F

from hub.search import languages
from hub.search.suggest import Suggester
from hub.text import fold

if TYPE_CHECKING:
    from hub.background import Job

FIELDS = ("title", "summary", "body", "place", "concepts", "extra", "labels")
# "labels": the record's concepts in French, Spanish, Portuguese, Arabic and Russian (hub/ontology/vocab/labels/).
# A query word is looked for there only when no English field holds it (see WhooshEngine._clause), so an English
# query ranks exactly as without them while "jeunesse" or "молодёжь" reach the records tagged "youth".
TRANSLATED = "labels"
# Words a city official adds to a question that say nothing about the practice sought.
# "us" is kept out of the list on purpose: it is also the United States.
STOPLIST = frozenset(STOP_WORDS - {"us"}) | {
    "how",
    "what",
    "which",
    "who",
    "do",
    "does",
    "did",
    "i",
    "me",
    "my",
    "our",
    "ours",
    "any",
    "some",
    "about",
    "into",
    "been",
    "has",
    "had",
    "was",
    "were",
    "they",
    "them",
    "their",
    "its",
    "there",
    "so",
    "e",
    "g",
    "eg",
    "ie",
    "etc",
    "example",
    "examples",
    "looking",
    "want",
    "ideas",
}
# function words only other languages have ("des", "los", "para", "для"): a query holding one is not English, and the
# index's English words are no spelling corrections for it
FOREIGN_MARKERS = frozenset(w for w in languages.STOPWORDS - STOPLIST if len(w) >= 3 or languages.script(w) != "latin")
STOPLIST |= languages.STOPWORDS  # function words of French, Spanish, Portuguese, Russian and Arabic ("des", "и", "في")
BM25_B, BM25_K1 = 0.75, 1.2  # Whoosh's BM25F defaults
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "＂": '"'})
# ``title:youth`` is read as ``youth``: field syntax of other search engines, not words to look for
_FIELD_PREFIX = re.compile(
    r"\b(?:title|summary|body|text|city|country|region|place|theme|topic|type|level|stakeholder|challenge|id|tag|author):",
    re.I,
)


# American -ize/-yze (and -ization, -ized, -izing, -izer...) read as British -ise/-yse; three letters before the
# suffix at least, so "size", "prize" and "seize" stay as they are ("citizen" has no such suffix)
_SPELLING = re.compile(r"^(\w{3,}?)([iy])z(e|es|ed|ing|er|ers|able|ation|ations|ational)$")


@lru_cache(maxsize=200_000)
def _fold(word: str) -> str:
    kind = languages.script(word)
    if kind == "arabic":
        return languages.normalise_arabic(fold(word))
    if kind == "cyrillic":  # not fold(): it would read "й" as "и"
        return languages.normalise_cyrillic(word)
    return _SPELLING.sub(r"\1\2s\3", fold(word))


def stem(word: str) -> str:
    """Porter for words in Latin script (as before), Snowball Russian for Cyrillic, Light10 for Arabic."""
    return languages.stem_other_script(word) or english_stem(word)


class FoldFilter(Filter):
    """Lower-case and strip accents with the hub's folding rule, plus the letters it keeps (Utøya → utoya)."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = _fold(t.text)  # cached: the same few thousand words recur in every text and snippet
            yield t


# a word may carry combining marks (Arabic tashkeel and tatweel, accents typed apart): one word, folded later
TOKEN = r"[\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u0640]+(?:\.?\w+)*"


def analyzer() -> Analyzer:
    """The analyser of every text field and of every query: words → folded → no stop words → stems.

    Stop words are dropped again after stemming: a stem can be one ('ÆÐ' folds to 'aed', whose stem is 'a')."""
    stop = StopFilter(stoplist=STOPLIST, minsize=2)
    return RegexTokenizer(TOKEN) | FoldFilter() | stop | StemFilter(stemfn=stem) | stop


def analyse(text: str, ana: Analyzer | None = None) -> list[str]:
    return [t.text for t in (ana or analyzer())(text)]


@dataclass(frozen=True)
class KeywordParams:
    """Field weights and query shaping; tuned on bench/eval/search_queries.json."""

    boosts: dict[str, float] = field(
        default_factory=lambda: {
            "title": 2.0,
            "summary": 1.5,
            "body": 1.0,
            "place": 2.5,
            "concepts": 2.0,
            "extra": 0.8,
            TRANSLATED: 2.0,
        }
    )
    phrase_boost: float = 2.0  # a "quoted phrase" found with its words adjacent
    bigram_boost: float = 0.5  # two neighbouring query words found together ...
    bigram_fields: tuple[str, ...] = ("title",)  # ... in these fields (in summary and body they did not help)
    synonym_boost: float = 0.5  # a SKOS synonym of a label in the query (all its words in one field)
    common_ratio: float = 0.4  # terms in more than this share of documents do not decide matching
    most_slack: int = 99  # when too few records hold all words: results hold at least (the most any holds − this)
    min_all: int = 10  # fewer records than this holding every word (a page): records with some of them follow
    tiers: bool = True  # ... after those holding every word (hybrid nDCG@10 0.849 with, 0.845 without)
    # the bilingual lexicon's everyday words also search their English word at synonym weight, like the labels
    # (a query in another language only; the rendered query uses them either way). Tune split of the cross-lingual
    # set: keyword nDCG@10 0.492 -> 0.565, hybrid at its best settings the same (bench/eval_search.py --tune-xl)
    everyday_words: bool = True


@dataclass
class KeywordResult:
    """Every matching record (position in the corpus) with its score, best first."""

    ids: np.ndarray  # int64
    scores: np.ndarray  # float64, same order
    terms: frozenset[str]  # analysed terms, for highlighting snippets
    notice: str | None = None  # why the query could not be used as typed
    match: str | None = None  # "all": every record has all the words; "any": some of them; None: no word to match
    missing: tuple[str, ...] = ()  # words of the query (as typed, folded) that no record contains
    held: tuple[int, int] | None = None  # with match="best": (words each result holds at least, words to match)

    @property
    def hits(self) -> list[tuple[int, float]]:
        return list(zip(self.ids.tolist(), self.scores.tolist(), strict=True))


class KeywordEngine(Protocol):
    """What the rest of search needs from a keyword engine."""

    translations: Translations  # the concepts' labels in other languages (hub.search.rendering reads them too)

    def search(self, text: str, match: str = "any", *, labels: bool = True) -> KeywordResult: ...

    def terms(self, text: str) -> frozenset[str]: ...

    def suggest(self, text: str) -> str | None: ...


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...]  # analysed tokens of the whole query, in order
    phrases: tuple[tuple[str, ...], ...]  # analysed tokens of each balanced "quoted phrase"
    # the labels in other languages count (field and translations); False for a query known to be English, so that
    # an English word only a translation holds ("forces", in "forces de l'ordre") matches nothing
    labels: bool = True


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
        return list(self.covering(words))

    def covering(self, words: Sequence[str]) -> dict[tuple[str, ...], frozenset[str]]:
        """:meth:`expand`'s labels, each with the query words of the label it stands for (what finding it satisfies)."""
        found: dict[int, set[tuple[str, ...]]] = {}
        present: set[tuple[str, ...]] = set()
        for i, w in enumerate(words):
            for seq, gi in self._first.get(w, ()):
                if tuple(words[i : i + len(seq)]) == seq:
                    found.setdefault(gi, set()).add(seq)
                    present.add(seq)
        out: dict[tuple[str, ...], frozenset[str]] = {}
        for gi in sorted(found):
            pref, *alts = self.groups[gi]
            covered = frozenset(w for seq in found[gi] for w in seq)
            for s in alts if pref in present else [pref]:
                if s not in present:
                    out[s] = out.get(s, frozenset()) | covered
        return out


class Translation(NamedTuple):
    """One entry of :class:`Translations`: analysed words in another language and the English they stand for."""

    words: tuple[str, ...]
    english: tuple[str, ...]
    label: bool  # a concept's label; False: an everyday word of the bilingual lexicon (hub.search.bilingual)
    written: str  # the English as written ("youth"; "prevent", whose analysed form is also "prevention"'s)


class Translations:
    """Labels in other languages, one way: a concept's French, Spanish, Portuguese, Arabic or Russian label in the
    query also searches its English preferred label ("jeunesse" → "youth"), so records that speak of youth without
    being tagged with it are found too. The English label never adds its translations: an English query is searched
    as it was. Groups are ``[English label, *translations]``.

    ``words`` are the bilingual lexicon's groups (``[english, *forms]``, :mod:`hub.search.bilingual`): everyday words
    in the same mapping, for :mod:`hub.search.rendering`; a form that is also a label is the label's. The keyword
    side expands them only when ``covering`` is asked to (``KeywordParams.everyday_words``)."""

    def __init__(self, groups: Iterable[Sequence[str]], ana: Analyzer, words: Iterable[Sequence[str]] = ()):
        self._first: dict[str, list[Translation]] = {}
        labelled: set[tuple[str, ...]] = set()
        for group, is_label in [*((g, True) for g in groups), *((g, False) for g in words)]:
            english, *others = (tuple(analyse(text, ana)) for text in group)
            if not english:
                continue
            for seq in dict.fromkeys(o for o in others if o):
                if not is_label and seq in labelled:  # the label wins: it is a whole concept
                    continue
                if is_label:
                    labelled.add(seq)
                self._first.setdefault(seq[0], []).append(Translation(seq, english, is_label, group[0]))

    def starting(self, word: str) -> list[Translation]:
        """Every translation whose first analysed word is ``word``."""
        return self._first.get(word, [])

    def covering(self, words: Sequence[str], everyday: bool = False) -> dict[tuple[str, ...], frozenset[str]]:
        """The English labels of the translations present in ``words``, each with the query words it stands for
        (and the lexicon's English words with ``everyday``)."""
        out: dict[tuple[str, ...], frozenset[str]] = {}
        for i, w in enumerate(words):
            for t in self._first.get(w, ()):
                if (t.label or everyday) and tuple(words[i : i + len(t.words)]) == t.words:
                    out[t.english] = out.get(t.english, frozenset()) | frozenset(t.words)
        return {e: c for e, c in out.items() if not _holds(words, e)}


def _holds(words: Sequence[str], seq: tuple[str, ...]) -> bool:
    """``seq`` occurs in ``words``, in order and adjacent."""
    return any(tuple(words[i : i + len(seq)]) == seq for i in range(len(words)))


def schema() -> Schema:
    ana = analyzer()
    text = {name: TEXT(analyzer=ana, phrase=True) for name in FIELDS}
    return Schema(n=NUMERIC(stored=True, numtype=int, bits=32), id=ID(stored=True, unique=True), **text)


def build(
    directory: Path,
    docs: Sequence[dict[str, str]],
    synonyms: Sequence[Sequence[str]],
    translations: Sequence[Sequence[str]] = (),
    words: Sequence[Sequence[str]] = (),
) -> None:
    """Write a fresh index: one Whoosh document per record, in corpus order (``n`` = position); ``translations``
    and ``words`` (the bilingual lexicon) go to ``translations.json`` for :class:`Translations`."""
    directory.mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(directory), schema())
    writer = ix.writer(limitmb=256)
    for n, doc in enumerate(docs):
        writer.add_document(n=n, id=doc["id"], **{f: doc.get(f) or "" for f in FIELDS})
    writer.commit(optimize=True)
    (directory / "synonyms.json").write_text(
        json.dumps([list(g) for g in synonyms], ensure_ascii=False), encoding="utf-8"
    )
    given = {"labels": [list(g) for g in translations], "words": [list(g) for g in words]}
    (directory / TRANSLATIONS).write_text(json.dumps(given, ensure_ascii=False), "utf-8")
    (directory / LEXICON).write_text(json.dumps(lexicon(docs), ensure_ascii=False), encoding="utf-8")


# {"labels": [English label, *its translations] per concept, "words": [english, *forms] of the lexicon}: Translations
TRANSLATIONS = "translations.json"
LEXICON = "lexicon.json"  # the index's words (folded, unstemmed) with how many records hold each: "did you mean"


def lexicon(docs: Sequence[dict[str, str]]) -> dict[str, int]:
    """Every word of three letters or more (no digits, no stop words) with the number of records that contain it."""
    words = RegexTokenizer(TOKEN) | FoldFilter()
    counts: Counter[str] = Counter()
    for doc in docs:
        seen = {t.text for f in FIELDS for t in words(doc.get(f) or "")}
        counts.update(w for w in seen if len(w) >= 3 and w.isalpha() and w not in STOPLIST)
    return dict(sorted(counts.items()))


def build_in_background(
    directory: Path,
    docs: Sequence[dict[str, str]],
    synonyms: Sequence[Sequence[str]],
    translations: Sequence[Sequence[str]] = (),
    words: Sequence[Sequence[str]] = (),
) -> Job:
    """:func:`build` in a second process; the caller waits for the job."""
    from hub.background import start

    directory.mkdir(parents=True, exist_ok=True)
    given = {
        "docs": list(docs),
        "synonyms": [list(g) for g in synonyms],
        "translations": [list(g) for g in translations],
        "words": [list(g) for g in words],
    }
    (directory / _INPUT).write_text(json.dumps(given, ensure_ascii=False), encoding="utf-8")
    return start("the keyword index", build_from_input, str(directory))


def build_from_input(directory: str) -> None:
    """The second process of :func:`build_in_background`."""
    target = Path(directory)
    given = json.loads((target / _INPUT).read_text(encoding="utf-8"))
    build(target, given["docs"], given["synonyms"], given.get("translations", ()), given.get("words", ()))
    (target / _INPUT).unlink()


_INPUT = "input.json"  # what build_in_background hands the second process; removed once the index is written


@dataclass(frozen=True)
class _Clause:
    words: tuple[str, ...]  # one word or several
    weight: float
    fields: tuple[str, ...]  # the fields that hold every word of it
    exact: bool = False  # several words must be adjacent (a quoted phrase); otherwise in the same field


@dataclass
class _Plan:
    """A parsed query as weighted clauses: ``core`` clauses decide which records match, ``optional`` ones only add
    score."""

    core: list[_Clause]
    optional: list[_Clause]


class WhooshEngine:
    """A read-only Whoosh index (in memory) scored with BM25F.

    Clauses are scored with numpy from Whoosh's own postings, statistics and BM25F
    formula: Whoosh's pure-Python matchers need ~100 ms for a ten-word query over
    10,000 records, the arrays a few ms, with identical scores (a test checks them
    against ``searcher.search`` of :meth:`query`). Multi-word synonyms and title
    bigrams count when all their words are in one field (Whoosh's position matching
    cost 100+ ms at that scale and ranked no better); only a phrase the user quoted
    goes through Whoosh's phrase matcher. Index reads are serialised because a
    Whoosh reader is not thread-safe.
    """

    def __init__(self, directory: Path, params: KeywordParams | None = None):
        from whoosh.filedb.filestore import FileStorage, copy_to_ram

        self.params = params or KeywordParams()
        storage = copy_to_ram(FileStorage(str(directory)))  # small: serving reads no files after start
        self._ix = storage.open_index()
        self._searcher = self._ix.searcher(weighting=BM25F(B=BM25_B, K1=BM25_K1))
        self._reader = self._searcher.reader()
        self._lock = threading.Lock()
        self._ana = analyzer()
        self.n_docs = self._searcher.doc_count()
        self._n_all = self._searcher.doc_count_all()
        self._position = np.zeros(self._n_all, dtype=np.int64)
        for docnum, stored in self._reader.iter_docs():
            self._position[docnum] = stored["n"]
        self._lengths: dict[str, np.ndarray] = {}
        self._avgfl: dict[str, float] = {}
        for f in FIELDS:
            lengths = np.ones(self.n_docs, dtype=np.float64)
            for docnum in range(self._n_all):
                lengths[self._position[docnum]] = self._reader.doc_field_length(docnum, f, 1)
            self._lengths[f] = lengths
            self._avgfl[f] = self._searcher.avg_field_length(f) or 1.0
        self._postings: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._freq: dict[tuple[str, str], int] = {}
        groups = json.loads((directory / "synonyms.json").read_text(encoding="utf-8"))
        self.synonyms = Synonyms(groups, self._ana)
        translated = directory / TRANSLATIONS
        given = json.loads(translated.read_text(encoding="utf-8")) if translated.exists() else {}
        if isinstance(given, list):  # an index built before the lexicon: the labels only
            given = {"labels": given}
        self.translations = Translations(given.get("labels", []), self._ana, given.get("words", []))
        words = json.loads((directory / LEXICON).read_text(encoding="utf-8")) if (directory / LEXICON).exists() else {}
        self.suggester = Suggester(words)

    def terms(self, text: str) -> frozenset[str]:
        with self._lock:  # the translations' check reads the index
            return self._terms(parse(text, self._ana))

    def _terms(self, parsed: ParsedQuery) -> frozenset[str]:
        expanded = [*self.synonyms.expand(parsed.words), *self._translated(parsed)]
        return frozenset(parsed.words) | {t for s in expanded for t in s}

    def _english(self, word: str) -> bool:
        """An English field of the index holds the word."""
        return any(self._df(f, word) for f in FIELDS if f != TRANSLATED)

    def _translated(self, parsed: ParsedQuery) -> dict[tuple[str, ...], frozenset[str]]:
        """:class:`Translations`' English labels for the query, only where a word of the translation is no word of
        the English text (so "radicalisation", English and French alike, is searched as the English word it is)."""
        return {
            english: covered
            for english, covered in (
                self.translations.covering(parsed.words, self.params.everyday_words) if parsed.labels else {}
            ).items()
            if not all(self._english(w) for w in covered)
        }

    def _clause(
        self, words: tuple[str, ...], weight: float, fields: Iterable[str], exact: bool = False
    ) -> _Clause | None:
        """``words`` in each field that holds all of them; None when no field does."""
        held = tuple(f for f in fields if all(self._df(f, w) for w in words))
        if TRANSLATED in held and len(held) > 1:  # the English text holds it: English ranking stays as it was
            held = tuple(f for f in held if f != TRANSLATED)
        return _Clause(words, weight, held, exact and len(words) > 1) if held else None

    def plan(self, parsed: ParsedQuery) -> _Plan | None:
        """The weighted clauses of a parsed query, or None when it has no searchable word."""
        p = self.params
        words = list(dict.fromkeys(parsed.words))
        if not words:
            return None
        everywhere = tuple(f for f in p.boosts if parsed.labels or f != TRANSLATED)
        rare: list[_Clause | None] = []
        common: list[_Clause | None] = []
        for w in words:
            (common if self._common(w) else rare).append(self._clause((w,), 1.0, everywhere))
        extra = [self._clause(ph, p.phrase_boost, everywhere, exact=True) for ph in parsed.phrases]
        extra += [self._clause(s, p.synonym_boost, everywhere) for s in self.synonyms.expand(parsed.words)]
        extra += [self._clause(s, p.synonym_boost, everywhere) for s in self._translated(parsed)]
        if p.bigram_boost:
            pairs = dict.fromkeys(zip(parsed.words, parsed.words[1:], strict=False))
            extra += [self._clause(pair, p.bigram_boost, p.bigram_fields) for pair in pairs if pair[0] != pair[1]]
        rare_, common_, extra_ = ([c for c in cs if c is not None] for cs in (rare, common, extra))
        return _Plan(rare_ + extra_, common_) if rare_ else _Plan(common_ + extra_, [])

    def _common(self, word: str) -> bool:
        """In more than ``common_ratio`` of the records: adds to the score but does not decide matching."""
        df = max(self._df(f, word) for f in ("title", "summary", "body", "concepts"))
        return df > self.params.common_ratio * self.n_docs

    def _holding(self, words: tuple[str, ...], labels: bool = True) -> np.ndarray:
        """The records that hold all of ``words`` in one field (a record mask)."""
        out = np.zeros(self.n_docs, dtype=bool)
        for f in FIELDS:
            if (f == TRANSLATED and not labels) or not all(self._df(f, w) for w in words):
                continue
            count = np.zeros(self.n_docs, dtype=np.int32)
            for w in words:
                count[self._read_postings(f, w)[0]] += 1
            out |= count == len(words)
        return out

    def _held(self, parsed: ParsedQuery) -> tuple[np.ndarray, int]:
        """How many of the query's rare words (all its words when every one is common) each record holds, and
        how many there are. A word is held by itself (its stem) or by a SKOS synonym of a label it is part of
        ("soft-target protection" stands for "protection of places of worship")."""
        words = list(dict.fromkeys(parsed.words))
        need = [w for w in words if not self._common(w)] or words
        have = {w: self._holding((w,), parsed.labels) for w in need}
        for seq, covered in [*self.synonyms.covering(parsed.words).items(), *self._translated(parsed).items()]:
            if any(w in have for w in covered):
                hit = self._holding(seq, parsed.labels)
                for w in covered & have.keys():
                    have[w] |= hit
        held = np.zeros(self.n_docs, dtype=np.int32)
        for mask in have.values():
            held += mask
        return held, len(need)

    def _words_as_typed(self, text: str) -> list[tuple[re.Match[str], str | None]]:
        """Each word of ``text`` (its match in the text) with its analysed form (None: a stop word)."""
        out = []
        for m in re.finditer(TOKEN, unicodedata.normalize("NFKC", text)):
            analysed = analyse(m.group(), self._ana)
            out.append((m, analysed[0] if analysed else None))
        return out

    def _known(self, term: str) -> bool:
        return any(self._df(f, term) for f in FIELDS)

    def missing(self, text: str) -> tuple[str, ...]:
        """The words of ``text`` (folded) that no record contains, in order."""
        with self._lock:
            found = [_fold(m.group()) for m, term in self._words_as_typed(text) if term and not self._known(term)]
        return tuple(dict.fromkeys(found))

    def suggest(self, text: str) -> str | None:
        """``text`` with each word no record contains replaced by the closest word of the index, or None when
        no word needs (or has) a correction."""
        with self._lock:
            words = self._words_as_typed(text)
            unknown = [(m, term) for m, term in words if term and not self._known(term)]
        if FOREIGN_MARKERS & {_fold(m.group()) for m, term in words if term is None}:
            return None  # French, Spanish, Portuguese...: "radicalisation des jeunes" is not "… des june"
        out, end, changed = [], 0, False
        for m, _term in unknown:
            if languages.script(m.group()) != "latin":  # the index's Arabic and Cyrillic words are mostly city names:
                continue  # "الشباب" (youth) was "corrected" to "الرباط" (Rabat)
            better = self.suggester.suggest(_fold(m.group()))
            if better is None:
                continue
            out += [text[end : m.start()], better]
            end, changed = m.end(), True
        return "".join([*out, text[end:]]) if changed else None

    def _whoosh(self, clause: _Clause) -> Query:
        boosts = self.params.boosts
        if clause.exact:
            return Or([Phrase(f, list(clause.words), boost=boosts[f] * clause.weight) for f in clause.fields])
        if len(clause.words) == 1:
            return Or([Term(f, clause.words[0], boost=boosts[f] * clause.weight) for f in clause.fields])
        return Or([And([Term(f, w, boost=boosts[f] * clause.weight) for w in clause.words]) for f in clause.fields])

    def query(self, parsed: ParsedQuery) -> Query | None:
        """The same search as one Whoosh query (what :meth:`search` computes; used to check it)."""
        plan = self.plan(parsed)
        if plan is None:
            return None
        core = Or([self._whoosh(c) for c in plan.core])
        return AndMaybe(core, Or([self._whoosh(c) for c in plan.optional])) if plan.optional else core

    def whoosh_hits(self, text: str) -> list[tuple[int, float]]:
        """The same search run by Whoosh's own matchers: slow, the reference :meth:`search` is tested against."""
        with self._lock:
            q = self.query(parse(text, self._ana))
            if q is None:
                return []
            return [
                (int(self._position[docnum]), float(score))
                for score, docnum in self._searcher.search(q, limit=None).top_n
            ]

    def _df(self, field: str, word: str) -> int:
        """Document frequency, remembered: Whoosh hashes the term with md5 on every look-up."""
        key = (field, word)
        if key not in self._freq:
            if len(self._freq) > 200_000:
                self._freq.clear()
            self._freq[key] = self._searcher.doc_frequency(field, word)
        return self._freq[key]

    def _read_postings(self, field: str, word: str) -> tuple[np.ndarray, np.ndarray]:
        """(record positions, term frequencies) of one word in one field, read once and kept."""
        key = (field, word)
        if key not in self._postings:
            ids: list[int] = []
            freqs: list[float] = []
            m = self._reader.postings(field, word)
            while m.is_active():
                if hasattr(m, "_read_ids") and m._i == 0:  # Whoosh 3 format: take a whole block at once
                    m._read_ids()
                    m._read_weights()
                    ids.extend(m._ids)
                    freqs.extend(m._weights)
                    m._next_block()
                    continue
                ids.append(m.id())
                freqs.append(m.weight())
                m.next()
            if len(self._postings) > 100_000:  # bound the memory a stream of odd queries can take
                self._postings.clear()
            self._postings[key] = (self._position[np.asarray(ids, dtype=np.int64)], np.asarray(freqs, dtype=np.float64))
        return self._postings[key]

    def _bm25(self, field: str, word: str) -> tuple[np.ndarray, np.ndarray]:
        """(record positions, BM25 score of ``word`` in ``field`` for each), exactly as Whoosh's BM25F scorer."""
        pos, tf = self._read_postings(field, word)
        idf = math.log(self._n_all / (self._df(field, word) + 1)) + 1
        norm = BM25_K1 * ((1 - BM25_B) + BM25_B * self._lengths[field][pos] / self._avgfl[field])
        return pos, idf * (tf * (BM25_K1 + 1)) / (tf + norm)

    def _add(self, scores: np.ndarray, matched: np.ndarray | None, clause: _Clause) -> None:
        """Add the clause's score, field by field, for the records where all its words are in that field."""
        for f in clause.fields:
            boost = self.params.boosts[f] * clause.weight
            if len(clause.words) == 1:
                pos, s = self._bm25(f, clause.words[0])
                scores[pos] += boost * s
                if matched is not None:
                    matched[pos] = True
                continue
            count = np.zeros(self.n_docs, dtype=np.int32)
            part = np.zeros(self.n_docs)
            for w in clause.words:
                pos, s = self._bm25(f, w)
                count[pos] += 1
                part[pos] += s
            hit = count == len(clause.words)
            scores[hit] += boost * part[hit]
            if matched is not None:
                matched |= hit

    def search(self, text: str, match: str = "any", *, labels: bool = True) -> KeywordResult:
        """The matching records, best first, scored alike whatever ``match`` is.

        ``match="any"``: records holding any of the query's words. ``"best"``: those holding all of them; when no
        record does, those holding the most of them (``most_slack`` fewer than the best record holds; "any" when
        that is one word). The result's ``match`` says which ("all", "most" or "any") and ``held`` how many words.
        ``labels=False`` (an English query): the labels in other languages play no part."""
        parsed = replace(parse(text, self._ana), labels=labels)
        scores = np.zeros(self.n_docs)
        matched = np.zeros(self.n_docs, dtype=bool)
        optional = np.zeros(self.n_docs)
        with self._lock:  # every step below reads the index
            terms = self._terms(parsed)
            plan = self.plan(parsed)
            if plan is None:
                notice = "the query has no searchable words (only stop words or punctuation)" if text.strip() else None
                return KeywordResult(np.zeros(0, dtype=np.int64), np.zeros(0), terms, notice)
            for clause in plan.core:
                if not clause.exact:
                    self._add(scores, matched, clause)
            phrases = [self._whoosh(c) for c in plan.core if c.exact]
            if phrases:
                for score, docnum in self._searcher.search(Or(phrases), limit=None).top_n:
                    scores[self._position[docnum]] += score
                    matched[self._position[docnum]] = True
            for clause in plan.optional:
                self._add(optional, None, clause)
            held, n_words = self._held(parsed) if match == "best" else (None, 0)
        used, need, tier = "any", 1, np.zeros(self.n_docs, dtype=np.int32)
        if held is not None:
            complete = matched & (held == n_words)
            best = int(held[matched].max(initial=0))
            if complete.sum() >= min(self.params.min_all, int(matched.sum())):
                used, need = "all", n_words
            else:  # too few records hold every word: they come first, then those holding the most of them
                need = max(1, best - self.params.most_slack)
                used = "most" if need > 1 else "any"
                tier = np.where(complete, 0, 1) if self.params.tiers else tier
            matched &= held >= need
        scores += np.where(matched, optional, 0.0)
        found = np.flatnonzero(matched)
        order = found[np.lexsort((found, -scores[found], tier[found]))]  # tier, then best first; ties in corpus order
        return KeywordResult(
            order,
            scores[order],
            terms,
            match=used,
            missing=self.missing(text),
            held=(need, n_words) if held is not None else None,
        )


def open_engine(directory: Path, params: KeywordParams | None = None) -> KeywordEngine:
    return WhooshEngine(directory, params)
