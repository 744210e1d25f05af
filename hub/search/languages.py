"""The keyword analyser's knowledge of the network's other languages: French, Spanish, Portuguese, Arabic, Russian.

Why it is here and not in :mod:`hub.text`: this is about words a search should not match on and about forms of
one word that should meet, which only the keyword index needs.

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
"""

from __future__ import annotations

import re
from functools import lru_cache

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

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
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
