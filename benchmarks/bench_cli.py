"""Benchmark: the wall time of ``mapper`` commands, naive against cached, in the same run.

Each command runs as a subprocess (a fresh interpreter, as a user runs it):

* naive: ``MAPPER_NO_CACHE=1``, the bundle is read, checked and enriched from scratch (what
  every command did before the disk cache);
* cached: with a warm disk cache (one run to warm it first) in a throw-away folder, so the
  user's own cache is neither used nor touched.

Prints the median wall time of each, their ratio (naive / cached), and the time of
``import mapper.cli`` alone. Timings only: nothing is asserted.
Run: ``.venv/bin/python benchmarks/bench_cli.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import mapper_command  # benchmarks/ is on the path when a script runs

REPEAT = 5


def _run(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one run of ``argv``; stops the benchmark if the command fails."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def _median(argv: list[str], env: dict[str, str]) -> float:
    return statistics.median(_run(argv, env) for _ in range(REPEAT))


def _import_time(env: dict[str, str]) -> float:
    """Median time of ``import mapper.cli`` in a fresh interpreter (measured inside it)."""
    code = "import time; t = time.perf_counter(); import mapper.cli; print(time.perf_counter() - t)"
    runs = []
    for _ in range(REPEAT):
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        runs.append(float(done.stdout.split()[-1]))
    return statistics.median(runs)


def main() -> None:
    mapper = mapper_command()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        base = {k: v for k, v in os.environ.items() if k not in ("MAPPER_NO_CACHE", "MAPPER_CACHE_DIR")}
        base["MAPPER_CACHE_DIR"] = str(Path(tmp) / "cache")
        naive_env = {**base, "MAPPER_NO_CACHE": "1"}
        out = str(Path(tmp) / "x.geojson")
        commands = {
            "mapper layers": [*mapper, "layers"],
            "mapper export -o x.geojson --force": [*mapper, "export", "-o", out, "--force"],
        }
        print(f"mapper CLI wall time, median of {REPEAT} runs each (subprocesses, {' '.join(mapper)})")
        print("  naive:  MAPPER_NO_CACHE=1, the bundle is read, checked and enriched on every run")
        print("  cached: the bundle comes from a warm disk cache (warmed by one run first)\n")
        print(f"{'command':<38} {'naive':>9} {'cached':>9} {'naive/cached':>13}")
        for label, argv in commands.items():
            naive = _median(argv, naive_env)
            _run(argv, base)  # warm the cache
            cached = _median(argv, base)
            print(f"{label:<38} {naive:>8.2f}s {cached:>8.2f}s {naive / cached:>12.1f}x")
        print(f"\nimport mapper.cli alone: {_import_time(base) * 1000:.0f} ms (median of {REPEAT}, fresh interpreter)")


if __name__ == "__main__":
    main()
