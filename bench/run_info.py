"""Where and when a benchmark ran, stamped into each result file.

Figures mean little without the machine they came from, the load it was under (other work slows the encoders
several-fold), the commit and the date; ``scripts/performance_page.py`` prints them beside every table.
"""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def machine() -> dict[str, object]:
    """Cores, CPU model, Python and the 1-minute load average, read now (call it before a run to get its start)."""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
            if line.startswith("Model name")
        )
    except (OSError, StopIteration):
        model = platform.processor()
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def describe(measured_on: dict[str, object]) -> str:
    """One line for a printed table's heading: "2 cores, AMD EPYC …, load average 0.4"."""
    return f"{measured_on['cores']} cores, {measured_on['cpu']}, load average {measured_on['load_average_1m']}"


def commit() -> str | None:
    """The short commit measured; None outside a git checkout."""
    proc = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False, cwd=REPO
    )
    return proc.stdout.strip() or None


def stamp(measured_on: dict[str, object] | None = None) -> dict[str, object]:
    """``machine``, ``commit`` and ``date`` for a result file; ``measured_on`` is a :func:`machine` taken earlier."""
    return {
        "machine": measured_on or machine(),
        "commit": commit(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
