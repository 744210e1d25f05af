"""Content negotiation: the media ranges of an ``Accept`` header, best first."""

from __future__ import annotations


def accept_ranges(header: str) -> list[str]:
    """Media ranges in order of preference (q descending, then as written), without the q=0 ones."""
    ranked = []
    for i, part in enumerate(p for p in header.split(",") if p.strip()):
        media, *params = (x.strip() for x in part.split(";"))
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, i, media.lower()))
    return [m for _, _, m in sorted(ranked)]
