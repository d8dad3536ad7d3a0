"""Helpers shared by the benchmark scripts (run as ``python benchmarks/<script>.py``)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def mapper_command() -> list[str]:
    """The ``mapper`` console script next to this interpreter, else ``python -m mapper.cli``."""
    script = Path(sys.executable).with_name("mapper")
    if script.is_file():
        return [str(script)]
    found = shutil.which("mapper")
    return [found] if found else [sys.executable, "-m", "mapper.cli"]
