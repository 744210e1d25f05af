"""What the hub knows of the network's other languages (French, Spanish, Portuguese, Arabic, Russian): which
script a word is in, which words a search never matches on, how forms of one word meet, and which language a query
is in. One module, so the keyword analyser, the query's routing and the static copy read one set of rules.

* **Function words** ("des", "de", "la", "el", "do", "и", "в", "في", "من") never decide a match: before this list,
  "radicalisation des jeunes" found "Rio de Janeiro" and "Jossour Forum des Femmes" on "des" (Porter stems it to
  "de"). The lists are short on purpose, written from the languages' grammar: articles, prepositions, conjunctions,
  pronouns and question words an official puts around the words that matter. Words that are also English content
  words ("son", "sin", "per", "plus") and "un" (the United Nations) are left out, so English search is unchanged.
* **Scripts.** Latin words fold as everywhere in the hub (:func:`hub.text.fold`). Cyrillic words are lower-cased with
  "ё" read as "е" and keep "й" (folding would turn it into "и" and break Russian endings), then stemmed by Snowball's
  Russian stemmer ("молодёжи" → "молодеж"). Arabic words lose their diacritics and tatweel, the forms of alef with
  hamza or madda are read as bare alef, alef maqsura as yaa and taa marbuta as haa (the spellings people mix), and a
  light stemmer takes off the article and common prefixes and suffixes ("والشباب", "للشباب", "الشباب" → "شباب"):
  the Light10 rules of Larkey, Ballesteros and Connell (2007), better for search than a root stemmer.
* **A query's language** (:func:`detect`, microseconds, no model). English queries keep exactly their path (keyword
  + the English model, p50 under 25 ms); only the others pay for the multilingual model
  (:mod:`hub.search.multilingual`). So the one decision that matters is English or not: a query with no sign of
  another language is English, and a misread Latin language (Spanish for Portuguese) costs nothing, since the
  multilingual model does not need to be told which. The script first (Arabic and Cyrillic letters); for Latin
  text, function words and letters each language has and English lacks ("des", "pour", "ñ", "ção"), plus a few
  everyday words a person uses when describing a need in the hub's domain ("jeunes", "mujeres"). Words that are
  also parts of place names ("de", "la", "el", "des", "san") count half, so "Rio de Janeiro" or "La Paz" stay
  English. The static copy's search (``site/static/static-search.js``) runs the same test on
  :func:`detection_rules`, which the build writes into its index file.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from hub.vocab import LANGS

FRENCH = """
de des du la le les une et en au aux dans pour par sur avec sans que qui quoi quel quelle quels quelles comment
est sont ce ces cet cette sa ses leur leurs notre nos votre vos il ils elle elles nous vous ne pas se ou ni mais
donc comme vers chez lors afin dont
"""
SPANISH = """
de del la las el los y en una unos unas al lo que como para por con se su sus es muy pero ni cual cuales donde
cuando este esta estos estas ese esa esos esas nuestro nuestra nuestros nuestras hay sobre hacia desde hasta
tambien mas
"""
PORTUGUESE = """
de da do das dos os em na nos nas num numa uma umas uns ao aos pelo pela pelos pelas por para com sem que como
se seu sua seus suas nosso nossa nossos nossas ou mas mais muito entre sobre onde qual quais este esta estes
estas esse essa isso isto
"""
RUSSIAN = """
и в во на с со по для как что чтобы к ко о об обо от из у за не ни или а но это этот эта эти мы наш наша наши
нашем нашей нашего вы они он она оно его ее их же ли бы то так также при под над между через до после без про
где когда какие какой какая каких который которая которые можно есть
"""
ARABIC = """
في من على الى عن مع او ثم ما ماذا كيف هل التي الذي الذين هذا هذه ذلك تلك هو هي هم نحن انا لا لم لن ان كان كانت
بين عند كل بعض قد لقد اي حول لدي لدينا
"""

LANGUAGES = LANGS  # the languages vocabulary labels are written in: a query is read as one of them
ARABIC_LETTERS = r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]"
CYRILLIC_LETTERS = r"[\u0400-\u04ff\u0500-\u052f]"
LATIN_LETTERS = r"[a-zA-Z\u00c0-\u024f]"
_ARABIC = re.compile(ARABIC_LETTERS)
_CYRILLIC = re.compile(CYRILLIC_LETTERS)
_LATIN = re.compile(LATIN_LETTERS)
_ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # tashkeel, Quranic, tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_AR_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")  # Light10, longest first
_AR_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")  # Light10 (taa marbuta is "ه" once normalised)


def script(word: str) -> str:
    """'arabic', 'cyrillic' or 'latin' (anything else) for one word."""
    if _ARABIC.search(word):
        return "arabic"
    if _CYRILLIC.search(word):
        return "cyrillic"
    return "latin"


def normalise_arabic(word: str) -> str:
    """Diacritics and tatweel removed, alef/yaa/taa marbuta spellings unified (see the module docstring)."""
    return _ARABIC_MARKS.sub("", word).translate(_ARABIC_LETTERS)


def normalise_cyrillic(word: str) -> str:
    """Lower case, "ё" read as "е"; "й" kept."""
    return word.lower().replace("ё", "е")


def stem_arabic(word: str) -> str:
    """Light10: "و" then one article-like prefix off the front, then common suffixes off the end."""
    if len(word) >= 4 and word.startswith("و"):
        word = word[1:]
    for prefix in _AR_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix) :]
            break
    for suffix in _AR_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


# words as the analyser sees them before stemming (folded, normalised): written unaccented, normalised here
STOPWORDS = frozenset(
    [*" ".join((FRENCH, SPANISH, PORTUGUESE)).split()]
    + [normalise_cyrillic(w) for w in RUSSIAN.split()]
    + [normalise_arabic(w) for w in ARABIC.split()]
)


@lru_cache(maxsize=1)
def _russian():  # noqa: ANN202 (Whoosh's class, loaded once)
    from whoosh.lang.snowball.russian import RussianStemmer

    return RussianStemmer()


@lru_cache(maxsize=100_000)
def stem_other_script(word: str) -> str | None:
    """The stem of an Arabic or Cyrillic word; None for a word in Latin script (the English stemmer takes it)."""
    kind = script(word)
    if kind == "arabic":
        return stem_arabic(word)
    if kind == "cyrillic":
        return _russian().stem(word)
    return None


# Telling a query's language. A word of VOTE_WORDS votes for its language: function words and a few everyday words
# of the hub's domain, so the lists differ from the stop words above on purpose.
WORD = re.compile(r"[\w'’]+")
# words that also begin place and organisation names, and words English has too: half a vote each
HALF = frozenset({"de", "la", "el", "des", "le", "les", "da", "do", "dos", "das", "del", "san", "santa", "a", "o", "e"})

VOTE_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "a the of and to in for with how what which who whom on is are was were from by our their that this these "
        "those do does can could should would at into about an as be been being it its we they them my your".split()
    ),
    "fr": frozenset(
        "le la les des du un une et pour dans avec comment que qui quel quelle quels quelles sur au aux est sont nos "
        "notre votre leur leurs ces cette ce par pas ou où entre chez contre sans très faire aider jeunes jeunesse "
        "femmes ville villes quartier quartiers école écoles écoute prévenir prévention lutte lutter haine "
        "communauté communautés contre enfants parents familles élus mairie".split()
    ),
    "es": frozenset(
        "el la los las del un una y para en con cómo como qué que cuál sobre al es son nuestro nuestra nuestros "
        "sus por más entre contra sin muy hacer ayudar jóvenes juventud mujeres ciudad ciudades barrio barrios "
        "escuela escuelas prevenir prevención odio comunidad comunidades niños padres familias alcaldía".split()
    ),
    "pt": frozenset(
        "o a os as do da dos das um uma e para em no na nos nas com como que qual sobre ao é são nosso nossa nossos "
        "seus por mais entre contra sem muito fazer ajudar jovens juventude mulheres cidade cidades bairro bairros "
        "escola escolas prevenir prevenção ódio comunidade comunidades crianças pais famílias prefeitura".split()
    ),
}
# letter sequences one of the Latin languages has and English does not
MARKS: dict[str, re.Pattern[str]] = {
    "fr": re.compile(r"[èêëîïûùœ]|eaux?\b|[a-z]'[aeiouyh]"),
    "es": re.compile(r"[ñ¿¡]|ción\b|ciones\b"),
    "pt": re.compile(r"[ãõ]|ção\b|ções\b|ões\b"),
}
SHARED_ACCENTS = re.compile(r"[áàâçéíóôú]")  # in several of them: a vote for "not English" when nothing else decides


def detect(text: str) -> str:
    """One of :data:`LANGUAGES`; "en" when nothing points elsewhere (names, acronyms, a single English word)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "en"
    arabic = sum(1 for c in letters if _ARABIC.match(c))
    cyrillic = sum(1 for c in letters if _CYRILLIC.match(c))
    latin = sum(1 for c in letters if _LATIN.match(c))
    if arabic > latin and arabic >= cyrillic:
        return "ar"
    if cyrillic > latin:
        return "ru"
    return _latin(unicodedata.normalize("NFC", text))


