"""The language of a query, told cheaply (microseconds, no model): English, French, Spanish, Portuguese, Arabic or
Russian.

Why: English queries keep exactly their path (keyword + the English model, p50 under 25 ms); only the others pay
for the multilingual model (:mod:`hub.search.multilingual`). So the one decision that matters is English or not:
a query with no sign of another language is English, and a misread Latin language (Spanish for Portuguese) costs
nothing, since the multilingual model does not need to be told which.

How: the script first (Arabic and Cyrillic letters by Unicode block); for Latin text, function words and letters
each language has and English lacks ("des", "pour", "ñ", "ção"), plus a few everyday words a person uses when
describing a need in the hub's domain ("jeunes", "mujeres"). Words that are also parts of place names ("de", "la",
"el", "des", "san") count half, so "Rio de Janeiro" or "La Paz" stay English. ``site/static/static-search.js``
holds the same test for the static copy's search (checked against this one by tests/test_language.py).
"""

from __future__ import annotations

import re
import unicodedata

LANGUAGES = ("en", "fr", "es", "pt", "ar", "ru")
ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff\u0500-\u052f]")
LATIN_LETTER = re.compile(r"[a-zA-Z\u00c0-\u024f]")
WORD = re.compile(r"[\w'’]+")

# words that also begin place and organisation names, and words English has too: half a vote each
HALF = frozenset({"de", "la", "el", "des", "le", "les", "da", "do", "dos", "das", "del", "san", "santa", "a", "o", "e"})

WORDS: dict[str, frozenset[str]] = {
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
    arabic = sum(1 for c in letters if ARABIC.match(c))
    cyrillic = sum(1 for c in letters if CYRILLIC.match(c))
    latin = sum(1 for c in letters if LATIN_LETTER.match(c))
    if arabic > latin and arabic >= cyrillic:
        return "ar"
    if cyrillic > latin:
        return "ru"
    return _latin(unicodedata.normalize("NFC", text))


def _latin(text: str) -> str:
    tokens = [w.strip("'’") for w in WORD.findall(text)]
    words = [w.lower() for w in _not_names(tokens)]
    votes = {lang: 0.0 for lang in WORDS}
    for w in words:
        for lang, vocabulary in WORDS.items():
            if w in vocabulary:
                votes[lang] += 0.5 if (lang != "en" and (w in HALF or w in WORDS["en"])) else 1.0
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
