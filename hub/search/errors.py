"""What a search can refuse, as plain exceptions: the API turns them into 422, the CLI into a message.

Kept apart from the modules that raise them so the API and CLI import one small
file, not the engines.
"""

from __future__ import annotations


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
