"""Write docs/performance.md from bench/results/*.json, so the page never drifts from what was measured.

Each benchmark writes its result file; this script only reads them and prints tables. Every section
names the machine, commit and date its file records, and says "not recorded" where the file does not
record them: the results come from more than one machine, and a figure is only meaningful with its machine.

    .venv/bin/python scripts/performance_page.py > docs/performance.md
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
NOT_RECORDED = "not recorded"
STAMP = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})")


def table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """A Markdown table; None prints as an empty cell."""
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join("" if c is None else str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def num(value: Any) -> str:
    """A figure as recorded, with thousands separators for readability (never rounded further)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        whole, _, frac = repr(value).partition(".")
        return f"{int(whole):,}" + (f".{frac}" if frac and frac != "0" else "")
    return str(value)


def pcts(d: dict[str, Any] | None, keys: tuple[str, ...] = ("p50", "p95", "p99")) -> str:
    if not d:
        return ""
    return " / ".join(num(d[k]) for k in keys if k in d)


def machine_of(data: dict[str, Any]) -> str:
    m = data.get("machine")
    if isinstance(m, str):
        return m
    if isinstance(m, dict):
        parts = [
            f"{m['cores']} cores" if "cores" in m else None,
            m.get("cpu"),
            f"Python {m['python']}" if "python" in m else None,
            f"load average {m['load_average_1m']}" if "load_average_1m" in m else None,
        ]
        return ", ".join(p for p in parts if p) or NOT_RECORDED
    return NOT_RECORDED


def commit_of(data: dict[str, Any]) -> str:
    for key in ("commit", "git_commit", "revision"):
        if data.get(key):
            return str(data[key])
    return NOT_RECORDED


def date_of(data: dict[str, Any]) -> str:
    for key in ("date", "measured", "measured_at", "timestamp"):
        if data.get(key):
            return str(data[key])
    build = data.get("build")
    if isinstance(build, str) and (m := STAMP.search(build)):  # a build stamp: the date of the build that was measured
        y, mo, d, h, mi, _ = m.groups()
        return f"{y}-{mo}-{d} {h}:{mi} UTC (the measured build's stamp)"
    return NOT_RECORDED


def provenance(data: dict[str, Any]) -> str:
    return f"Machine: {machine_of(data)}. Commit: {commit_of(data)}. Date: {date_of(data)}."


def edit_to_visible(d: dict[str, Any]) -> list[str]:
    e = d["edit_to_visible_s"]
    out = [
        f"`bench/edit_to_visible.py`: the real server in watch mode over a copy of `data/`, the title of "
        f"`{d.get('practice')}` saved {d.get('runs')} times, its page polled until the new title is served "
        f"({d.get('settle_s')} s to settle after start, {d.get('pause_s')} s between edits)."
    ]
    out.append(
        table(
            ["median", "min", "max", "first build", "load average (1, 5, 15 min)"],
            [
                [
                    f"{e['median']} s",
                    f"{e['min']} s",
                    f"{e['max']} s",
                    f"{d.get('first_build_s')} s",
                    ", ".join(f"{x:.2f}" for x in d.get("load_average", [])),
                ]
            ],
        )
    )
    if d.get("watcher_said"):
        out.append("The watcher's own words, one line per edit:\n\n" + "\n".join(f"- {w}" for w in d["watcher_said"]))
    return out


def level_name(level: dict[str, Any]) -> str:
    users = level["users"]
    return f"{users} user{'' if users == 1 else 's'}, think {num(level['think_s'])} s"


