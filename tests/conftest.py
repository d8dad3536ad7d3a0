"""Shared fixtures: the bundled catalogue and bundle (loaded once), and throw-away copies
of ``layers/`` and ``geodata/`` that tests may break without touching the real files."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import mapper

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def catalogue() -> mapper.Catalogue:
    """The bundled layer catalogue."""
    return mapper.load_catalogue()


@pytest.fixture(scope="session")
def bundle(catalogue: mapper.Catalogue) -> mapper.Bundle:
    """The bundled layers, read, validated and enriched (loaded once per session)."""
    return mapper.load_bundle(catalogue)


@pytest.fixture
def layers_copy(tmp_path: Path) -> Path:
    """Copy ``layers/`` and ``geodata/`` into ``tmp_path`` and return that root.

    Tests break the copies, never the real files. Load the copy with
    ``mapper.load_catalogue(root / "layers")`` or point ``MAPPER_HOME`` at it.
    """
    shutil.copytree(REPO_ROOT / "layers", tmp_path / "layers")
    shutil.copytree(REPO_ROOT / "geodata", tmp_path / "geodata")
    return tmp_path


@pytest.fixture
def edit_geojson() -> Callable[[Path, Callable[[list[dict[str, Any]]], None]], Path]:
    """Return ``edit(path, change)``: load a GeoJSON file, let ``change`` mutate its list
    of features in place, and write it back."""

    def edit(path: Path, change: Callable[[list[dict[str, Any]]], None]) -> Path:
        data = json.loads(path.read_text(encoding="utf-8"))
        change(data["features"])
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return edit


@pytest.fixture(scope="session", autouse=True)
def _bundle_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the bundles the tests load out of the user's disk cache (~/.cache)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MAPPER_CACHE_DIR", str(tmp_path_factory.mktemp("mapper-cache")))
        yield


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly, at the end of the run, which browser tests did not run and how to run them."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "test_browser" in str(getattr(report, "nodeid", "")) or "test_browser" in str(report.location[0])
    ]
    if not skipped:
        return
    reasons = sorted({str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else "" for report in skipped})
    terminalreporter.section("BROWSER TESTS DID NOT RUN", sep="!", red=True, bold=True)
    terminalreporter.write_line(
        f"{len(skipped)} browser test item(s) in tests/test_browser.py were skipped: {'; '.join(reasons)}",
        red=True,
        bold=True,
    )
    terminalreporter.write_line(
        "The real-browser journeys (pan, filter, page switches, shared links, offline HTML) were NOT checked.",
        red=True,
    )
    terminalreporter.write_line(
        "To run them: apt-get update && apt-get install -y chromium (gives /usr/bin/chromium), then make test.",
        red=True,
    )
