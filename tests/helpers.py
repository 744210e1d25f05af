"""Small helpers every test module shares: a free port, waiting for a condition or a server, stopping a process.

In one place so that no test waits a fixed time: each wait polls what it waits for, with a deadline."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def free_port() -> int:
    """A loopback port nothing listens on now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(predicate: Callable[[], T], timeout: float = 120.0, every: float = 0.05, what: str = "condition") -> T:
    """The first truthy value of ``predicate()``, asked every ``every`` seconds; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met in {timeout} s")
        time.sleep(every)


def wait_for(url: str, timeout: float = 90) -> None:
    """Until something answers HTTP at ``url`` (any status: it is up); the last connection error after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def stop(proc: subprocess.Popen) -> None:
    """Terminate a process we started, killing it if it does not end within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