def load(d: dict[str, Any]) -> list[str]:
    out = [
        f"`bench/load.py`: `hub serve --workers {d.get('workers')}` over the corpus build, each level "
        f"{num(d.get('duration_s'))} s (at most {num(d.get('max_requests'))} requests). {d.get('note', '')}"
    ]
    if d.get("mix"):
        out.append("Mix: " + ", ".join(f"{k} {v:.0%}" for k, v in d["mix"].items()) + ".")
    for run in d.get("runs", []):
        levels = run.get("levels", [])
        out.append(
            f"**Store: {run.get('store')}**\n\n"
            + table(
                [
                    "users",
                    "think (s)",
                    "requests",
                    "req/s",
                    "errors",
                    "all p50 / p95 / p99 (ms)",
                    "search p50 / p95 / p99 (ms)",
                    "server RSS (MB)",
                ],
                [
                    [
                        lv["users"],
                        num(lv["think_s"]),
                        num(lv["requests"]),
                        num(lv["throughput_rps"]),
                        lv["errors"],
                        pcts(lv.get("all")),
                        pcts(lv.get("search")),
                        num(lv.get("server_rss_mb")),
                    ]
                    for lv in levels
                ],
            )
        )
        kinds = sorted({k for lv in levels for k in lv.get("by_kind", {})})
        if kinds:
            out.append(
                f"By kind of request, store {run.get('store')}, p50 / p95 / p99 (ms):\n\n"
                + table(
                    ["kind", *(level_name(lv) for lv in levels)],
                    [[k, *(pcts(lv.get("by_kind", {}).get(k)) for lv in levels)] for k in kinds],
                )
            )
    return out


def peers_eval(d: dict[str, Any]) -> list[str]:
    out = [
        f"`bench/eval_peers.py`: {d.get('n_links')} learning links between {d.get('n_cities')} cities are the "
        "truth; hit@5 and MRR of finding each link's target among the source's peers."
    ]
    rows = d.get("table", [])
    out.append(
        table(
            ["setting", "method", "links", "hit@5", "MRR"],
            [[r["setting"], r["method"], r["n"], r["hit@5"], r["mrr"]] for r in rows],
        )
    )
    rel = [(r, k, v) for r in rows if "default" in r["method"] for k, v in sorted(r.get("by_relation", {}).items())]
    if rel:
        out.append(
            "By relation (default weights):\n\n"
            + table(
                ["setting", "relation", "links", "hit@5", "MRR"],
                [[r["setting"], k, v["n"], v["hit@5"], v["mrr"]] for r, k, v in rel],
            )
        )
    if d.get("leave_one_out"):
        out.append(
            "Weights tuned leave-one-out:\n\n"
            + table(
                ["setting", "links", "hit@5", "MRR"],
                [[k, v["n"], v["hit@5"], v["mrr"]] for k, v in d["leave_one_out"].items()],
            )
        )
    if "default_grid_position" in d:
        out.append(
            f"Default weights {json.dumps(d.get('default_weights'))}: position {d['default_grid_position']} "
            f"of a {num(d.get('grid_size'))}-point grid."
        )
    if "tied_top" in d:
        before = f"; {len(d['tied_top_ungrouped'])} counting every peer" if "tied_top_ungrouped" in d else ""
        out.append(
            f"Lists that do not tell their peers apart: {len(d['tied_top'])} of {d.get('n_cities')} cities have three "
            f"or more peer cards at one score (to two places) in their top five, a grouped card counting once"
            + (f" ({', '.join(d['tied_top'])})" if d["tied_top"] else "")
            + f"{before}."
        )
    if d.get("timings"):
        out.append(table(["timing", "value"], [[k, num(v)] for k, v in d["timings"].items()]))
    if d.get("scale"):
        out.append(
            "All-pairs on synthetic cities:\n\n"
            + table(
                ["cities", "practices", "index (s)", "all peer lists (s)"],
                [[num(s["cities"]), num(s["practices"]), s["index_s"], s["all_peer_lists_s"]] for s in d["scale"]],
            )
        )
    return out


