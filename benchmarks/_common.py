"""Helpers shared by the benchmark scripts (run as ``python benchmarks/<script>.py``)."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

#: Chromium flags that cut the network: every host but the app's own server fails to resolve.
#: (Playwright's request interception did the same, but it stops each request in the test
#: driver, about 0.3 s per page load of Streamlit's ~60 files, which no user's browser pays.)
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def launch(play):
    """Debian's Chromium, headless, with the project's flags and no network (``OFFLINE_ARGS``)."""
    from mapper._serve import CHROMIUM_ARGS

    return play.chromium.launch(executable_path="/usr/bin/chromium", args=[*CHROMIUM_ARGS, *OFFLINE_ARGS])


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
