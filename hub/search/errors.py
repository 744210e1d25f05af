"""What a search can refuse, as plain exceptions: the API turns them into 422, the CLI into a message.

Kept apart from the modules that raise them so the API and CLI import one small
file, not the engines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SearchInputError(ValueError):
    """The request cannot be answered as asked; ``detail`` is safe to show to the caller."""

    error = "invalid_search"

    def __init__(self, message: str, detail: object | None = None):
        super().__init__(message)
        self.detail = detail if detail is not None else message


class QueryTooLong(SearchInputError):
    error = "query_too_long"


class UnknownFilterValue(SearchInputError):
    error = "unknown_filter_value"


class BadSearchParameter(SearchInputError):
    error = "invalid_parameter"


class IndexMissing(RuntimeError):
    """No search index has been built yet (run ``hub build``)."""


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Name the very file of the index that cannot be read (truncated, corrupted), and how to mend it."""
    try:
        yield
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise IndexMissing(f"{path} cannot be read ({type(exc).__name__}: {str(exc)[:200]}): run `hub build` to rebuild it") from None