def scale(d: dict[str, Any]) -> list[str]:
    out = [
        f"`bench/scale.py`: {d.get('note', '')}. Encoder rate in this run: "
        f"{num(d.get('encoder_texts_per_s'))} texts/s. ≈ marks a cold build whose encoding was estimated "
        "(texts hashed instead of embedded, their time added at the measured rate)."
    ]
    sizes = d.get("sizes", [])
    rows = []
    for s in sizes:
        cold, warm, serve, sz = s.get("cold", {}), s.get("warm", {}), s.get("serve", {}), s.get("sizes", {})
        approx = "≈ " if cold.get("estimated") else ""
        search = serve.get("search", {})
        rows.append(
            [
                num(s["practices"]),
                num(s["cities"]),
                num(cold.get("triples")),
                f"{approx}{num(cold.get('wall_s'))} s",
                f"{num(s['cold_english_only']['wall_s'])} s" if s.get("cold_english_only") else "not run",
                f"{num(warm.get('wall_s'))} s",
                f"{num(cold.get('peak_rss_mb'))} MB",
                num(sz.get("store")),
                num(sz.get("search")),
                num(sz.get("embeddings")),
                num(sz.get("site")),
                " / ".join(num(search.get(m, {}).get("p50")) for m in ("keyword", "semantic", "hybrid")),
                num(serve.get("rss_mb_app")),
                num(serve.get("rss_mb_with_workers")),
                s.get("load_average_1m"),
            ]
        )
    out.append(
        table(
            [
                "practices",
                "cities",
                "triples",
                "build cold",
                "build cold, English only (HUB_MULTILINGUAL=0)",
                "build warm",
                "cold peak RSS",
                "store (MB)",
                "search index (MB)",
                "embeddings (MB)",
                "site (MB)",
                "search p50 keyword / semantic / hybrid (ms)",
                "serving RSS app (MB)",
                "with SPARQL workers (MB)",
                "load average",
            ],
            rows,
        )
    )
    queries = sorted({q for s in sizes for q in s.get("serve", {}).get("sparql", {})})
    if queries:
        out.append(
            "SPARQL p50 (ms):\n\n"
            + table(
                ["practices", *queries],
                [[num(s["practices"]), *(num(s["serve"]["sparql"].get(q)) for q in queries)] for s in sizes],
            )
        )
    stages = [k for k in (sizes[0].get("warm", {}).get("stages_s", {}) if sizes else {})]
    if stages:
        out.append(
            "Build stages (s):\n\n"
            + table(
                ["practices", "build", *stages],
                [
                    [num(s["practices"]), kind, *(num(s.get(kind, {}).get("stages_s", {}).get(k)) for k in stages)]
                    for s in sizes
                    for kind in ("cold", "warm")
                ],
            )
        )
    return out


def search_eval(d: dict[str, Any]) -> list[str]:
    out = [f"`bench/eval_search.py`: {d.get('queries')} judged queries, cut-off {d.get('k')}."]
    modes = d.get("modes", {})
    out.append(
        table(
            ["mode", f"nDCG@{d.get('k')}", f"Recall@{d.get('k')}", "MRR"],
            [[m, v["ndcg"], v["recall"], v["mrr"]] for m, v in modes.items()],
        )
    )
    by_kind = d.get("by_kind", {})
    kinds = sorted({k for v in by_kind.values() for k in v})
    if kinds:
        first = next(iter(by_kind.values()))
        out.append(
            f"nDCG@{d.get('k')} by kind of query:\n\n"
            + table(
                ["mode", *(f"{k} ({first.get(k, {}).get('n', '?')})" for k in kinds)],
                [[m, *(v.get(k, {}).get("ndcg") for k in kinds)] for m, v in by_kind.items()],
            )
        )
    return out


def search_eval_xl(d: dict[str, Any]) -> list[str]:
    k, by_lang = d.get("k"), d.get("by_language", {})
    langs = sorted({lang for v in by_lang.values() for lang in v})
    first = next(iter(by_lang.values()), {})
    det = d.get("detected", {})
    out = [
        f"`bench/eval_search.py`, cross-lingual set (`bench/eval/search_queries_xl.json`), {d.get('split')} split: "
        f"{d.get('queries')} judged queries, each the need of an English record asked in another language; cut-off "
        f"{k}; nDCG@{k} / Recall@{k}. Multilingual vectors in the build: {'yes' if d.get('multilingual') else 'no'}."
        + (
            " Bilingual lexicon: " + ", ".join(f"{lang} {n} entries" for lang, n in d["lexicon"].items()) + "."
            if d.get("lexicon")
            else ""
        ),
        table(
            ["mode", "all", *(f"{lang} ({first.get(lang, {}).get('n', '?')})" for lang in langs)],
            [
                [
                    m,
                    f"{d['modes'][m]['ndcg']:.3f} / {d['modes'][m]['recall']:.3f}",
                    *(f"{v[lang]['ndcg']:.3f} / {v[lang]['recall']:.3f}" for lang in langs),
                ]
                for m, v in by_lang.items()
            ],
        ),
    ]
    if det:
        out.append(
            f"Language told from the query: {det.get('as_its_language')} as its own language, "
            f"{det.get('as_another_non_english')} as another non-English one, {len(det.get('as_english', []))} as "
            f"English (answered by the English path): {', '.join(det.get('as_english', [])) or 'none'}."
        )
    return out


