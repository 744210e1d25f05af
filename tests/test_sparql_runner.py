"""The query runner without HTTP: kill on time-out, workers without network, the row limit, every result format."""

from __future__ import annotations

import csv
import ctypes.util
import dataclasses
import io
import json
import os
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from multiprocessing import Pipe
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from hub import store
from hub.config import Settings
from hub.sparql.guard import Plan, QueryRefused, check
from hub.sparql.results import FORMATS
from hub.sparql.runner import QueryTimeout, _worker_env, pool_for, run_query, worker_allocator
from hub.sparql.worker import Job, answer_jobs

from sparql_server import build_mini_graph, idle_baseline, listener, wait_until_busy

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LABELS = "SELECT ?p ?title WHERE { ?p a hub:Practice ; rdfs:label ?title } ORDER BY ?p"


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_mini_graph(tmp_path_factory.mktemp("runner"), sparql_timeout_s=5.0, sparql_workers=2)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"  # a zombie is dead too
    except (ProcessLookupError, FileNotFoundError):  # gone, or reaped between the two looks
        return False


def test_runaway_query_is_killed_and_its_worker_replaced(cfg: Settings) -> None:
    pool = pool_for(cfg)
    run_query(cfg, check("ASK { ?s ?p ?o }", 1000), FORMATS["json"], 5)  # workers up
    before = set(pool.pids())
    with pytest.raises(QueryTimeout, match="more than 0.5 s"):
        run_query(cfg, check(RUNAWAY, 1000), FORMATS["json"], 0.5)
    after = set(pool.pids())
    [killed] = before - after
    assert len(after) == len(before) == cfg.sparql_workers
    deadline = time.monotonic() + 10
    while alive(killed) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(killed)
    answer = run_query(cfg, check(LABELS, 1000), FORMATS["json"], 5)  # the pool still answers
    assert answer.rows == 2


def test_workers_have_no_network_even_for_a_query_the_guard_never_saw(cfg: Settings) -> None:
    probe = subprocess.run(
        [sys.executable, "-c", "from hub.sparql.worker import isolate_network; print(isolate_network())"],
        capture_output=True,
        text=True,
        check=True,
    )
    if probe.stdout.strip() != "True":
        pytest.skip("this OS does not allow unprivileged network namespaces")
    with listener() as (endpoint, hits):
        unchecked = Plan("select", f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}")
        status, message = pool_for(cfg).run(Job(unchecked, "json", 10), 5)
    assert status in ("query", "store") and not hits, message


# the cap must hold whatever the query says about its own size (no LIMIT, a larger LIMIT, a closing VALUES block)
ALL_TRIPLES = [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 100000",
    "SELECT * WHERE { ?s ?p ?o } VALUES ?z { 1 }",
]


@pytest.mark.parametrize("query", ALL_TRIPLES)
@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_row_limit_truncates_and_says_so(cfg: Settings, query: str, fmt: str) -> None:
    small = dataclasses.replace(cfg, sparql_max_rows=7)
    answer = run_query(small, check(query, 1000), FORMATS[fmt], 5)
    assert answer.truncated and answer.rows == 7
    if fmt == "json":
        assert len(json.loads(answer.payload)["results"]["bindings"]) == 7
    elif fmt == "xml":
        assert len(ET.fromstring(answer.payload).findall(".//{http://www.w3.org/2005/sparql-results#}result")) == 7
    elif fmt == "csv":
        assert len(list(csv.DictReader(io.StringIO(answer.payload.decode())))) == 7
    else:
        assert len(list(ox.parse_query_results(answer.payload, format=ox.QueryResultsFormat.TSV))) == 7


def test_row_limit_for_graphs_and_exact_answers(cfg: Settings) -> None:
    small = dataclasses.replace(cfg, sparql_max_rows=7)
    answer = run_query(small, check("CONSTRUCT WHERE { ?s ?p ?o }", 1000), FORMATS["ntriples"], 5)
    assert answer.truncated and len(answer.payload.decode().strip().splitlines()) == 7
    exact = run_query(small, check(LABELS, 1000), FORMATS["json"], 5)
    assert not exact.truncated and exact.rows == 2


