"""Benchmark: an A4 PDF snapshot of the bundled data, as a command and in-process.

* command: ``mapper snapshot -o out.pdf`` as a subprocess (a fresh interpreter, as a user
  runs it), after one run to warm the disk cache; target ≤ 2.5 s;
* in-process: :func:`mapper.snapshot.draw` + save to PDF with the bundle loaded; target ≤ 1 s;
* reference: a plain ``GeoDataFrame.plot`` of the countries and layers of the same extent
  + ``savefig`` to PDF (no labels, legend or layout), for scale.

Prints the median wall times and the targets; nothing is asserted.
Run: ``.venv/bin/python benchmarks/bench_snapshot.py``.
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import mapper_command  # benchmarks/ is on the path when a script runs

REPEAT = 5
COMMAND_TARGET_S = 2.5
IN_PROCESS_TARGET_S = 1.0


def _command(out: Path) -> float:
    argv = [*mapper_command(), "snapshot", "-o", str(out), "--force", "--preset", "a4-landscape"]
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def _in_process(selection) -> float:
    from mapper.snapshot import draw, to_bytes

    start = time.perf_counter()
    to_bytes(draw(selection, preset="a4-landscape"), "pdf")
    return time.perf_counter() - start


def _plain_plot(selection) -> float:
    """GeoDataFrame.plot of the countries and layers over the same extent, saved as PDF."""
    from matplotlib.figure import Figure

    from mapper.geo import pacific_view
    from mapper.snapshot import PRESETS

    page = PRESETS["a4-landscape"]
    start = time.perf_counter()
    fig = Figure(figsize=(page.width_in, page.height_in))
    ax = fig.add_axes((0.02, 0.09, 0.7, 0.8))
    countries = selection.countries.copy()
    countries["geometry"] = [pacific_view(g) for g in countries.geometry]
    countries.plot(ax=ax, color="#f4f1ea", edgecolor="#8c8c8c", linewidth=0.35)
    for frame in selection.frames.values():
        located = frame[frame.geometry.notna() & ~frame.geometry.is_empty].copy()
        if len(located):
            located["geometry"] = [pacific_view(g) for g in located.geometry]
            located.plot(ax=ax, color="#1b7837", linewidth=1)
    ax.set_xlim(60, 200)
    ax.set_ylim(-48, 52)
    fig.savefig(io.BytesIO(), format="pdf")
    return time.perf_counter() - start


def main() -> None:
    import mapper
    from mapper.selection import select

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "snapshot.pdf"
        _command(out)  # warm the disk cache and the font cache
        command = statistics.median(_command(out) for _ in range(REPEAT))
    selection = select(mapper.load_bundle())
    _in_process(selection)  # warm: fonts, glyph advances, imports
    in_process = statistics.median(_in_process(selection) for _ in range(REPEAT))
    _plain_plot(selection)
    plain = statistics.median(_plain_plot(selection) for _ in range(REPEAT))
    print(f"mapper snapshot (A4 PDF, command, warm cache): {command:6.2f} s  (target ≤ {COMMAND_TARGET_S} s)")
    print(f"draw + save A4 PDF (in-process):               {in_process:6.2f} s  (target ≤ {IN_PROCESS_TARGET_S} s)")
    print(f"GeoDataFrame.plot + savefig PDF (reference):   {plain:6.2f} s")


if __name__ == "__main__":
    main()