def search_tune_xl(d: dict[str, Any]) -> list[str]:
    best = d.get("best", {})
    grid = ", ".join(f"{k} {list(v)}" for k, v in d.get("grid", {}).items())
    return [
        f"`bench/eval_search.py --tune-xl`: the fusion of non-English queries swept on the {d.get('split')} split "
        f"({d.get('queries')} queries) over {grid}; the best by hybrid nDCG@10, then Recall@10:",
        table(["setting", "value"], [[k, v] for k, v in best.items()]),
        *(
            [
                "Keyword mode on the same split, with the lexicon's everyday words in the keyword expansion or "
                "without (`everyday_words`, swept with the grid): "
                + "; ".join(f"{k}: nDCG@10 {v['ndcg']:.3f}, MRR {v['mrr']:.3f}" for k, v in d["keyword_mode"].items())
                + "."
            ]
            if d.get("keyword_mode")
            else []
        ),
    ]


def search_languages(d: dict[str, Any]) -> list[str]:
    langs = d.get("languages", {})
    m = d.get("model", {})
    return [
        f"`bench/search.py --languages`: milliseconds per `GET /api/search` through HTTP (uvicorn, one process) on "
        f"the corpus build, per query language, every request a new text ({d.get('runs')} passes); English: the "
        "judged English queries, others: the cross-lingual set (both splits).",
        table(
            ["language", "queries", *(f"{mode} p50 / p95" for mode in ("keyword", "semantic", "hybrid"))],
            [
                [
                    lang,
                    v["queries"],
                    *(f"{v[mode]['p50']:.1f} / {v[mode]['p95']:.1f}" for mode in ("keyword", "semantic", "hybrid")),
                ]
                for lang, v in langs.items()
            ],
        ),
        f"The multilingual model alone: a query {m.get('query_ms', {}).get('p50')} ms (p50, one core), "
        f"{m.get('passages_per_s')} passages a second in the build's batches ({m.get('passages_timed')} records' "
        "passages, every core). Server RSS " + f"{d.get('rss_server_mb')} MB.",
    ]


def static_search_eval(d: dict[str, Any]) -> list[str]:
    k = d.get("k")
    out = [
        f"`bench/eval_static_search.py`: the {d.get('queries')} judged queries typed into `/search/` of a static "
        f"copy (Chromium, `python -m http.server`, no search API), beside the server's modes on the same build; "
        f"cut-off {k}."
    ]
    rows = {"static copy": d["static"]} | {f"static copy, {n}": v for n, v in d.get("others", {}).items()}
    rows |= {f"server, {m} mode": v for m, v in d.get("server", {}).items()}
    out.append(
        table(
            ["search", f"nDCG@{k}", f"Recall@{k}", "MRR", "queries with no result"],
            [
                [name, v["mean"]["ndcg"], v["mean"]["recall"], v["mean"]["mrr"], v.get("empty", "")]
                for name, v in rows.items()
            ],
        )
    )
    return out


def search(d: dict[str, Any]) -> list[str]:
    out = [
        f"`bench/search.py`: {d.get('queries')} queries × {d.get('runs')} passes per mode, each request a "
        "never-seen query text; p50 / p95 in ms."
    ]
    rows, builds = [], []
    for name, s in d.get("scales", {}).items():
        for mode in ("keyword", "semantic", "hybrid"):
            rows.append(
                [
                    f"{name} ({num(s.get('records'))} records)",
                    mode,
                    pcts(s.get("library", {}).get(mode), ("p50", "p95")),
                    pcts(s.get("api_in_process", {}).get(mode), ("p50", "p95")),
                    pcts(s.get("http", {}).get(mode), ("p50", "p95")),
                ]
            )
        b = s.get("build", {})
        builds.append(
            [
                name,
                num(s.get("units")),
                num(b.get("keyword_s")),
                num(b.get("semantic_s")),
                num(s.get("load_index_s")),
                num(s.get("rss_server_mb")),
            ]
        )
    out.append(table(["scale", "mode", "library", "API in-process", "HTTP"], rows))
    out.append(
        table(
            [
                "scale",
                "embedded texts",
                "build: keyword index (s)",
                "build: embeddings (s)",
                "load index (s)",
                "RSS, server process (MB)",
            ],
            builds,
        )
    )
    return out