def _select_rows(fmt: str, payload: bytes) -> set[tuple[str, str]]:
    """(practice IRI, title) pairs read back with an independent parser for each format."""
    if fmt == "json":
        return {(b["p"]["value"], b["title"]["value"]) for b in json.loads(payload)["results"]["bindings"]}
    if fmt == "xml":
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        out = set()
        for res in ET.fromstring(payload).iterfind(".//r:result", ns):
            vals = {b.get("name"): b[0].text for b in res.iterfind("r:binding", ns)}
            out.add((vals["p"], vals["title"]))
        return out
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(payload.decode())))
        return {(r["p"], r["title"]) for r in rows}
    return {(s["p"].value, s["title"].value) for s in ox.parse_query_results(payload, format=ox.QueryResultsFormat.TSV)}


@pytest.mark.parametrize("query", [LABELS, f"{LABELS} LIMIT 100000"], ids=["plain", "own LIMIT above the cap"])
@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_select_formats_carry_the_same_rows_as_the_store(cfg: Settings, fmt: str, query: str) -> None:
    expected = {(r["p"], r["title"]) for r in store.select(store.open_local(cfg.store_dir), LABELS)}
    assert len(expected) == 2
    answer = run_query(cfg, check(query, 1000), FORMATS[fmt], 5)
    assert _select_rows(fmt, answer.payload) == expected and not answer.truncated and answer.rows == 2


@pytest.mark.parametrize("limit", ["", " LIMIT 100000"], ids=["plain", "own LIMIT above the cap"])
def test_literals_keep_language_datatype_and_awkward_characters(cfg: Settings, limit: str) -> None:
    q = (
        'SELECT ?l ?n ?t WHERE { BIND("tab\\there \\"q\\" <&>"@en AS ?l) BIND(42 AS ?n) BIND("line\\nbreak" AS ?t) }'
        + limit
    )
    plan = check(q, 1000)
    data = json.loads(run_query(cfg, plan, FORMATS["json"], 5).payload)["results"]["bindings"][0]
    assert data["l"] == {"type": "literal", "value": 'tab\there "q" <&>', "xml:lang": "en"}
    assert data["n"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer" and "datatype" not in data["t"]
    [sol] = ox.parse_query_results(run_query(cfg, plan, FORMATS["tsv"], 5).payload, format=ox.QueryResultsFormat.TSV)
    assert (sol["l"].value, sol["l"].language, sol["t"].value) == ('tab\there "q" <&>', "en", "line\nbreak")
    xml = ET.fromstring(run_query(cfg, plan, FORMATS["xml"], 5).payload)
    assert 'tab\there "q" <&>' in [e.text for e in xml.iter("{http://www.w3.org/2005/sparql-results#}literal")]


@pytest.mark.parametrize(
    "fmt,rdflib_format", [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")]
)
def test_graph_formats_parse_to_the_same_graph(cfg: Settings, fmt: str, rdflib_format: str) -> None:
    plan = check(
        "CONSTRUCT { ?p rdfs:label ?t ; hub:leadCity ?c } WHERE { ?p a hub:Practice ; rdfs:label ?t ; hub:leadCity ?c "
        "}",
        1000,
    )
    g = Graph().parse(data=run_query(cfg, plan, FORMATS[fmt], 5).payload, format=rdflib_format)
    reference = Graph().parse(data=run_query(cfg, plan, FORMATS["ntriples"], 5).payload, format="nt")
    assert len(g) == len(reference) == 4 and g.isomorphic(reference)


def test_ask_and_format_mismatch(cfg: Settings) -> None:
    assert (
        json.loads(run_query(cfg, check("ASK { ?p a hub:Practice }", 1000), FORMATS["json"], 5).payload)["boolean"]
        is True
    )
    with pytest.raises(QueryRefused) as info:
        run_query(cfg, check("CONSTRUCT WHERE { ?s ?p ?o }", 1000), FORMATS["csv"], 5)
    assert info.value.code == "format_mismatch"


def test_workers_die_with_their_server(cfg: Settings, tmp_path: Path) -> None:
    """A server killed outright (SIGKILL, OOM killer) must not leave a runaway query computing."""
    script = tmp_path / "server.py"
    script.write_text(f"""
from pathlib import Path
from hub.config import Settings
from hub.sparql.guard import check
from hub.sparql.results import FORMATS
from hub.sparql.runner import pool_for, run_query
cfg = Settings(build_dir=Path({str(cfg.build_dir)!r}), sparql_timeout_s=600)
print(*pool_for(cfg).pids(), flush=True)
run_query(cfg, check({RUNAWAY!r}, 1000), FORMATS["json"], 600)
""")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) == 2
    wait_until_busy(pids, {pid: 0 for pid in pids}, ticks=150)  # past start-up (~30 ticks): computing the runaway query
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in pids)


