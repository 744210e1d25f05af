"""Did you mean: the closest words of the index's own vocabulary, for words no record contains.

Why it looks like this:

* **The index's words, not a dictionary.** A correction must find something, so
  candidates are the (folded, unstemmed) words of the indexed records with the
  number of records holding each (``lexicon.json``, written with the keyword index).
  Names of places and programmes are corrected as well as English words.
* **Edit distance weighted by document frequency.** Candidates within
  :data:`MAX_EDITS` edits (insert, delete, substitute, swap two neighbours: the
  typos people make) are ranked by ``log(1 + df) − EDIT_COST × edits``: one more
  edit must be paid for by a word about ``e^EDIT_COST`` (≈ 20×) more common.
* **Vectorised.** The distance is computed for all candidate words at once with numpy
  (the query word's letters × the longest candidate's, each step over every word),
  a few milliseconds for tens of thousands of words, with no extra dependency.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

EDIT_COST = 3.0  # log-frequency one edit costs
MIN_LENGTH = 3  # shorter words are not corrected (too many neighbours)


def max_edits(length: int) -> int:
    """Edits allowed for a word of this length: one for short words, two from six letters."""
    return 1 if length < 6 else 2


class Suggester:
    """Closest lexicon word to a word, by edit distance and document frequency."""

    def __init__(self, lexicon: Mapping[str, int]):
        words = sorted(w for w in lexicon if len(w) >= MIN_LENGTH)
        self.df = {w: int(lexicon[w]) for w in words}
        width = max((len(w) for w in words), default=1)
        codes = np.zeros((len(words), width), dtype=np.int32)  # 0 pads; a code never equals 0
        for i, w in enumerate(words):
            codes[i, : len(w)] = [ord(c) for c in w]
        self._words = np.array(words, dtype=object)
        self._codes = codes
        self._lengths = np.array([len(w) for w in words], dtype=np.int64)
        self._logdf = np.log1p(np.array([self.df[w] for w in words], dtype=np.float64))

    def __len__(self) -> int:
        return len(self.df)

    def distances(self, word: str, rows: np.ndarray) -> np.ndarray:
        """Optimal-string-alignment distance from ``word`` to the lexicon words at ``rows`` (all at once)."""
        codes, lengths = self._codes[rows], self._lengths[rows]
        n, width = len(rows), int(lengths.max(initial=0))
        q = [ord(c) for c in word]
        prev2 = None
        prev = np.tile(np.arange(width + 1, dtype=np.int32), (n, 1))  # row i = distance of word[:i] to each prefix
        for i in range(1, len(q) + 1):
            cur = np.empty_like(prev)
            cur[:, 0] = i
            for j in range(1, width + 1):
                cost = (codes[:, j - 1] != q[i - 1]).astype(np.int32)
                best = np.minimum(np.minimum(prev[:, j] + 1, cur[:, j - 1] + 1), prev[:, j - 1] + cost)
                if prev2 is not None and j > 1:
                    swap = (codes[:, j - 1] == q[i - 2]) & (codes[:, j - 2] == q[i - 1])
                    best = np.where(swap, np.minimum(best, prev2[:, j - 2] + 1), best)
                cur[:, j] = best
            prev2, prev = prev, cur
        return prev[np.arange(n), lengths]

    def suggest(self, word: str) -> str | None:
        """The best lexicon word within reach of ``word``, or None (also for a word the lexicon has)."""
        if len(word) < MIN_LENGTH or word in self.df or not len(self.df):
            return None
        reach = max_edits(len(word))
        rows = np.flatnonzero(np.abs(self._lengths - len(word)) <= reach)
        if not len(rows):
            return None
        dist = self.distances(word, rows)
        near = dist <= reach
        if not near.any():
            return None
        rows, dist = rows[near], dist[near]
        score = self._logdf[rows] - EDIT_COST * dist
        best = int(np.lexsort((self._words[rows], -score))[0])  # ties: alphabetical, so answers are stable
        return str(self._words[rows[best]])
