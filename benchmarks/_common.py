"""Helpers shared by the benchmark scripts (run as ``python benchmarks/<script>.py``)."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path


def mapper_command() -> list[str]:
    """The ``mapper`` console script next to this interpreter, else ``python -m mapper.cli``."""
    script = Path(sys.executable).with_name("mapper")
    if script.is_file():
        return [str(script)]
    found = shutil.which("mapper")
    return [found] if found else [sys.executable, "-m", "mapper.cli"]


def wait_idle(page, quiet: float = 0.6) -> float:
    """Wait until a Streamlit page has shown no "running" status for ``quiet`` s (at most
    120 s); return when the calm began (monotonic time)."""
    calm_since = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if page.locator("[data-testid='stStatusWidget']").count() == 0:
            calm_since = calm_since or time.monotonic()
            if time.monotonic() - calm_since >= quiet:
                return calm_since
        else:
            calm_since = None
        page.wait_for_timeout(50)
    return time.monotonic()
