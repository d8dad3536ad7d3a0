"""Start the Streamlit app on a free local port (for browser tests and screenshots)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Flags for Debian's Chromium in this project's browser checks (no sandbox as root, no
#: background traffic to the internet).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_app(app_dir: Path, *, env: dict[str, str] | None = None, log: Path | None = None) -> Iterator[str]:
    """Run ``streamlit_app.py`` from ``app_dir``; yield its URL once healthy, stop it after."""
    with serve(app_dir, env=env, log=log) as server:
        yield server.url


@dataclass(frozen=True)
class Server:
    """A running app: its URL and process id (to read its memory)."""

    url: str
    pid: int

    def rss_mb(self) -> float:
        """Resident memory of the server process, in MB (Linux /proc)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")


@contextlib.contextmanager
def serve(
    app_dir: Path,
    *,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    script: str | None = None,
) -> Iterator[Server]:
    """Run ``script`` (default ``streamlit_app.py``) from ``app_dir``; yield the
    :class:`Server` once healthy.

    Raises
    ------
    RuntimeError
        If the server does not answer its health check within 90 seconds (with its log).
    """
    port = free_port()
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script or "streamlit_app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=app_dir,
        env={**os.environ, **(env or {})},
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    text = log.read_text() if log and log.exists() else "(no log)"
                    raise RuntimeError(f"streamlit did not start on {url}:\n{text}") from None
                time.sleep(0.5)
        yield Server(url, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=20)
        if log:
            out.close()