def site_quality(d: dict[str, Any]) -> list[str]:
    out = [f"`bench/site_quality.py`: {num(d.get('pages'))} pages; bytes of HTML + CSS per page."]
    out.append(
        table(
            ["page", "URL", "HTML + CSS (bytes)", "gzip (bytes)"],
            [[k, f"`{v['url']}`", num(v["total"]), num(v["total_gzip"])] for k, v in d.get("weights", {}).items()],
        )
    )
    if d.get("axe"):
        out.append(
            "axe-core violations:\n\n"
            + table(["page", "violations"], [[f"`{p}`", len(v)] for p, v in d["axe"].items()])
        )
    return out


def sparql(d: dict[str, Any]) -> list[str]:
    out = [
        f"`bench/sparql.py`: {d.get('note', '')} Median of {d.get('runs')} requests after a first one (in brackets)."
    ]
    for res in d.get("results", []):
        first = next(iter(res["queries"].values()))
        servers = [k for k, v in first.items() if isinstance(v, dict)]
        out.append(
            f"**{res.get('dataset')} graph ({num(res.get('triples'))} triples)**\n\n"
            + table(
                ["query", "rows", *(f"{s} (ms)" for s in servers), "speed-up"],
                [
                    [
                        q,
                        num(v[servers[0]].get("size")),
                        *(f"{num(v[s]['median_ms'])} ({num(v[s]['first_ms'])})" for s in servers),
                        f"×{v.get('speedup')}",
                    ]
                    for q, v in res["queries"].items()
                ],
            )
        )
    return out


RENDERERS: dict[str, tuple[str, Callable[[dict[str, Any]], list[str]]]] = {
    "edit_to_visible": ("Edit to visible", edit_to_visible),
    "load": ("Load", load),
    "peers-eval": ("Peer cities: evaluation", peers_eval),
    "scale": ("Scale", scale),
    "search-eval": ("Search: quality", search_eval),
    "search-eval-xl": ("Search: quality in other languages", search_eval_xl),
    "search-tune-xl": ("Search: fusion for other languages, tuned", search_tune_xl),
    "search-languages": ("Search: speed per query language", search_languages),
    "static-search-eval": ("Search: quality of a static copy", static_search_eval),
    "search": ("Search: speed", search),
    "site_quality": ("Site: page weight and accessibility", site_quality),
    "sparql": ("SPARQL: speed", sparql),
}


def generic(d: dict[str, Any]) -> list[str]:
    """A result file without a renderer still shows its top-level figures."""
    return [table(["field", "value"], [[k, num(v)] for k, v in d.items() if not isinstance(v, (dict, list))])]


def render(results: Path = RESULTS) -> str:
    files = sorted(results.glob("*.json"))
    data = {f.stem: json.loads(f.read_text(encoding="utf-8")) for f in files}
    parts = [
        "# Performance",
        "",
        "Generated by `scripts/performance_page.py` from `bench/results/*.json`: do not edit by hand. Re-run a "
        "benchmark, then `.venv/bin/python scripts/performance_page.py > docs/performance.md`. The results come "
        "from more than one machine: each section names the machine, commit and date its file records "
        f'("{NOT_RECORDED}" where the file does not say). What the figures mean, and the targets they are '
        "held to, are in [search](search.md), [peers](peers.md), [API](api.md), [site](site.md) and "
        "[reliability](reliability.md).",
        "",
        table(
            ["result file", "section", "machine", "commit", "date"],
            [
                [
                    f"`bench/results/{f.name}`",
                    RENDERERS.get(f.stem, (f.stem,))[0],
                    machine_of(data[f.stem]),
                    commit_of(data[f.stem]),
                    date_of(data[f.stem]),
                ]
                for f in files
            ],
        ),
        "",
    ]
    for f in files:
        title, fn = RENDERERS.get(f.stem, (f.stem, generic))
        parts += [f"## {title}", "", f"From `bench/results/{f.name}`. {provenance(data[f.stem])}", ""]
        for block in fn(data[f.stem]):
            parts += [block, ""]
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder of result JSON files")
    parser.add_argument("-o", "--output", type=Path, help="write here instead of standard output")
    args = parser.parse_args(argv)
    page = render(args.results)
    if args.output:
        args.output.write_text(page, encoding="utf-8")
    else:
        sys.stdout.write(page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
