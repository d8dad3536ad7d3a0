"""Timing spans for benchmarks: where a server's seconds go, as JSON lines.

Nothing is recorded unless the environment variable ``MAPPER_TRACE`` names a file when the
process starts; then every :func:`span` appends one line ``{"name", "t0", "t1", ...}``
(seconds since the epoch, so a benchmark can lay them beside the browser's timestamps) and
``cpu``, the CPU seconds of the thread that ran the block.
``benchmarks/bench_upload.py --trace`` reads them.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator

_PATH = os.environ.get("MAPPER_TRACE") or None
_LOCK = threading.Lock()


def enabled() -> bool:
    """Whether spans are recorded in this process."""
    return _PATH is not None


@contextlib.contextmanager
def span(name: str, **info: object) -> Iterator[None]:
    """Time the block as ``name`` (with ``info``: small JSON-able values) when tracing is on."""
    if _PATH is None:
        yield
        return
    t0, cpu0 = time.time(), time.thread_time()
    try:
        yield
    finally:
        cpu = round(time.thread_time() - cpu0, 3)  # this thread's CPU seconds: the rest was waiting
        line = json.dumps({"name": name, "t0": t0, "t1": time.time(), "cpu": cpu, **info}, default=str)
        with _LOCK, open(_PATH, "a", encoding="utf-8") as out:
            out.write(line + "\n")