def _latin(text: str) -> str:
    tokens = [w.strip("'’") for w in WORD.findall(text)]
    words = [w.lower() for w in _not_names(tokens)]
    votes = {lang: 0.0 for lang in VOTE_WORDS}
    for w in words:
        for lang, vocabulary in VOTE_WORDS.items():
            if w in vocabulary:
                votes[lang] += 0.5 if (lang != "en" and (w in HALF or w in VOTE_WORDS["en"])) else 1.0
    kept = " ".join(words)
    for lang, pattern in MARKS.items():
        votes[lang] += len(pattern.findall(kept))
    best = max(("fr", "es", "pt"), key=lambda lang: votes[lang])
    if votes[best] >= 1 and votes[best] > votes["en"]:
        return best
    if votes["en"] == 0 and SHARED_ACCENTS.search(kept):
        return best if votes[best] > 0 else "fr" if "é" in kept else "es"
    return "en"


def _not_names(tokens: list[str]) -> list[str]:
    """The words that are not names: a capitalised word after the first, or every word of a query typed in title
    case ("São Paulo", "Jossour Forum des Femmes Marocaines"), names a place or an organisation, whatever its
    language, and says nothing of the language of the person typing."""
    content = [t for t in tokens if t.lower() not in HALF]
    title_case = bool(content) and all(t[:1].isupper() for t in content)
    return [t for i, t in enumerate(tokens) if not (t[:1].isupper() and (i > 0 or title_case))]


def detection_rules() -> dict[str, object]:
    """The rules of :func:`detect` as JSON for the static copy's search, which runs the same test in the browser."""
    return {
        "scripts": {"ar": ARABIC_LETTERS, "ru": CYRILLIC_LETTERS, "latin": LATIN_LETTERS},
        "half": sorted(HALF),
        "words": {lang: sorted(words) for lang, words in VOTE_WORDS.items()},
        "marks": {lang: pattern.pattern for lang, pattern in MARKS.items()},
        "shared_accents": SHARED_ACCENTS.pattern,
    }
