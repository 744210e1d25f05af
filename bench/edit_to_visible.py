"""How long from saving a practice file to seeing the change on its page, under `hub serve --watch`.

Copies data/ to a temporary folder, builds it once, starts the real server in watch
mode on a loopback port, then edits one practice's title N times and polls its page
until the new title is served. Prints a table and writes bench/results/edit_to_visible.json.

    .venv/bin/python bench/edit_to_visible.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from run_info import describe, stamp

REPO = Path(__file__).resolve().parents[1]
PRACTICE = "nansana-neighbourhood-watch"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--settle",
        type=float,
        default=15,
        help="seconds between the server answering and the first edit "
        "(the server and the watcher load the model and warm their caches; a curator is opening the page)",
    )
    ap.add_argument("--pause", type=float, default=1, help="seconds between seeing one edit and making the next")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hub-edit-"))
    data = tmp / "data"
    shutil.copytree(REPO / "data", data)
    env = {
        **os.environ,
        "HUB_DATA": str(data),
        "HUB_BUILD": str(tmp / "build"),
        "HUB_CACHE": str(REPO / ".cache"),
        "HF_HUB_OFFLINE": "1",
    }
    hub = [sys.executable, "-m", "hub.cli"]
    t = time.perf_counter()
    subprocess.run([*hub, "build", "--quiet"], env=env, check=True)
    first_build = time.perf_counter() - t
    port = free_port()
    log = (tmp / "serve.log").open("w")
    server = subprocess.Popen(
        [*hub, "serve", "--watch", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        time.sleep(args.settle)
        path = data / "practices" / f"{PRACTICE}.md"
        original = path.read_text(encoding="utf-8")
        title_line = next(line for line in original.splitlines() if line.startswith("title:"))
        times = []
        for i in range(args.runs):
            marker = f"Edited title {i} {time.time_ns()}"
            path.write_text(original.replace(title_line, f"title: {marker}", 1), encoding="utf-8")
            start = time.perf_counter()
            while time.perf_counter() - start < 120:
                page = httpx.get(f"{base}/practices/{PRACTICE}/", timeout=5)
                if marker in page.text:
                    times.append(time.perf_counter() - start)
                    time.sleep(args.pause)
                    break
                time.sleep(0.05)
            else:
                raise SystemExit(f"run {i}: the edit never became visible")
        path.write_text(original, encoding="utf-8")
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
        rebuilds = [
            line.split("watch: ", 1)[1] for line in (tmp / "serve.log").read_text().splitlines() if "rebuilt in" in line
        ]
        shutil.rmtree(tmp, ignore_errors=True)
    result = {
        **stamp(),
        "practice": PRACTICE,
        "runs": len(times),
        "settle_s": args.settle,
        "pause_s": args.pause,
        "load_average": os.getloadavg(),
        "first_build_s": round(first_build, 2),
        "edit_to_visible_s": {
            "min": round(min(times), 2),
            "median": round(statistics.median(times), 2),
            "max": round(max(times), 2),
        },
        "samples_s": [round(x, 2) for x in times],
        "watcher_said": rebuilds,
    }
    print("\n".join(f"  watcher: {line}" for line in rebuilds))
    print(f"machine: {describe(result['machine'])}")
    print(f"{'first build':<24}{first_build:>8.2f} s")
    for k in ("min", "median", "max"):
        print(f"{'edit → visible ' + k:<24}{result['edit_to_visible_s'][k]:>8.2f} s")
    (REPO / "bench" / "results" / "edit_to_visible.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
