"""What the SPARQL guard lets through: every refused form, by parsing, and the tricks that would smuggle a SERVICE
past it."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from hub.sparql.guard import QueryRefused, check

from sparql_server import listener

LOCAL = "https://w3id.org/cityhub/graph/practices/alpha-youth-council"


def refused(query: str, **kw) -> QueryRefused:
    with pytest.raises(QueryRefused) as info:
        check(query, 20000, **kw)
    return info.value


@pytest.mark.parametrize(
    "query,kind",
    [
        ("SELECT * WHERE { ?s ?p ?o }", "select"),
        ("ask { ?s ?p ?o }", "ask"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "construct"),
        ("DESCRIBE <https://w3id.org/cityhub/cities/alpha-town>", "describe"),
        (
            'PREFIX ex: <http://example.org/> SELECT ?s WHERE { ?s ex:service ?o . FILTER(CONTAINS(?o, "SERVICE '
            '<http://x>")) }',
            "select",
        ),
    ],
)
def test_read_queries_pass_and_are_classified(query: str, kind: str) -> None:
    plan = check(query, 20000)
    assert plan.kind == kind and not plan.has_dataset


@pytest.mark.parametrize(
    "query,operation",
    [
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "INSERT DATA"),
        ("DELETE DATA { <http://a> <http://b> <http://c> }", "DELETE DATA"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE"),
        ("WITH <http://g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "DELETE/INSERT"),
        ("LOAD <http://example.org/data.ttl>", "LOAD"),
        ("load silent <http://example.org/data.ttl> into graph <http://g>", "LOAD"),
        ("CLEAR ALL", "CLEAR"),
        ("clear graph <http://g>", "CLEAR"),
        ("DROP DEFAULT", "DROP"),
        ("CREATE GRAPH <http://g>", "CREATE"),
        ("ADD <http://a> TO <http://b>", "ADD"),
        ("MOVE DEFAULT TO <http://b>", "MOVE"),
        ("COPY <http://a> TO DEFAULT", "COPY"),
        ("CLEAR DEFAULT ; LOAD <http://x>", "CLEAR ; LOAD"),
    ],
)
def test_every_update_form_is_refused_by_name(query: str, operation: str) -> None:
    exc = refused(query)
    assert exc.code == "update_refused"
    assert str(exc).startswith(operation) and "read-only" in str(exc)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * where { service <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SeRvIcE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?x ?y ?z OPTIONAL { SERVICE <http://example.org/sparql> { ?s ?p ?o } } }",
        "SELECT * WHERE { { SELECT ?s WHERE { SERVICE ?endpoint { ?s ?p ?o } } } }",
        "ASK { FILTER EXISTS { SERVICE <http://example.org/sparql> { ?a ?b ?c } } }",
        "SELECT * WHERE { ?s ?p ?o MINUS { SERVICE <http://example.org/sparql> { ?s ?p ?o } } }",
        "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { SERVICE <http://example.org/sparql> { ?s ?p ?o } } } }",
        "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused_in_any_case_and_nesting(query: str) -> None:
    exc = refused(query)
    assert exc.code == "service_refused" and "SERVICE" in str(exc)


def test_remote_datasets_are_refused_but_the_hubs_own_graphs_are_not() -> None:
    assert refused("SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }").code == "remote_dataset_refused"
    assert (
        refused("SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }").code
        == "remote_dataset_refused"
    )
    assert (
        refused("SELECT * WHERE { ?s ?p ?o }", default_graph_uris=["http://example.org/x"]).code
        == "remote_dataset_refused"
    )
    assert (
        refused("SELECT * WHERE { ?s ?p ?o }", named_graph_uris=["http://example.org/x"]).code
        == "remote_dataset_refused"
    )
    plan = check(f"SELECT * FROM <{LOCAL}> WHERE {{ ?s ?p ?o }}", 20000)
    assert plan.default_graphs == (LOCAL,) and plan.has_dataset
    assert check("SELECT * WHERE { ?s ?p ?o }", 20000, named_graph_uris=[LOCAL]).named_graphs == (LOCAL,)


def test_size_and_syntax_are_checked() -> None:
    assert check("SELECT * WHERE { ?s ?p ?o }", 30).kind == "select"  # at the cap
    with pytest.raises(QueryRefused) as info:
        check("SELECT * WHERE { ?s ?p ?o }  # " + "x" * 200, 100)
    assert info.value.code == "query_too_large" and "at most 100" in str(info.value)
    assert refused("").code == "malformed_query"
    assert refused("SELEC * WHERE { ?s ?p ?o }").code == "malformed_query"
    assert refused("SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }").code == "query_too_complex"


# ---------------------------------------------------------------- smuggling: two parsers reading one text differently


@pytest.fixture
def honeypot() -> Iterator[tuple[str, list[int]]]:
    with listener() as found:
        yield found


def _smuggled(endpoint: str) -> dict[str, tuple[str, list[ox.Quad]]]:
    """Queries where rdflib (escapes expanded first, comments end at LF) and oxigraph (escapes only in strings,
    comments also end at CR) would see different things, with data that makes oxigraph reach the SERVICE."""
    n, lit = ox.NamedNode, ox.Literal
    g = n("https://w3id.org/cityhub/graph/x")
    return {
        # rdflib sees "a", " SERVICE ... ", "b"; oxigraph sees one string a", then a live SERVICE
        "escaped quote": (
            f'SELECT * WHERE {{ ?s ?p "a\\u0022, " SERVICE <{endpoint}> {{ ?a ?b ?c }} ?x ?y ",\\u0022b" . }}',
            [
                ox.Quad(n("http://s"), n("http://p"), lit('a", '), g),
                ox.Quad(n("http://x"), n("http://y"), lit(',"b'), g),
            ],
        ),
        # rdflib: the comment runs to LF and hides the SERVICE; oxigraph: the comment ends at CR
        "CR ends a comment": (
            f"SELECT * WHERE {{ ?s ?p ?o # note\r SERVICE <{endpoint}> {{ ?a ?b ?c }}\n }}",
            [ox.Quad(n("http://s"), n("http://p"), n("http://o"), g)],
        ),
    }


@pytest.mark.parametrize("name", ["escaped quote", "CR ends a comment"])
def test_smuggled_service_never_reaches_the_network(name: str, honeypot: tuple[str, list[int]]) -> None:
    endpoint, hits = honeypot
    query, quads = _smuggled(endpoint)[name]
    store = ox.Store()
    store.extend(quads)
    # the trick is real: run as received, oxigraph calls the SERVICE the guard's parser cannot see
    try:
        list(store.query(query, use_default_graph_as_union=True))
    except OSError:
        pass
    assert hits, "the crafted query should reach the honeypot when run unchecked"
    hits.clear()
    try:
        plan = check(query, 20000)
    except QueryRefused:
        return  # refused outright: safe
    try:  # allowed: then the text the engine runs is the canonical one the guard read, and it has no SERVICE
        list(store.query(plan.text, use_default_graph_as_union=True))
    except (SyntaxError, OSError):
        pass
    assert not hits
