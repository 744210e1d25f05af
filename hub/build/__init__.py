"""One build of the hub: validate → RDF → SHACL → store → (indexes, peers, site) → atomic swap.

``context`` (what a stage receives), ``stages`` (each stage: the context in, a plain library call),
``run`` (the stages in order into a fresh folder, then the swap), ``watch`` (live preview rebuilds).
"""

from hub.build.context import BuildContext, BuildError, Reporter, Stage
from hub.build.run import build, current_build, default_stages
from hub.build.stages import (
    check_shapes,
    write_catalog,
    write_graph,
    write_schemas,
    write_site,
)
from hub.build.watch import watch

__all__ = [
    "BuildContext",
    "BuildError",
    "Reporter",
    "Stage",
    "build",
    "check_shapes",
    "current_build",
    "default_stages",
    "watch",
    "write_catalog",
    "write_graph",
    "write_schemas",
    "write_site",
]
