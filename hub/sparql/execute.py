"""One SPARQL query from text to answer, for the endpoint and `hub sparql` alike: check → choose a format → run.

Both callers differ only in how the format is chosen (a name typed on the command line, or the
HTTP ``format=`` / ``Accept`` negotiation, which needs to know whether the query returns a graph)
and in how they show a refusal; every refusal is a :class:`hub.errors.HubError` (``QueryRefused``,
``QueryTimeout``, ``QueryBusy``, ``QueryFailed``) carrying its code, HTTP status and exit code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from hub.config import Settings
from hub.sparql.guard import Plan, QueryRefused, check
from hub.sparql.results import FORMATS, ResultFormat, format_named
from hub.sparql.runner import Answer, default_format, effective_timeout, run_query

Chooser = Callable[[Plan], ResultFormat]


@dataclass(frozen=True)
class Executed:
    plan: Plan  # what the query was found to be (its form, its dataset)
    answer: Answer


def named_format(name: str | None, also: str = "") -> Chooser:
    """A format by its name, or the query form's default when none is given; an unknown name is refused (400, exit 2).

    ``also`` names what else the caller accepts besides :data:`FORMATS` (e.g. ``table``), for the message."""

    def choose(plan: Plan) -> ResultFormat:
        if not name:
            return default_format(plan)
        fmt = format_named(name)
        if fmt is None:
            listed = f"{also} or one of {', '.join(FORMATS)}" if also else f"one of {', '.join(FORMATS)}"
            raise QueryRefused("invalid_parameter", f"unknown format {name!r}; use {listed}")
        return fmt

    return choose


def execute(
    cfg: Settings,
    query: str,
    choose: Chooser,
    timeout_s: float | None = None,
    store_dir: Path | None = None,
    default_graph_uris: Iterable[str] = (),
    named_graph_uris: Iterable[str] = (),
) -> Executed:
    """Check the query, choose its format once its form is known, and run it in a killable worker.

    ``timeout_s`` is what the caller asked for: it may lower the server's limit, never raise it.
    Blocking (parsing a long query takes a good part of a second): the endpoint calls it in a thread."""
    limit = effective_timeout(cfg, timeout_s)
    plan = check(query, cfg.sparql_max_query_chars, default_graph_uris, named_graph_uris)
    return Executed(plan, run_query(cfg, plan, choose(plan), limit, store_dir))
