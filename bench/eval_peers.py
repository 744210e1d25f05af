"""Held-out evaluation of peer cities, with baselines, ablations, a weight grid and timings.

The learning links curators record on city files (learned_from, replicated,
attended_event_in, peer_group) are never read by the score; here each one is a test
case: does the linked city appear among the source city's recommended peers?
See :mod:`hub.peers.evaluate` for the rules (filtered, tie-aware ranks; co-listed
practices held out).

    .venv/bin/hub build && HF_HUB_OFFLINE=1 .venv/bin/python bench/eval_peers.py [--build DIR]

Prints a Markdown table (the one in README "Peer cities") and writes
bench/results/peers-eval.json.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from run_info import stamp

from hub.config import settings
from hub.peers import PeerIndex, Weights, evaluate as ev

RESULTS = Path(__file__).parent / "results" / "peers-eval.json"


def _timings(build_dir: Path) -> dict[str, float]:
    t = time.perf_counter()
    index = PeerIndex.load(build_dir)
    load = time.perf_counter() - t
    t = time.perf_counter()
    index.all()
    all_lists = time.perf_counter() - t
    index.describe("warm-up: load the model once")
    runs = []
    for text in (
        "A border town hosting refugees; young people are recruited by armed groups and we want sports and youth "
        "councils.",
        "A European city after a terrorist attack, with rising hate speech online and tension between communities.",
    ):
        t = time.perf_counter()
        index.describe(text, limit=10)
        runs.append(time.perf_counter() - t)
    manifest = json.loads((build_dir / "manifest.json").read_text())
    return {
        "peers_stage_s (build, cache warm or cold as it was)": manifest["timings"].get("peers"),
        "load_index_s": round(load, 3),
        "all_peer_lists_s": round(all_lists, 3),
        "describe_ms (model loaded)": round(1000 * sum(runs) / len(runs), 1),
    }


def _scale(n_cities: int) -> dict[str, float]:
    """Peer lists for a synthetic hub of ``n_cities`` (bench/synth.py practices, ~20 per city, random unit vectors):
    the all-pairs part of the build stage, without the encoding the search benchmark already measures."""
    import numpy as np

    from synth import practices

    prs = practices(n_cities * 20)
    by_city: dict[str, dict] = {}
    for p in prs:
        c = p["cities"][0]
        city = by_city.setdefault(
            c["id"],
            {
                "id": c["id"],
                "type": "city",
                "title": c["label"],
                "url": c["url"],
                "country": p["country"],
                "region": p["region"],
                "admin_type": "city",
                "context": [],
                "aliases": [],
                "practices": [],
            },
        )
        city["practices"].append(p["id"])
    rng = np.random.default_rng(7)
    vectors = {
        f"practice:{p['id']}": v / np.linalg.norm(v)
        for p, v in zip(prs, rng.normal(size=(len(prs), 384)).astype(np.float32), strict=True)
    }
    t = time.perf_counter()
    index = PeerIndex(prs + list(by_city.values()), vectors)
    built = time.perf_counter() - t
    t = time.perf_counter()
    index.all()
    return {
        "cities": len(by_city),
        "practices": len(prs),
        "index_s": round(built, 2),
        "all_peer_lists_s": round(time.perf_counter() - t, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=settings().build_dir, help="a finished build (default: build/)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--scale", type=int, nargs="*", default=[100, 400], help="synthetic hub sizes (cities) to time")
    args = parser.parse_args()
    build_dir = args.build.resolve()
    index = PeerIndex.load(build_dir)
    links = ev.links(index)
    rows = ev.table(index)
    grid_held = ev.grid(index, held_out=True)
    default = Weights().blend()
    default_rank = next(
        i for i, r in enumerate(grid_held) if all(abs(r["weights"][k] - default[k]) < 1e-9 for k in r["weights"])
    )
    loo = {
        "co-listed practices held out": ev.leave_one_out(index, True),
        "all practices": ev.leave_one_out(index, False),
    }

    print(
        f"{len(links)} learning links between hub cities ({dict(Counter(ln.relation for ln in links))}); "
        f"{sum(1 for ln in links if ln.colisted)} of them also appear as a practice listing both cities\n"
    )
    print(f"| setting | method | hit@{ev.K} | MRR |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['setting']} | {r['method']} | {r[f'hit@{ev.K}']:.2f} | {r['mrr']:.2f} |")
    for setting, s in loo.items():
        print(f"| {setting} | blend, weights tuned leave-one-out | {s[f'hit@{ev.K}']:.2f} | {s['mrr']:.2f} |")
    relations = sorted({ln.relation for ln in links})
    print(
        f"\nby relation, co-listed practices held out (n; hit@{ev.K} / MRR):\n\n| method | "
        + " | ".join(f"{rel} ({sum(1 for ln in links if ln.relation == rel)})" for rel in relations)
        + " |\n|---|"
        + "---|" * len(relations)
    )
    for r in rows:
        if r["setting"].startswith("co-listed") and not r["method"].startswith(("concepts", "wording")):
            print(
                f"| {r['method']} | "
                + " | ".join(
                    f"{r['by_relation'][rel][f'hit@{ev.K}']:.2f} / {r['by_relation'][rel]['mrr']:.2f}"
                    for rel in relations
                )
                + " |"
            )
    print(
        f"\ndefault weights {default}: grid position {default_rank + 1} of {len(grid_held)} (held out); best grid "
        "points:"
    )
    for r in grid_held[:5]:
        print(f"  {r['weights']}  hit@{ev.K} {r[f'hit@{ev.K}']:.3f}  MRR {r['mrr']:.3f}")
    tied = ev.tied_top(index)
    tied_peers = ev.tied_top(index, grouped=False)
    print(
        f"\n{len(tied)} of {len(index.profiles)} cities have 3 or more peer cards at one score (two places) in their "
        f"top {ev.K}, a grouped card counting once"
        + (f": {', '.join(tied)}" if tied else "")
        + f" ({len(tied_peers)} counting every peer, as lists were before grouping)"
    )
    timings = _timings(build_dir)
    print("\n" + ", ".join(f"{k}: {v}" for k, v in timings.items()))
    scale = [_scale(n) for n in args.scale]
    for row in scale:
        print(f"synthetic hub: {row}")

    result = {
        **stamp(),
        "build": build_dir.name,
        "n_cities": len(index.profiles),
        "n_links": len(links),
        "links": [
            {"source": ln.source, "target": ln.target, "relation": ln.relation, "colisted": sorted(ln.colisted)}
            for ln in links
        ],
        "table": rows,
        "leave_one_out": loo,
        "default_weights": default,
        "default_grid_position": default_rank + 1,
        "grid_size": len(grid_held),
        "grid_top": grid_held[:20],
        "tied_top": tied,
        "tied_top_ungrouped": tied_peers,
        "timings": timings,
        "scale": scale,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
