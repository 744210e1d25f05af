"""Whether an outside SPARQL request may run: read-only, no federation, no remote data, bounded size.

The decision is made on the parse tree from rdflib's SPARQL 1.1 parser, never on the
text: ``service``, ``SeRvIcE``, a SERVICE nested in OPTIONAL, a sub-select or FILTER
EXISTS, and ``\\u0053ERVICE`` are all the same node, ``ServiceGraphPattern``. Oxigraph
and rdflib would both really call a SERVICE, so it is refused before the query reaches
an engine.

Two parsers only agree if they read the same text: rdflib expands ``\\uXXXX`` escapes
everywhere before parsing (as the SPARQL spec says) while oxigraph expands them only
inside strings and IRIs, and rdflib ends a ``#`` comment at LF only while oxigraph also
ends it at CR. Either difference lets a crafted query hide a live SERVICE from rdflib.
So the text is first made canonical (escapes expanded, CR/CRLF turned into LF) and that
canonical text, :attr:`Plan.text`, is both what is checked and what the engine runs.
(The workers also run without network where the OS allows, see ``runner``.)

Text that is not a query but parses as an update (INSERT, DELETE, LOAD, CLEAR, DROP,
CREATE, ADD, MOVE, COPY) is refused as such. FROM / FROM NAMED and the protocol's
dataset parameters may only name the hub's own graphs; anything else would be a URL
some engines go and fetch.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal

from hub.errors import HubError, InvalidInput
from hub.store import GRAPH_PREFIX, PREFIXES

Kind = Literal["select", "ask", "construct", "describe"]
_parser_lock = threading.Lock()  # pyparsing grammars keep state while they parse: one parse at a time
_KINDS: dict[str, Kind] = {
    "SelectQuery": "select",
    "AskQuery": "ask",
    "ConstructQuery": "construct",
    "DescribeQuery": "describe",
}
_UPDATE_NAMES = {
    "Load": "LOAD",
    "Clear": "CLEAR",
    "Drop": "DROP",
    "Create": "CREATE",
    "Add": "ADD",
    "Move": "MOVE",
    "Copy": "COPY",
    "InsertData": "INSERT DATA",
    "DeleteData": "DELETE DATA",
    "DeleteWhere": "DELETE WHERE",
    "Modify": "DELETE/INSERT",
}


class SparqlError(HubError):
    """A query that was not answered: ``code`` names the reason, the message says what to do instead."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class QueryRefused(SparqlError, InvalidInput, ValueError):
    """The request may not run (the caller's to change): 400 (413 for a query too large), exit code 2."""

    @property
    def error(self) -> str:  # type: ignore[override]
        return self.code

    @property
    def status(self) -> int:  # type: ignore[override]
        return 413 if self.code == "query_too_large" else 400

    def terminal(self) -> str:
        return f"{self.code}: {self}"


@dataclass(frozen=True)
class Plan:
    """What a checked query is: its form and the dataset it names (FROM / FROM NAMED)."""

    kind: Kind
    text: str  # the canonical query text: run this, never the text as received
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def returns_graph(self) -> bool:
        return self.kind in ("construct", "describe")

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def check(
    query: str, max_chars: int, default_graph_uris: Iterable[str] = (), named_graph_uris: Iterable[str] = ()
) -> Plan:
    """The plan of a query that may run, or :class:`QueryRefused` saying why not.

    ``default_graph_uris`` / ``named_graph_uris`` are the protocol's ``default-graph-uri`` and
    ``named-graph-uri`` parameters; like FROM they override the query's own dataset.
    """
    if len(query) > max_chars:
        raise QueryRefused(
            "query_too_large", f"the query has {len(query)} characters; this endpoint accepts at most {max_chars}"
        )
    if not query.strip():
        raise QueryRefused("malformed_query", "the query is empty")
    plan = _plan(query)
    default, named = tuple(default_graph_uris), tuple(named_graph_uris)
    _only_local_graphs(default + named, "default-graph-uri / named-graph-uri")
    if default or named:
        plan = replace(plan, default_graphs=default, named_graphs=named)
    return plan


def canonical(query: str) -> str:
    """The query with codepoint escapes expanded (to a fixpoint) and line ends as LF: one text for both parsers."""
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    text = query.replace("\r\n", "\n").replace("\r", "\n")
    for _ in range(8):
        expanded = expandUnicodeEscapes(text).replace("\r\n", "\n").replace("\r", "\n")
        if expanded == text:
            return text
        text = expanded
    raise QueryRefused("malformed_query", "the query nests \\u escapes too deeply")


