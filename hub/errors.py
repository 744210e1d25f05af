"""The hub's one error hierarchy: what went wrong, as the API and the CLI both say it.

Each :class:`HubError` carries its ``error`` code (the JSON ``error`` field), its HTTP ``status``
and the CLI's ``exit_code``; ``hub.api.errors_http`` turns any of them into ``{error, detail}``
and ``hub.cli`` into one line on stderr and that exit code. Libraries raise them and know
nothing of either. The lowest floor: it imports nothing of the hub.
"""

from __future__ import annotations


class HubError(Exception):
    """Something the hub could not do; the message is safe to show and says what to do instead."""

    error = "internal_error"
    status = 500
    exit_code = 1
    headers: dict[str, str] = {}  # noqa: RUF012 - read-only class default, overridden per subclass

    def __init__(self, message: str, detail: object | None = None):
        super().__init__(message)
        self.detail = detail if detail is not None else message

    def terminal(self) -> str:
        """The line `hub` prints for it (after a red ✗)."""
        return str(self)


class NotFound(HubError):
    """No such record, city, scheme or file; ``detail`` may carry the suggestions."""

    error = "not_found"
    status = 404
    exit_code = 1


class InvalidInput(HubError):
    """The request cannot be answered as asked: the caller's to change."""

    error = "invalid_parameter"
    status = 400
    exit_code = 2


class Unavailable(HubError):
    """The hub cannot answer now (no usable build, a query over its time limit, every worker busy)."""

    error = "unavailable"
    status = 503
    exit_code = 1


class BuildMissing(Unavailable):
    """No usable build: the message says which file is missing and how to rebuild."""

    error = "no_build"
