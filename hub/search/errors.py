"""What a search can refuse, as hub errors: the API answers 422 (503 without an index), the CLI exits 2 (1).

Kept apart from the modules that raise them so the API and CLI import one small
file, not the engines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hub.errors import BuildMissing, InvalidInput


class SearchInputError(InvalidInput, ValueError):
    """The request cannot be answered as asked; ``detail`` is safe to show to the caller."""

    error = "invalid_search"
    status = 422


class QueryTooLong(SearchInputError):
    error = "query_too_long"


class UnknownFilterValue(SearchInputError):
    error = "unknown_filter_value"


class BadSearchParameter(SearchInputError):
    error = "invalid_parameter"


class IndexMissing(BuildMissing):
    """No search index has been built yet (run ``hub build``)."""


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Name the very file of the index that cannot be read (truncated, corrupted), and how to mend it."""
    try:
        yield
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise IndexMissing(
            f"{path} cannot be read ({type(exc).__name__}: {str(exc)[:200]}): run `hub build` to rebuild it"
        ) from None
