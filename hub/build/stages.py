"""The build's stages: each takes the :class:`BuildContext`, calls a plain library function and records what it wrote.

The libraries (``hub.ingest``, ``hub.exports``, ``hub.search``, ``hub.peers``, ``hub.site``) know
nothing of the build: they take a catalogue, a graph or a folder. Adapting them to the context
(where the new build is, what the stages before left, the stats and background jobs) happens here.
"""

from __future__ import annotations

import json
from functools import cache

import pyoxigraph as ox

from hub import store
from hub.build.context import BuildContext, BuildError
from hub.config import ONTOLOGY_DIR


def write_graph(ctx: BuildContext) -> None:
    """graph.nq (one named graph per record), graph.ttl and graph.jsonld (all triples merged), and the store."""
    from hub.ingest.to_rdf import PREFIXES, record_graphs, static_graphs, union_graph

    graphs = record_graphs(ctx.corpus)
    nq = ctx.out / "graph.nq"
    with nq.open("wb") as f:
        for rg in graphs:
            f.write(rg.nquads)
        f.write(static_graphs().nquads)
    ctx.graph = union_graph(graphs)
    store.create(ctx.out / "store", nq)
    st = store.open_local(ctx.out / "store")
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    triples = sorted(
        {q.triple for q in st}, key=str
    )  # by N-Triples text: stable, and each subject's triples stay together
    (ctx.out / "graph.ttl").write_bytes(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes))
    (ctx.out / "graph.jsonld").write_bytes(ox.serialize(triples, format=ox.RdfFormat.JSON_LD, prefixes=prefixes))
    c = store.counts(st)
    ctx.stats.update(
        practices=c.practices,
        cities=c.cities,
        resources=c.resources,
        spotlights=c.spotlights,
        quads=c.triples,
        triples=len(triples),
    )
    del st


def write_catalog(ctx: BuildContext) -> None:
    """build/records.json: the flattened records every other stage and the servers read."""
    from hub.ingest.catalog import build_catalog

    ctx.catalog = build_catalog(ctx.corpus)
    (ctx.out / "records.json").write_text(json.dumps(ctx.catalog, ensure_ascii=False), encoding="utf-8")


def write_schemas(ctx: BuildContext) -> None:
    """build/schema/<kind>.schema.json: the front-matter JSON Schemas, for editors and other tools."""
    from hub.config import KIND_FOLDERS
    from hub.ingest.schema import front_matter_schema

    folder = ctx.out / "schema"
    folder.mkdir()
    for kind in KIND_FOLDERS:
        (folder / f"{kind}.schema.json").write_text(
            json.dumps(front_matter_schema(kind), indent=2, ensure_ascii=False), encoding="utf-8"
        )


def check_shapes(ctx: BuildContext) -> None:
    """SHACL: the graph itself must satisfy hub/ontology/shapes.ttl, whatever the validator let through."""
    from pyshacl import validate as shacl_validate

    conforms, _, text = shacl_validate(ctx.graph, shacl_graph=_shapes(), inference="none", advanced=False)
    if not conforms:
        raise BuildError(f"the graph does not conform to hub/ontology/shapes.ttl:\n{text}")


@cache
def _shapes():
    from rdflib import Graph

    return Graph().parse(ONTOLOGY_DIR / "shapes.ttl", format="turtle")


def write_site(ctx: BuildContext) -> None:
    """build/site: the static site and its search records; a broken template stops the build with template:line."""
    from hub.site import SiteError, build_site

    try:
        ctx.stats["site"] = build_site(ctx.catalog, ctx.out, ctx.settings, ctx.previous, preview=ctx.preview)
    except SiteError as exc:
        raise BuildError(f"the site could not be built: {exc}") from None


def write_exports(ctx: BuildContext) -> None:
    """practices.csv, dataset.ttl and downloads.json (after the graph and catalog stages)."""
    from hub.exports import write_downloads

    ctx.stats["downloads"] = write_downloads(ctx.out, ctx.catalog, ctx.settings.site_url, ctx.stats.get("triples"))


def write_search(ctx: BuildContext) -> None:
    """build/search/ from the catalogue; the keyword index is written in a helper process while the next stages
    run (the build waits for it before the swap); embeddings cached under cache_dir."""
    from hub.search.index import DIRECTORY
    from hub.search.indexer import build_search_index

    stats = build_search_index(
        ctx.catalog,
        ctx.out / DIRECTORY,
        ctx.settings.cache_dir,
        in_background=True,
        multilingual_vectors=ctx.settings.multilingual,
    )
    ctx.pending.append(stats.pop("keyword_job"))
    ctx.stats["search"] = stats


def write_peers(ctx: BuildContext) -> None:
    """peers.json and peer-vectors.npz from the catalogue, embeddings cached under cache_dir."""
    from hub.peers import build_peer_index

    ctx.stats.update(build_peer_index(ctx.catalog, ctx.out, ctx.settings.cache_dir))
