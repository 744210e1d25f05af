"""Build work run in a second process, so a build on a two-core machine uses both cores.

A build is mostly single-threaded Python. The keyword index (Whoosh, pure Python,
~40 % of a corpus build's search stage) needs only the catalogue, so the search stage
starts it as ``python -m hub.background <module>:<function> <args>`` and the main process goes on with peers and
the site; the build waits for it before the swap, and a job that fails fails the build
with its own error message. A plain child process rather than ``multiprocessing``:
nothing is pickled, no fork of a process holding torch's threads, and no re-import of
the caller's ``__main__``. (The job's function lives in its own module, not in
``__main__``: Whoosh pickles the analyser's classes into the index by module name.)
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Job:
    name: str
    process: subprocess.Popen

    def wait(self) -> None:
        """Block until the job ends; raise RuntimeError with its error (the traceback's last line) if it failed."""
        _, err = self.process.communicate()
        if self.process.returncode:
            lines = err.decode("utf-8", "replace").strip().splitlines() or ["(no message)"]
            raise RuntimeError(f"{self.name} failed (exit {self.process.returncode}): {lines[-1]}")

    def stop(self) -> None:
        """End the job now (the build failed elsewhere); safe to call after :meth:`wait`."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def start(name: str, function: Callable[..., None], *args: str) -> Job:
    """Run ``function(*args)`` (a module-level function taking strings) in a new Python process."""
    target = f"{function.__module__}:{function.__qualname__}"
    return Job(
        name,
        subprocess.Popen(
            [sys.executable, "-m", "hub.background", target, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        ),
    )


if __name__ == "__main__":
    module, _, func = sys.argv[1].partition(":")
    getattr(importlib.import_module(module), func)(*sys.argv[2:])
