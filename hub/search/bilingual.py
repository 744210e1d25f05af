"""The bilingual lexicon of everyday words: ``hub/search/lexicon/<language>.tsv``, read into the keyword index's
``translations.json`` beside the concepts' translated labels.

Why: the labels are a dictionary of the hub's concepts only, so everyday words of a need ("comité", "escola",
"المساجد") stayed untranslated when a query in another language was rendered in English
(:mod:`hub.search.rendering`). The lexicon adds those words, one English word or phrase per line with its forms in
one language; :class:`hub.search.keyword.Translations` holds both, and a label wins where both match.

A file is UTF-8; a line starting with ``#`` is a comment, a blank line is skipped, and every other line is
``english<TAB>form1|form2|...``. Anything else stops the build with an error naming the file and the line.
"""

from __future__ import annotations

from pathlib import Path

from hub.errors import HubError

LEXICON_DIR = Path(__file__).parent / "lexicon"


class LexiconError(HubError, ValueError):
    """A lexicon file the build cannot read; the message names the file and the line."""

    error = "invalid_lexicon"


def files(directory: Path = LEXICON_DIR) -> list[Path]:
    """The lexicon's files, one per language, in a fixed order (the index must not depend on the file system's)."""
    return sorted(directory.glob("*.tsv")) if directory.is_dir() else []


def read(path: Path) -> list[list[str]]:
    """``[english, *forms]`` per data line of one file, in file order."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LexiconError(f"{path}, line {line}: not UTF-8 (byte {raw[exc.start]:#04x})") from None
    groups = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        groups.append(_entry(line, f"{path}, line {n}"))
    return groups


def _entry(line: str, where: str) -> list[str]:
    parts = line.split("\t")
    if len(parts) != 2:
        found = "no tab" if len(parts) == 1 else f"{len(parts) - 1} tabs"
        raise LexiconError(f"{where}: expected 'english<TAB>form1|form2|...', found {found}: {line[:80]!r}")
    english, forms = parts[0].strip(), [f.strip() for f in parts[1].split("|")]
    if not english:
        raise LexiconError(f"{where}: the English word before the tab is empty: {line[:80]!r}")
    if not any(forms):
        raise LexiconError(f"{where}: no word after the tab for '{english}'")
    if not all(forms):
        raise LexiconError(f"{where}: an empty form between '|' for '{english}': {line[:80]!r}")
    return [english, *forms]


def groups(directory: Path = LEXICON_DIR) -> list[list[str]]:
    """``[english, *forms]`` of every file of the lexicon (see :func:`read`)."""
    return [g for path in files(directory) for g in read(path)]