def _open_store_files(pid: int, store_dir: Path) -> list[str]:
    fds = Path(f"/proc/{pid}/fd")
    return [
        t
        for t in (os.readlink(fd) for fd in fds.iterdir() if fd.is_symlink())
        if t.startswith(str(store_dir.resolve()))
    ]


def test_small_graphs_are_held_in_memory_large_ones_read_from_disk(cfg: Settings) -> None:
    in_memory, on_disk = cfg, dataclasses.replace(cfg, sparql_memory_mb=0)
    answers = [run_query(c, check(LABELS, 1000), FORMATS["json"], 5).payload for c in (in_memory, on_disk)]
    assert answers[0] == answers[1] and b"Youth council" in answers[0]
    for c in (in_memory, on_disk):
        idle_baseline(pool_for(c).pids())  # both workers of each pool started and opened their store
    disk_files = [_open_store_files(pid, cfg.store_dir) for pid in pool_for(on_disk).pids()]
    memory_files = [_open_store_files(pid, cfg.store_dir) for pid in pool_for(in_memory).pids()]
    assert all(disk_files) and not any(memory_files)


def test_workers_run_with_mimalloc_unless_told_to_use_the_system_malloc(cfg: Settings) -> None:
    if worker_allocator("auto") is None:
        pytest.skip("mimalloc is not installed here (scripts/setup.sh installs Debian's libmimalloc2.0)")
    fast, plain = cfg, dataclasses.replace(cfg, sparql_allocator="system")
    plan = check("CONSTRUCT { ?p ?x ?y } WHERE { ?p a hub:Practice ; ?x ?y }", 1000)
    answers = [run_query(c, plan, FORMATS["ntriples"], 5) for c in (fast, plain)]
    assert answers[0].rows == answers[1].rows > 10 and not answers[0].truncated
    graphs = [Graph().parse(data=a.payload, format="nt") for a in answers]  # blank node labels differ between processes
    assert len(graphs[0]) == answers[0].rows and graphs[0].isomorphic(graphs[1])
    for c, preloaded in ((fast, True), (plain, False)):
        pids = pool_for(c).pids()
        assert len(pids) == c.sparql_workers
        assert all(("libmimalloc" in Path(f"/proc/{pid}/maps").read_text()) is preloaded for pid in pids)
    assert "libmimalloc" not in Path("/proc/self/maps").read_text()  # the server process keeps its own malloc


def test_allocator_setting() -> None:
    assert worker_allocator("system") is None and worker_allocator("") is None and worker_allocator("glibc") is None
    assert worker_allocator("/opt/lib/libjemalloc.so.2") == "/opt/lib/libjemalloc.so.2"
    assert worker_allocator("auto") == worker_allocator("AUTO") == ctypes.util.find_library("mimalloc")
    assert _worker_env(None) is None
    os.environ["LD_PRELOAD"] = "libother.so"
    try:
        assert _worker_env("libmimalloc.so.2")["LD_PRELOAD"] == "libmimalloc.so.2 libother.so"
    finally:
        del os.environ["LD_PRELOAD"]


def test_a_worker_sends_its_answer_before_it_frees_the_result() -> None:
    """Freeing a big CONSTRUCT result takes milliseconds the client must not wait for."""
    release, freed = threading.Event(), threading.Event()

    class Triples:  # stands in for the engine's result: its freeing is held until the test has the answer
        def __init__(self) -> None:
            self.items = iter(
                [ox.Triple(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o"))]
            )

        def __iter__(self) -> Triples:
            return self

        def __next__(self) -> ox.Triple:
            return next(self.items)

        def __del__(self) -> None:
            release.wait(10)
            freed.set()

    class Source:
        def query(self, *_: object, **__: object) -> Triples:
            return Triples()

    ours, theirs = Pipe()
    thread = threading.Thread(target=answer_jobs, args=(theirs, Source()), daemon=True)
    thread.start()
    try:
        ours.send(Job(Plan("construct", "CONSTRUCT WHERE { ?s ?p ?o }"), "ntriples", 10))
        assert ours.poll(3), "the answer waited for the result to be freed"
        status, (payload, rows, truncated, _) = ours.recv()
        assert (status, rows, truncated) == ("ok", 1, False) and payload.startswith(b"<http://example.org/s>")
        assert not freed.is_set()
    finally:
        release.set()
    assert freed.wait(5)
    ours.close()
    thread.join(5)
    assert not thread.is_alive()
