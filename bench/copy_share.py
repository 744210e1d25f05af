"""How much of the records' prose repeats the source documents word for word: the share of 8-word runs.

Every description is written in our own words; quoting a name or a title is fine, copying a sentence
is not. This counts, over the published prose of every record (title, summary, notes, the evidence's
`says` and the description), the 8-word runs that also occur in the source documents' texts.

    .venv/bin/python bench/copy_share.py --sources DIR   # DIR holds the source documents' text files

Prints a table and writes bench/results/copy-share.json. The source texts are not part of the hub,
so this is a benchmark to run where they are, not a test.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from run_info import stamp

from hub.config import KIND_FOLDERS, REPO_DIR
from hub.ingest.frontmatter import read

RUN = 8
WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def runs(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + RUN]) for i in range(len(tokens) - RUN + 1)}


def prose(path: Path) -> str:
    doc = read(path)
    meta = doc.meta
    parts = [str(meta.get(k) or "") for k in ("title", "name", "summary", "notes")]
    evidence = meta.get("evidence")
    if isinstance(evidence, dict):
        parts.append(str(evidence.get("says") or ""))
    return "\n".join([*parts, doc.body])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, required=True, help="folder of the source documents' text files")
    parser.add_argument("--data", type=Path, default=REPO_DIR / "data")
    args = parser.parse_args()
    source_runs: set[tuple[str, ...]] = set()
    for f in sorted(args.sources.glob("*.txt")):
        source_runs |= runs(words(f.read_text(encoding="utf-8", errors="replace")))
    rows = {}
    for kind, folder in KIND_FOLDERS.items():
        total = copied = 0
        for path in sorted((args.data / folder).glob("*.md")):
            tokens = words(prose(path))
            record = [tuple(tokens[i : i + RUN]) for i in range(len(tokens) - RUN + 1)]
            total += len(record)
            copied += sum(r in source_runs for r in record)
        rows[kind] = {"runs": total, "copied": copied, "share": round(copied / total, 4) if total else 0.0}
    every = sum(r["runs"] for r in rows.values())
    copied = sum(r["copied"] for r in rows.values())
    rows["all records"] = {"runs": every, "copied": copied, "share": round(copied / every, 4) if every else 0.0}
    print(f"| records | {RUN}-word runs | found in the sources | share |\n|---|---|---|---|")
    for kind, r in rows.items():
        print(f"| {kind} | {r['runs']:,} | {r['copied']:,} | {r['share']:.2%} |")
    out = {
        "benchmark": "copy_share",
        "run_words": RUN,
        **stamp(),
        "results": rows,
    }
    dest = REPO_DIR / "bench" / "results" / "copy-share.json"
    dest.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {dest}")


if __name__ == "__main__":
    main()