@lru_cache(maxsize=512)
def _plan(query: str) -> Plan:
    """Parse once per distinct query text (parsing costs 5-20 ms; the same queries come back often)."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        query = canonical(query)
    except ValueError as exc:  # an escape naming no code point
        raise QueryRefused("malformed_query", f"not a SPARQL 1.1 query: {exc}") from None
    try:
        with _parser_lock:
            tree = parseQuery(query)
    except ParseException as exc:
        _refuse_if_update(query)
        raise QueryRefused("malformed_query", f"not a SPARQL 1.1 query: {exc}") from None
    except RecursionError:
        raise QueryRefused(
            "query_too_complex", "the query is nested too deeply to be checked safely; simplify it"
        ) from None
    except Exception as exc:  # rdflib raises a few other errors on odd input (e.g. bad IRIs, unknown escapes)
        raise QueryRefused("malformed_query", f"not a SPARQL 1.1 query: {exc}") from None
    body = tree[1]
    services = [n for n in _walk(body) if getattr(n, "name", None) == "ServiceGraphPattern"]
    if services:
        where = ", ".join(sorted({s["term"].n3() for s in services}))
        raise QueryRefused(
            "service_refused",
            f"SERVICE (federated query to {where}) is not allowed here: this endpoint only answers from its own graph",
        )
    _refuse_unknown_prefixes(query, tree)
    default, named = [], []
    # CompValue.get returns the key itself when it is missing, so test membership instead
    for clause in body["datasetClause"] if "datasetClause" in body else []:
        if "default" in clause:
            default.append(str(clause["default"]))
        else:
            named.append(str(clause["named"]))
    _only_local_graphs(default + named, "FROM / FROM NAMED")
    return Plan(_KINDS[body.name], query, tuple(default), tuple(named))


def _refuse_unknown_prefixes(query: str, tree: Any) -> None:
    """Name a prefix neither declared in the query nor predeclared, instead of the engine's raw parser output."""
    declared = set(PREFIXES) | {
        str(d["prefix"]) if "prefix" in d else "" for d in tree[0] if getattr(d, "name", "") == "PrefixDecl"
    }
    unknown = sorted(
        {str(n["prefix"]) if "prefix" in n else "" for n in _walk(tree[1]) if getattr(n, "name", None) == "pname"}
        - declared
    )
    if not unknown:
        return
    found = [(m.start(), p) for p in unknown if (m := re.search(rf"(?<![\w.:<\-]){re.escape(p)}:", query))]
    at, first = "", unknown[0]
    if found:
        start, first = min(found)
        column = start - query.rfind("\n", 0, start)
        at = f" (line {query.count(chr(10), 0, start) + 1}, column {column})"
    names = ", ".join(f"{p}:" for p in unknown)
    raise QueryRefused(
        "unknown_prefix",
        f"unknown prefix {names}{at}. The predeclared prefixes are "
        f"{', '.join(f'{p}:' for p in PREFIXES)}; declare another at the top of the query, "
        f"e.g. PREFIX {first}: <http://example.org/{first}#>",
    )


def _refuse_if_update(query: str) -> None:
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        with _parser_lock:
            update = parseUpdate(query)
    except Exception:  # not an update either: the caller reports the query parse error
        return
    ops = [_UPDATE_NAMES.get(op.name, op.name) for op in (update["request"] if "request" in update else [])]
    what = (
        f"{' ; '.join(ops)} {'are updates' if len(ops) > 1 else 'is an update'}"
        if ops
        else "SPARQL Update is not a query"
    )
    raise QueryRefused(
        "update_refused",
        f"{what}: this endpoint is read-only. Download the graph (/download/graph.nq) to change a copy of it.",
    )


def _only_local_graphs(iris: Iterable[str], where: str) -> None:
    foreign = [i for i in iris if not i.startswith(GRAPH_PREFIX)]
    if foreign:
        raise QueryRefused(
            "remote_dataset_refused",
            f"{where} may only name this hub's graphs (<{GRAPH_PREFIX}…>); "
            f"refused: {', '.join(f'<{i}>' for i in foreign)}",
        )


def _walk(node: Any) -> Iterable[Any]:
    """Every node of an rdflib parse tree (CompValues are dicts, ParseResults and lists are sequences)."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if isinstance(n, dict):
            todo.extend(n.values())
        elif isinstance(n, (list, tuple)) or type(n).__name__ == "ParseResults":
            todo.extend(list(n))
