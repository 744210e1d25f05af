"""A query in another language rendered in English through the vocabularies' translated labels, for the English
model and the English keyword fields.

Why: the concepts' labels in French, Spanish, Portuguese, Arabic and Russian (``translations.json``, read by
:class:`hub.search.keyword.Translations`) are a small dictionary of exactly the hub's domain. "subvenciones a
asociaciones que combaten el odio" becomes "funding civil society organisations combaten hate", which the English
model and the English fields understand; the multilingual model alone places such needs less precisely (tune split
of the cross-lingual set: hybrid nDCG@10 0.764 -> 0.781 with it, see ``FusionParams.xl_english_weight``).

Each run of analysed words that is a translated label (longest first, folded and stemmed as the keyword analyser
does) is replaced by its concept's English label, without a qualifier in brackets; everyday words of the bilingual
lexicon (:mod:`hub.search.bilingual`, in the same mapping) are replaced by their English word the same way, a label
winning over a lexicon entry of the same words; other words — names, words neither holds — are kept as typed,
function words dropped.
"""

from __future__ import annotations

import re
import unicodedata

from hub.search.keyword import TOKEN, Translations, analyse, analyzer

_QUALIFIER = re.compile(r"\s*\([^)]*\)")


def to_english(text: str, translations: Translations) -> str:
    """``text`` with every translated label it holds replaced by the English label (see the module docstring)."""
    ana = analyzer()
    words = []  # (as typed, analysed) of each word that is not a function word
    for m in re.finditer(TOKEN, unicodedata.normalize("NFKC", text)):
        analysed = analyse(m.group(), ana)
        if analysed:
            words.append((m.group(), analysed[0]))
    terms = [t for _, t in words]
    out: list[str] = []
    i = 0
    while i < len(words):
        matches = [t for t in translations.starting(terms[i]) if tuple(terms[i : i + len(t.words)]) == t.words]
        if matches:
            best = max(matches, key=lambda t: (len(t.words), t.label))  # the longest, a label on a tie
            label = _QUALIFIER.sub("", best.written)  # "violent extremism (general)"
            if not out or out[-1] != label:
                out.append(label)
            i += len(best.words)
        else:
            out.append(words[i][0])
            i += 1
    return " ".join(out)
