"""What every build stage receives and may raise: the build's context, its error, the stage signature.

Its own module so that the stages (:mod:`hub.build.stages`) and the runner (:mod:`hub.build.run`)
share it without the libraries below ever importing the build: they expose plain functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.config import Settings
from hub.errors import HubError
from hub.ingest.validate import Corpus, Problem


class BuildError(HubError, RuntimeError):
    """The build stopped; ``problems`` holds curator-facing errors when validation failed (`hub build` lists them)."""

    error = "build_failed"

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class BuildContext:
    settings: Settings
    corpus: Corpus
    out: Path  # the new build directory being written
    previous: Path | None  # the build being replaced, for caches
    timings: dict[str, float] = field(default_factory=dict)
    stats: dict[str, object] = field(default_factory=dict)
    catalog: list[dict] = field(default_factory=list)  # build/records.json, set by the catalog stage
    graph: Any = None  # every triple as one rdflib Graph, set by the graph stage for SHACL
    preview: bool = False  # a live-preview rebuild (`hub serve --watch`): cheap shortcuts allowed, see build()
    pending: list[Any] = field(default_factory=list)  # hub.background jobs still running; the swap waits for them


Stage = Callable[[BuildContext], None]
Reporter = Callable[[str], None]
