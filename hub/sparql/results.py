"""SPARQL results written in the standard formats, stopping at a row limit.

pyoxigraph's writers are fast but write every row, and an endpoint on the internet must
stop somewhere. So results are streamed into a sink that keeps lines up to the limit
and then stops the writer (which stops the engine too: results are computed lazily),
in a line-per-row format first: TSV for SELECT, N-Triples for CONSTRUCT / DESCRIBE. Both
write every term in full, so turning the kept lines into the asked format (SPARQL JSON,
XML, CSV; Turtle, JSON-LD, RDF/XML) loses nothing. ASK answers are written as they are.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

import pyoxigraph as ox


@dataclass(frozen=True)
class ResultFormat:
    name: str
    media_type: str  # what the response says it is
    for_graphs: bool  # CONSTRUCT / DESCRIBE (RDF) rather than SELECT / ASK (result sets)
    accepts: tuple[str, ...] = ()  # other media types a client may ask for it by
    label: str = ""

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.media_type.startswith("text/") else self.media_type


FORMATS: dict[str, ResultFormat] = {
    f.name: f
    for f in (
        ResultFormat("json", "application/sparql-results+json", False, ("application/json",), "SPARQL JSON"),
        ResultFormat("xml", "application/sparql-results+xml", False, ("application/xml", "text/xml"), "SPARQL XML"),
        ResultFormat("csv", "text/csv", False, (), "CSV"),
        ResultFormat("tsv", "text/tab-separated-values", False, (), "TSV"),
        ResultFormat("turtle", "text/turtle", True, ("application/x-turtle",), "Turtle"),
        ResultFormat("ntriples", "application/n-triples", True, ("text/plain",), "N-Triples"),
        ResultFormat("jsonld", "application/ld+json", True, ("application/json",), "JSON-LD"),
        ResultFormat("rdfxml", "application/rdf+xml", True, ("application/xml", "text/xml"), "RDF/XML"),
    )
}
# short names people type in ?format=
FORMAT_ALIASES = {"srj": "json", "srx": "xml", "ttl": "turtle", "nt": "ntriples", "json-ld": "jsonld", "rdf": "rdfxml"}
_RESULTS_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def format_named(name: str) -> ResultFormat | None:
    key = name.strip().lower()
    return FORMATS.get(FORMAT_ALIASES.get(key, key))


@dataclass(frozen=True)
class Written:
    payload: bytes
    rows: int  # solutions or triples written (1 for ASK)
    truncated: bool  # more existed beyond the row limit


class _Enough(Exception):
    """Raised into pyoxigraph's writer to stop it once the sink has all the lines it keeps."""


class _LineSink(io.RawIOBase):
    """A binary sink that keeps the first ``keep`` lines and stops the writer as soon as there are more."""

    def __init__(self, keep: int):
        super().__init__()
        self.keep = keep
        self.data = bytearray()
        self.lines = 0

    def writable(self) -> bool:
        return True

    def write(self, chunk: Any) -> int:
        self.data += chunk
        self.lines += bytes(chunk).count(b"\n")
        if self.lines > self.keep:
            raise _Enough
        return len(chunk)

    def kept(self) -> bytes:
        end = -1
        for _ in range(self.keep):
            end = self.data.index(b"\n", end + 1)
        return bytes(self.data[: end + 1])


def _first_lines(serialize: Callable[[IO[bytes]], Any], keep: int) -> tuple[bytes, bool]:
    """What ``serialize`` writes, up to ``keep`` lines, and whether it had more."""
    sink = _LineSink(keep)
    try:
        serialize(sink)  # type: ignore[arg-type]
    except _Enough:
        return sink.kept(), True
    return bytes(sink.data), False


def write(result: Any, fmt: ResultFormat, max_rows: int, prefixes: dict[str, str] | None = None) -> Written:
    """Serialise a pyoxigraph result (solutions, boolean, or triples) in ``fmt``, at most ``max_rows`` rows or
    triples."""
    if isinstance(result, ox.QueryBoolean):
        return Written(result.serialize(format=_RESULTS_FORMATS[fmt.name]), 1, False)
    if isinstance(result, ox.QuerySolutions):
        tsv, truncated = _first_lines(
            lambda out: result.serialize(out, format=ox.QueryResultsFormat.TSV), max_rows + 1
        )  # + header
        rows = tsv.count(b"\n") - 1
        if fmt.name != "tsv":
            tsv = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(
                format=_RESULTS_FORMATS[fmt.name]
            )
        return Written(tsv, rows, truncated)
    if isinstance(result, ox.QueryTriples):
        nt, truncated = _first_lines(lambda out: result.serialize(out, format=ox.RdfFormat.N_TRIPLES), max_rows)
    else:  # an iterator of triples (parsed from a remote store's answer)
        triples = list(islice(result, max_rows + 1))
        truncated = len(triples) > max_rows
        nt = ox.serialize(triples[:max_rows], format=ox.RdfFormat.N_TRIPLES)
    rows = nt.count(b"\n")
    if (
        fmt.name != "ntriples"
    ):  # parsed N-Triples are quads in the default graph: the graph writers take them as they are
        nt = ox.serialize(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), format=_RDF_FORMATS[fmt.name], prefixes=prefixes)
    return Written(nt, rows, truncated)
