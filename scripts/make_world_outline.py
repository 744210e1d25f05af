"""Regenerate site/templates/_land.svg.txt: the land outline of the site's map, as one SVG path.

Run once by hand; the output is committed, so building the site needs neither this
script nor its input. Input: ``land-110m.json`` from the npm package ``world-atlas``
2.0.2 (TopoJSON of Natural Earth's 1:110m land polygons; Natural Earth is public
domain, world-atlas is ISC), e.g. ``npm pack world-atlas@2.0.2`` and untar it.

Projection: equirectangular, 2 SVG units per degree (x = (lon + 180) * 2,
y = (90 - lat) * 2), rounded to whole units, relative path commands. The site
projects city coordinates with the same formula (hub/site/geo.py).

    python scripts/make_world_outline.py path/to/land-110m.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "site" / "templates" / "_land.svg.txt"
UNITS_PER_DEGREE = 2
SOUTH_CUT = (90 + 58) * UNITS_PER_DEGREE


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for i in indexes:
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(pts if not out else pts[1:])
    return out


def project(lon: float, lat: float) -> tuple[int, int]:
    return round((lon + 180) * UNITS_PER_DEGREE), round((90 - lat) * UNITS_PER_DEGREE)


def unwrap(pts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Make a ring that crosses the antimeridian continuous (x may leave 0..720) instead of jumping across the map."""
    width = 360 * UNITS_PER_DEGREE
    out = [pts[0]]
    shift = 0
    for (x0, _), (x, y) in zip(pts, pts[1:], strict=False):
        if x - x0 > width / 2:
            shift -= width
        elif x0 - x > width / 2:
            shift += width
        out.append((x + shift, y))
    return out


def subpath(pts: list[tuple[int, int]], dx: int = 0) -> str:
    cmd = []
    px, py = pts[0]
    for x, y in pts[1:]:
        if (x, y) != (px, py):
            cmd.append(f"{x - px} {y - py}")
            px, py = x, y
    return f"M{pts[0][0] + dx} {pts[0][1]}l" + " ".join(cmd).replace(" -", "-") + "z"


def path_data(topo: dict) -> str:
    arcs = decode_arcs(topo)
    width = 360 * UNITS_PER_DEGREE
    parts = []
    for geom in topo["objects"]["land"]["geometries"]:
        polygons = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        for polygon in polygons:
            for r in polygon:
                pts = unwrap([project(*p) for p in ring(arcs, r)])
                if min(y for _, y in pts) >= SOUTH_CUT:  # Antarctica: no cities there, and it is cropped anyway
                    continue
                if len(set(pts)) < 5:  # a ring of a few grid cells is invisible at this scale
                    continue
                parts.append(subpath(pts))
                # the part that spilled over one edge is drawn again on the other side; the viewBox clips the rest
                if min(x for x, _ in pts) < 0:
                    parts.append(subpath(pts, width))
                if max(x for x, _ in pts) > width:
                    parts.append(subpath(pts, -width))
    return "".join(parts)


def main(src: str) -> None:
    topo = json.loads(Path(src).read_text())
    OUT.write_text(path_data(topo) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1])
